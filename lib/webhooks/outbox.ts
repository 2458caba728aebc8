/**
 * Writing webhook messages (the outbox, SPEC §14.1): in the transaction of
 * the change that causes them, one message per enabled endpoint of the user
 * that selected the event. Nothing is sent here; `notifyWebhooks()` only
 * hurries the sender, which also finds due messages by itself.
 */
import { and, arrayContains, eq } from "drizzle-orm";
import type { Db, Tx } from "@/db";
import { webhookEndpoints, webhookMessages, type ExportRow, type ExportStatus } from "@/db/schema";
import { modes } from "@/lib/env";
import { exportOut } from "@/lib/exports/serialize";
import { logger } from "@/lib/logger";
import { EXPORT_STATUS_EVENTS, type WebhookEventType, type WebhookMessageType } from "./model";
import { webhookSettings } from "./settings";

export type WebhookPayload = { type: WebhookMessageType; timestamp: string; data: Record<string, unknown> };

/** The message rows for `endpointIds`; their ids are the `webhook-id`s. */
export async function insertMessages(
  db: Db | Tx,
  m: { userId: string; endpointIds: string[]; type: WebhookMessageType; data: Record<string, unknown>; exportId?: string; now?: Date },
): Promise<string[]> {
  if (m.endpointIds.length === 0) return [];
  const now = m.now ?? new Date();
  const payload: WebhookPayload = { type: m.type, timestamp: now.toISOString(), data: m.data };
  const rows = await db
    .insert(webhookMessages)
    .values(
      m.endpointIds.map((endpointId) => ({
        endpointId,
        userId: m.userId,
        type: m.type,
        exportId: m.exportId ?? null,
        payload,
        maxAttempts: webhookSettings.retryDelaysMs.length + 1,
        nextAttemptAt: now,
        createdAt: now,
        updatedAt: now,
      })),
    )
    .returning({ id: webhookMessages.id });
  return rows.map((r) => r.id);
}

/** Messages for `type` to every enabled endpoint of `userId` that selected it, in the caller's transaction. */
export async function emitWebhookEvent(
  db: Db | Tx,
  e: { userId: string; type: WebhookEventType; data: Record<string, unknown>; exportId?: string },
): Promise<string[]> {
  const endpoints = await db
    .select({ id: webhookEndpoints.id })
    .from(webhookEndpoints)
    .where(
      and(eq(webhookEndpoints.userId, e.userId), eq(webhookEndpoints.enabled, true), arrayContains(webhookEndpoints.events, [e.type])),
    );
  return insertMessages(db, { ...e, endpointIds: endpoints.map((r) => r.id) });
}

/**
 * The export event of a status change (called by transition() in its
 * transaction): `export.completed`, `.failed`, `.cancelled` or `.expired`,
 * with the export object as it is now; the download link is added at each
 * attempt.
 */
export async function emitExportStatusEvent(tx: Db | Tx, row: ExportRow, status: ExportStatus): Promise<string[]> {
  const type = (EXPORT_STATUS_EVENTS as Partial<Record<ExportStatus, WebhookEventType>>)[status];
  if (!type) return [];
  return emitWebhookEvent(tx, { userId: row.userId, type, exportId: row.id, data: { export: exportOut(row, null) } });
}

/**
 * Hurries the sender after messages were written: the inline dispatcher in
 * this process, or an event to Inngest. Only latency depends on it: a lost
 * notice (a crash right after the commit, Inngest unreachable) is made up
 * by the periodic sweep, which sends every due message.
 */
export function notifyWebhooks(messageIds: string[]): void {
  if (messageIds.length === 0) return;
  // After the current transaction: the caller may still be inside it.
  setTimeout(() => {
    void (async () => {
      if (modes.runner === "inngest") {
        const { inngest } = await import("@/inngest/client");
        const { webhooksDue } = await import("@/inngest/webhook-events");
        await inngest.send(webhooksDue.create({ messageIds: messageIds.slice(0, 100) }));
      } else {
        const { getWebhookDispatcher } = await import("./dispatcher");
        getWebhookDispatcher().kick();
      }
    })().catch((err) => logger.warn("webhook notice not sent; the sweep will deliver", { error: err }));
  }, 0).unref?.();
}
