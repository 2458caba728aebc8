/**
 * The sender (SPEC §14.1), the same code for the inline dispatcher and the
 * Inngest function: claim due messages, send each attempt signed, record it,
 * and schedule the retry or give up.
 *
 * - Claiming takes a lease on a row with FOR UPDATE SKIP LOCKED, so two
 *   senders (two app instances, a sweep and a notice) never send one attempt
 *   twice. A sender killed mid-delivery leaves its lease; when it runs out
 *   the message is due again, under the same `webhook-id` (at least once).
 * - Each attempt is a webhook_deliveries row, written before the request and
 *   finished after it; a row an attempt never finished is marked interrupted
 *   when its message is claimed again.
 * - 20 failed attempts in a row disable the endpoint with a reason; its
 *   pending messages fail with it and nothing more is sent to it.
 */
import crypto from "node:crypto";
import { and, asc, eq, gt, inArray, isNull, lte, or, sql } from "drizzle-orm";
import { getDb, type Db, type Tx } from "@/db";
import { exports, webhookDeliveries, webhookEndpoints, webhookMessages, type WebhookMessageRow } from "@/db/schema";
import { downloadUrlFor } from "@/lib/exports/services/links";
import { logger } from "@/lib/logger";
import { WEBHOOK_DISABLE_AFTER_FAILURES } from "./model";
import type { WebhookPayload } from "./outbox";
import { postWebhook, type AttemptResult } from "./send";
import { webhookSettings, type WebhookSettings } from "./settings";
import { webhookHeaders } from "./sign";

export type DeliverResult = {
  /** Attempts made. */
  attempted: number;
  succeeded: number;
  /** More messages were due than one call takes. */
  more: boolean;
  /** When the next pending message is due (ISO), if any. */
  nextDueAt: string | null;
};

type Claimed = { message: WebhookMessageRow; deliveryId: string; leaseId: string };

const INTERRUPTED = "Interrupted: the sender stopped before an answer was recorded; the delivery was sent again.";

/** Takes up to `limit` due messages of enabled endpoints, and writes a pending attempt row for each. */
export async function claimDue(db: Db, opts: { limit: number; now?: Date; settings?: WebhookSettings }): Promise<Claimed[]> {
  const settings = opts.settings ?? webhookSettings;
  const now = opts.now ?? new Date();
  const leaseId = crypto.randomUUID();
  return db.transaction(async (tx) => {
    const due = tx
      .select({ id: webhookMessages.id })
      .from(webhookMessages)
      .where(
        and(
          eq(webhookMessages.status, "pending"),
          lte(webhookMessages.nextAttemptAt, now),
          or(isNull(webhookMessages.leaseExpiresAt), lte(webhookMessages.leaseExpiresAt, now)),
          sql`exists (select 1 from ${webhookEndpoints} where ${webhookEndpoints.id} = ${webhookMessages.endpointId} and ${webhookEndpoints.enabled})`,
        ),
      )
      .orderBy(asc(webhookMessages.nextAttemptAt))
      .limit(opts.limit)
      .for("update", { skipLocked: true });
    const messages = await tx
      .update(webhookMessages)
      .set({
        leaseId,
        leaseExpiresAt: new Date(now.getTime() + settings.leaseMs),
        attempts: sql`${webhookMessages.attempts} + 1`,
        updatedAt: now,
      })
      .where(inArray(webhookMessages.id, due))
      .returning();
    if (messages.length === 0) return [];
    const ids = messages.map((m) => m.id);
    // Attempts a killed sender never finished.
    await tx
      .update(webhookDeliveries)
      .set({ status: "failed", error: INTERRUPTED, finishedAt: now })
      .where(and(inArray(webhookDeliveries.messageId, ids), eq(webhookDeliveries.status, "pending")));
    const deliveries = await tx
      .insert(webhookDeliveries)
      .values(
        messages.map((m) => ({
          messageId: m.id,
          endpointId: m.endpointId,
          userId: m.userId,
          eventId: m.id,
          type: m.type,
          attempt: m.attempts,
          status: "pending" as const,
          createdAt: now,
        })),
      )
      .returning({ id: webhookDeliveries.id, messageId: webhookDeliveries.messageId });
    const byMessage = new Map(deliveries.map((d) => [d.messageId, d.id]));
    return messages.map((message) => ({ message, deliveryId: byMessage.get(message.id)!, leaseId }));
  });
}

