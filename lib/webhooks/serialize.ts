/** Webhook endpoints and delivery attempts as the API shows them (snake_case, ISO timestamps; never the secret). */
import type { WebhookDeliveryRow, WebhookEndpointRow } from "@/db/schema";
import type { WebhookEventType, WebhookMessageType } from "./model";

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function endpointOut(row: WebhookEndpointRow) {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: row.events as WebhookEventType[],
    enabled: row.enabled,
    disabled_reason: row.disabledReason,
    disabled_at: iso(row.disabledAt),
    consecutive_failures: row.consecutiveFailures,
    /** Until when the previous secret still signs (after a rotation). */
    previous_secret_expires_at:
      row.previousSecret && row.previousSecretExpiresAt && row.previousSecretExpiresAt > new Date()
        ? iso(row.previousSecretExpiresAt)
        : null,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

export type WebhookEndpointOut = ReturnType<typeof endpointOut>;

export function deliveryOut(row: WebhookDeliveryRow & { messageStatus?: string | null; nextAttemptAt?: Date | null }) {
  return {
    id: row.id,
    event_id: row.eventId,
    type: row.type as WebhookMessageType,
    attempt: row.attempt,
    status: row.status,
    response_status: row.responseStatus,
    duration_ms: row.durationMs,
    error: row.error,
    created_at: row.createdAt.toISOString(),
    finished_at: iso(row.finishedAt),
    /** The event's delivery as a whole: pending (a retry is due at next_attempt_at), succeeded or failed. */
    event_status: (row.messageStatus ?? null) as "pending" | "succeeded" | "failed" | null,
    next_attempt_at: row.messageStatus === "pending" ? iso(row.nextAttemptAt ?? null) : null,
  };
}

export type WebhookDeliveryOut = ReturnType<typeof deliveryOut>;
