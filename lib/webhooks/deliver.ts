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
import { and, asc, eq, inArray, isNull, lte, or, sql } from "drizzle-orm";
import { getDb, type Db, type Tx } from "@/db";
import { exports, webhookDeliveries, webhookEndpoints, webhookMessages, type ExportRow, type WebhookMessageRow } from "@/db/schema";
import { EXPORT_OUT_FIELDS, exportOut } from "@/lib/exports/serialize";
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

/** The export object's keys in the API's order (jsonb keeps keys in its own order). */
let exportKeyOrder: string[] | undefined;
function inExportOrder(snapshot: Record<string, unknown>): Record<string, unknown> {
  exportKeyOrder ??= Object.keys(exportOut(Object.fromEntries(EXPORT_OUT_FIELDS.map((f) => [f, null])) as never));
  const known = new Set(exportKeyOrder);
  return Object.fromEntries([
    ...exportKeyOrder.filter((k) => k in snapshot).map((k) => [k, snapshot[k]]),
    ...Object.entries(snapshot).filter(([k]) => !known.has(k)),
  ]);
}

/**
 * The body of one attempt: `{type, timestamp, data}` as the event happened, the
 * export object with a download link signed now (null when the file is gone).
 */
async function bodyOf(m: WebhookMessageRow, current: ExportRow | undefined): Promise<string> {
  const payload = m.payload as WebhookPayload;
  const snapshot = payload.data.export as Record<string, unknown> | undefined;
  if (!m.exportId || !snapshot) return JSON.stringify({ type: payload.type, timestamp: payload.timestamp, data: payload.data });
  const link = current && current.fileKey && current.fileKey === snapshot.file_key ? await downloadUrlFor(current) : null;
  const exportObject = inExportOrder({ ...snapshot, download_url: link?.url ?? null });
  return JSON.stringify({ type: payload.type, timestamp: payload.timestamp, data: { ...payload.data, export: exportObject } });
}

type Outcome = AttemptResult & { c: Claimed; counts: boolean };

const NOT_SENT_DISABLED = "Not sent: the endpoint was disabled or deleted before the attempt.";
const NOT_SENT_LIMIT = `Not sent: the endpoint had just reached ${WEBHOOK_DISABLE_AFTER_FAILURES} failed deliveries in a row.`;

/**
 * Sends claimed messages, `settings.concurrency` at a time, and records every
 * outcome in one transaction. What the attempts need (endpoints, the exports'
 * current rows) is read once per batch: on PGlite every query waits its turn,
 * so per-attempt reads and writes were most of a delivery's cost.
 */
export async function sendClaimed(db: Db, claimed: Claimed[], settings: WebhookSettings = webhookSettings): Promise<Outcome[]> {
  if (claimed.length === 0) return [];
  const endpointIds = [...new Set(claimed.map((c) => c.message.endpointId))];
  const endpoints = new Map(
    (await db.select().from(webhookEndpoints).where(inArray(webhookEndpoints.id, endpointIds))).map((e) => [e.id, e] as const),
  );
  const exportIds = [...new Set(claimed.map((c) => c.message.exportId).filter((id): id is string => id !== null))];
  const userIds = [...new Set(claimed.map((c) => c.message.userId))];
  const currentExports = new Map(
    exportIds.length
      ? (
          await db
            .select()
            .from(exports)
            .where(and(inArray(exports.id, exportIds), inArray(exports.userId, userIds)))
        ).map((e) => [e.id, e] as const)
      : [],
  );
  // Failures in a row per endpoint as this batch goes: past the limit, nothing more is sent to it.
  const failures = new Map([...endpoints.values()].map((e) => [e.id, e.consecutiveFailures] as const));

  const outcomes: Outcome[] = [];
  let next = 0;
  const worker = async () => {
    while (next < claimed.length) {
      const c = claimed[next++];
      const { message } = c;
      const endpoint = endpoints.get(message.endpointId);
      if (!endpoint || !endpoint.enabled) {
        outcomes.push({ c, counts: false, ok: false, status: null, durationMs: 0, error: NOT_SENT_DISABLED });
        continue;
      }
      if ((failures.get(endpoint.id) ?? 0) >= WEBHOOK_DISABLE_AFTER_FAILURES) {
        outcomes.push({ c, counts: false, ok: false, status: null, durationMs: 0, error: NOT_SENT_LIMIT });
        continue;
      }
      const now = new Date();
      const secrets =
        endpoint.previousSecret && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > now
          ? [endpoint.secret, endpoint.previousSecret]
          : [endpoint.secret];
      const current = message.exportId ? currentExports.get(message.exportId) : undefined;
      let result: AttemptResult;
      try {
        const body = await bodyOf(message, current?.userId === message.userId ? current : undefined);
        result = await postWebhook(endpoint.url, body, webhookHeaders(secrets, message.id, body, now), settings);
      } catch (err) {
        result = { ok: false, status: null, durationMs: 0, error: `Could not prepare the delivery: ${(err as Error).message}` };
      }
      failures.set(endpoint.id, result.ok ? 0 : (failures.get(endpoint.id) ?? 0) + 1);
      outcomes.push({ ...result, c, counts: true });
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
    }
  };
  await Promise.all(Array.from({ length: Math.min(settings.concurrency, claimed.length) }, worker));
  await recordOutcomes(db, outcomes, settings);
  return outcomes;
}