/** The body of one attempt: the event as it happened, with a download link signed now (null when the file is gone). */
async function bodyOf(db: Db, m: WebhookMessageRow): Promise<string> {
  const payload = m.payload as WebhookPayload;
  const snapshot = payload.data.export as { file_key?: string | null } | undefined;
  if (!m.exportId || !snapshot) return JSON.stringify(payload);
  const [row] = await db
    .select()
    .from(exports)
    .where(and(eq(exports.id, m.exportId), eq(exports.userId, m.userId)));
  const link = row && row.fileKey && row.fileKey === snapshot.file_key ? await downloadUrlFor(row) : null;
  return JSON.stringify({ ...payload, data: { ...payload.data, export: { ...snapshot, download_url: link?.url ?? null } } });
}

/** Sends one claimed message and records the outcome. */
export async function sendClaimed(db: Db, c: Claimed, settings: WebhookSettings = webhookSettings): Promise<AttemptResult> {
  const { message } = c;
  const [endpoint] = await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, message.endpointId));
  if (!endpoint || !endpoint.enabled) {
    // Not an attempt at the receiver: recorded, but not counted against the endpoint.
    const skipped = { ok: false, status: null, durationMs: 0, error: "Not sent: the endpoint was disabled or deleted before the attempt." };
    await recordAttempt(db, c, skipped, settings, { counts: false });
    return skipped;
  }
  const now = new Date();
  const secrets =
    endpoint.previousSecret && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > now
      ? [endpoint.secret, endpoint.previousSecret]
      : [endpoint.secret];
  let result: AttemptResult;
  try {
    const body = await bodyOf(db, message);
    result = await postWebhook(endpoint.url, body, webhookHeaders(secrets, message.id, body, now), settings);
  } catch (err) {
    result = { ok: false, status: null, durationMs: 0, error: `Could not prepare the delivery: ${(err as Error).message}` };
  }
  await recordAttempt(db, c, result, settings);
  logger.info("webhook attempt", {
    messageId: message.id,
    endpointId: message.endpointId,
    type: message.type,
    attempt: message.attempts,
    ok: result.ok,
    status: result.status,
    durationMs: result.durationMs,
    error: result.error,
  });
  return result;
}

