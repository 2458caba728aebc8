/**
 * Webhook constants shared by the server and the dashboard (SPEC §14.1):
 * the events an endpoint may select, the retry schedule and the limits.
 * No server imports here: client components read this file.
 */

/** Events an endpoint can select. `webhook.test` is sent only on request, whatever is selected. */
export const WEBHOOK_EVENT_TYPES = ["export.completed", "export.failed", "export.cancelled", "export.expired", "schedule.paused"] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export const WEBHOOK_TEST_EVENT = "webhook.test";
export type WebhookMessageType = WebhookEventType | typeof WEBHOOK_TEST_EVENT;

export const WEBHOOK_EVENT_LABELS: Record<WebhookEventType, string> = {
  "export.completed": "Export completed",
  "export.failed": "Export failed",
  "export.cancelled": "Export cancelled",
  "export.expired": "Export expired",
  "schedule.paused": "Schedule paused",
};

/** The export status whose arrival sends each export event. */
export const EXPORT_STATUS_EVENTS = {
  completed: "export.completed",
  failed: "export.failed",
  cancelled: "export.cancelled",
  expired: "export.expired",
} as const satisfies Record<string, WebhookEventType>;

/** Waits before each retry: about 5 s, 1 min, 10 min, 1 h, 6 h; then the delivery has failed (6 attempts in all). */
export const WEBHOOK_RETRY_DELAYS_MS = [5_000, 60_000, 600_000, 3_600_000, 21_600_000] as const;

/** Failed attempts in a row (any events) after which an endpoint is disabled. */
export const WEBHOOK_DISABLE_AFTER_FAILURES = 20;

/** Endpoints one account keeps. */
export const MAX_WEBHOOK_ENDPOINTS = 10;

/** How long the previous secret keeps signing after a rotation. */
export const WEBHOOK_SECRET_OVERLAP_MS = 24 * 3600 * 1000;

export const WEBHOOK_TIMEOUT_MS = 10_000;

export const WEBHOOK_MESSAGE_STATUSES = ["pending", "succeeded", "failed"] as const;
export type WebhookStatus = (typeof WEBHOOK_MESSAGE_STATUSES)[number];