/**
 * One transaction for a batch: each attempt row finished, each message
 * succeeded, failed for good, or due again after its backoff (only while the
 * lease is still ours: a sender that overran it leaves the message to whoever
 * took it over), and each endpoint's failures in a row — in the order the
 * attempts ended — with the disable when they reach the limit.
 */
async function recordOutcomes(db: Db, outcomes: Outcome[], settings: WebhookSettings) {
  if (outcomes.length === 0) return;
  const now = new Date();
  const deliveryRows = outcomes.map(
    (o) =>
      sql`(${o.c.deliveryId}::uuid, ${o.ok ? "succeeded" : "failed"}::text, ${o.status}::int, ${o.durationMs}::int, ${o.error?.slice(0, 1000) ?? null}::text)`,
  );
  const messageRows = outcomes.map((o) => {
    const m = o.c.message;
    const delay = settings.retryDelaysMs[Math.min(m.attempts - 1, settings.retryDelaysMs.length - 1)] ?? 0;
    const status = o.ok ? "succeeded" : o.counts && m.attempts >= m.maxAttempts ? "failed" : "pending";
    // An attempt that was not made (disabled endpoint) keeps the message's schedule.
    const nextAt = status === "pending" && o.counts ? new Date(now.getTime() + delay) : null;
    return sql`(${m.id}::uuid, ${o.c.leaseId}::uuid, ${status}::text, ${nextAt?.toISOString() ?? null}::timestamptz, ${o.ok ? null : o.error}::text)`;
  });
  const perEndpoint = new Map<string, { reset: boolean; add: number; last: string | null }>();
  for (const o of outcomes) {
    if (!o.counts) continue;
    const e = perEndpoint.get(o.c.message.endpointId) ?? { reset: false, add: 0, last: null };
    if (o.ok) Object.assign(e, { reset: true, add: 0 });
    else Object.assign(e, { add: e.add + 1, last: o.error });
    perEndpoint.set(o.c.message.endpointId, e);
  }
  await db.transaction(async (tx) => {
    await tx.execute(sql`
      update ${webhookDeliveries} as d
      set status = v.status, response_status = v.response_status, duration_ms = v.duration_ms, error = v.error, finished_at = ${now.toISOString()}::timestamptz
      from (values ${sql.join(deliveryRows, sql`, `)}) as v(id, status, response_status, duration_ms, error)
      where d.id = v.id`);
    await tx.execute(sql`
      update ${webhookMessages} as m
      set status = v.status, next_attempt_at = coalesce(v.next_attempt_at, m.next_attempt_at), lease_id = null, lease_expires_at = null,
          last_error = v.last_error, updated_at = ${now.toISOString()}::timestamptz
      from (values ${sql.join(messageRows, sql`, `)}) as v(id, lease_id, status, next_attempt_at, last_error)
      where m.id = v.id and m.lease_id = v.lease_id`);
    for (const [endpointId, e] of perEndpoint) {
      const [endpoint] = await tx
        .update(webhookEndpoints)
        .set({ consecutiveFailures: e.reset ? e.add : sql`${webhookEndpoints.consecutiveFailures} + ${e.add}` })
        .where(eq(webhookEndpoints.id, endpointId))
        .returning({ failures: webhookEndpoints.consecutiveFailures, enabled: webhookEndpoints.enabled, userId: webhookEndpoints.userId });
      if (endpoint && endpoint.enabled && endpoint.failures >= WEBHOOK_DISABLE_AFTER_FAILURES) {
        const reason = `Disabled after ${endpoint.failures} failed deliveries in a row (last: ${e.last ?? "no answer"}). Fix the receiver, then enable the endpoint again.`;
        await disableEndpoint(tx, endpointId, reason, now);
        logger.warn("webhook endpoint disabled", { endpointId, userId: endpoint.userId, reason });
      }
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
    const outcomes = await sendClaimed(db, claimed, settings);
    attempted += outcomes.filter((o) => o.counts).length;
    succeeded += outcomes.filter((o) => o.ok).length;
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