async function recordAttempt(db: Db, c: Claimed, result: AttemptResult, settings: WebhookSettings, opts = { counts: true }) {
  const { message } = c;
  const now = new Date();
  const last = message.attempts >= message.maxAttempts;
  const delay = settings.retryDelaysMs[Math.min(message.attempts - 1, settings.retryDelaysMs.length - 1)] ?? 0;
  await db.transaction(async (tx) => {
    await tx
      .update(webhookDeliveries)
      .set({
        status: result.ok ? "succeeded" : "failed",
        responseStatus: result.status,
        durationMs: result.durationMs,
        error: result.error?.slice(0, 1000) ?? null,
        finishedAt: now,
      })
      .where(eq(webhookDeliveries.id, c.deliveryId));
    // Only while the lease is still ours: a sender that overran it leaves the message to whoever took it over.
    await tx
      .update(webhookMessages)
      .set(
        result.ok
          ? { status: "succeeded", leaseId: null, leaseExpiresAt: null, lastError: null, updatedAt: now }
          : last
            ? { status: "failed", leaseId: null, leaseExpiresAt: null, lastError: result.error, updatedAt: now }
            : {
                nextAttemptAt: new Date(now.getTime() + delay),
                leaseId: null,
                leaseExpiresAt: null,
                lastError: result.error,
                updatedAt: now,
              },
      )
      .where(and(eq(webhookMessages.id, message.id), eq(webhookMessages.leaseId, c.leaseId)));
    if (!opts.counts) return;
    if (result.ok) {
      await tx
        .update(webhookEndpoints)
        .set({ consecutiveFailures: 0 })
        .where(and(eq(webhookEndpoints.id, message.endpointId), gt(webhookEndpoints.consecutiveFailures, 0)));
      return;
    }
    const [endpoint] = await tx
      .update(webhookEndpoints)
      .set({ consecutiveFailures: sql`${webhookEndpoints.consecutiveFailures} + 1` })
      .where(eq(webhookEndpoints.id, message.endpointId))
      .returning({ failures: webhookEndpoints.consecutiveFailures, enabled: webhookEndpoints.enabled, userId: webhookEndpoints.userId });
    if (endpoint && endpoint.enabled && endpoint.failures >= WEBHOOK_DISABLE_AFTER_FAILURES) {
      const reason = `Disabled after ${endpoint.failures} failed deliveries in a row (last: ${result.error ?? "no answer"}). Fix the receiver, then enable the endpoint again.`;
      await disableEndpoint(tx, message.endpointId, reason, now);
      logger.warn("webhook endpoint disabled", { endpointId: message.endpointId, userId: endpoint.userId, reason });
    }
  });
}

/** Disables an endpoint; its pending messages fail with the reason (nothing more is sent to it). */
export async function disableEndpoint(db: Db | Tx, endpointId: string, reason: string | null, now = new Date()) {
  await db
    .update(webhookEndpoints)
    .set({ enabled: false, disabledReason: reason, disabledAt: now, updatedAt: now })
    .where(eq(webhookEndpoints.id, endpointId));
  await db
    .update(webhookMessages)
    .set({
      status: "failed",
      lastError: reason ? `Not sent: the endpoint was disabled (${reason})` : "Not sent: the endpoint was disabled.",
      leaseId: null,
      leaseExpiresAt: null,
      updatedAt: now,
    })
    .where(and(eq(webhookMessages.endpointId, endpointId), eq(webhookMessages.status, "pending")));
}

/**
 * Sends what is due: claims in batches and sends up to `settings.concurrency`
 * at once, until nothing is due or `budgetMs` has passed.
 */
export async function deliverDue(opts: { budgetMs?: number; settings?: WebhookSettings; db?: Db } = {}): Promise<DeliverResult> {
  const settings = opts.settings ?? webhookSettings;
  const db = opts.db ?? (await getDb());
  const until = Date.now() + (opts.budgetMs ?? 20_000);
  const batch = settings.concurrency * 4;
  let attempted = 0;
  let succeeded = 0;
  let more = false;
  for (;;) {
    const claimed = await claimDue(db, { limit: batch, settings });
    if (claimed.length === 0) break;
    let next = 0;
    const worker = async () => {
      while (next < claimed.length) {
        const c = claimed[next++];
        const r = await sendClaimed(db, c, settings).catch((err) => {
          logger.error("webhook attempt crashed", { messageId: c.message.id, error: err });
          return null;
        });
        attempted++;
        if (r?.ok) succeeded++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(settings.concurrency, claimed.length) }, worker));
    if (claimed.length < batch) break;
    if (Date.now() >= until) {
      more = true;
      break;
    }
  }
  return { attempted, succeeded, more, nextDueAt: await nextDueAt(db) };
}

/** When the next pending message of an enabled endpoint is due (a running lease counts as its end). */
export async function nextDueAt(db: Db): Promise<string | null> {
  const [row] = await db
    .select({
      at: sql<
        string | null
      >`min(greatest(${webhookMessages.nextAttemptAt}, coalesce(${webhookMessages.leaseExpiresAt}, ${webhookMessages.nextAttemptAt})))`,
    })
    .from(webhookMessages)
    .where(eq(webhookMessages.status, "pending"));
  return row?.at ? new Date(row.at).toISOString() : null;
}
