/**
 * The limits on starting work (SPEC §5.2), shared by creation and retry:
 * one user's creations run one at a time (an advisory lock, so ten parallel
 * identical POSTs make one export), at most EXPORTS_MAX_ACTIVE_PER_USER
 * pending or processing, and at most EXPORTS_CREATE_PER_MINUTE creations a
 * minute.
 */
import { and, count, desc, eq, gte, inArray, sql, type SQL } from "drizzle-orm";
import type { Tx } from "@/db";
import { exportEvents, exports, type ExportRow } from "@/db/schema";
import { env } from "@/lib/env";
import { DomainError } from "@/lib/errors";
import { ACTIVE_STATUSES } from "../model";

/** How long an Idempotency-Key stands for the export it made (SPEC §5.2); past it the key is free again. */
const IDEMPOTENCY_WINDOW_MS = 24 * 3600 * 1000;

/**
 * The export an Idempotency-Key already made, to answer again, or null when
 * the key is new or past its window (it is then freed). The same key with a
 * different request (`requestHash`) is refused. Call under lockUserCreations.
 */
export async function idempotentReplay(tx: Tx, userId: string, key: string | undefined, requestHash: string): Promise<ExportRow | null> {
  if (!key) return null;
  const [prior] = await tx
    .select()
    .from(exports)
    .where(and(eq(exports.userId, userId), eq(exports.idempotencyKey, key)));
  if (!prior) return null;
  if (Date.now() - prior.createdAt.getTime() >= IDEMPOTENCY_WINDOW_MS) {
    await tx.update(exports).set({ idempotencyKey: null }).where(eq(exports.id, prior.id));
    return null;
  }
  if (prior.requestHash !== requestHash) {
    throw new DomainError(
      "idempotency_key_reused",
      "This Idempotency-Key was already used with a different request. Use a new key for a new export.",
      [{ path: "Idempotency-Key", message: "reused with a different body" }],
    );
  }
  return prior;
}

/**
 * The user's newest pending or processing export matching `same` (format,
 * source, options…), which an identical new request is merged onto. Call
 * under lockUserCreations.
 */
export async function activeIdentical(tx: Tx, userId: string, same: (SQL | undefined)[]): Promise<ExportRow | undefined> {
  const [row] = await tx
    .select()
    .from(exports)
    .where(and(eq(exports.userId, userId), ...same, inArray(exports.status, [...ACTIVE_STATUSES])))
    .orderBy(desc(exports.createdAt))
    .limit(1);
  return row;
}

/** Serialises this user's creations and retries until the transaction ends. */
export async function lockUserCreations(tx: Tx, userId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`exports:create:${userId}`}))`);
}

/** Refuses one more pending/processing export over EXPORTS_MAX_ACTIVE_PER_USER. `detail` tells the user more for a new export. */
export async function assertActiveBelowLimit(tx: Tx, userId: string, opts: { detail: boolean }): Promise<void> {
  const [{ active }] = await tx
    .select({ active: count() })
    .from(exports)
    .where(and(eq(exports.userId, userId), inArray(exports.status, [...ACTIVE_STATUSES])));
  if (active < env.EXPORTS_MAX_ACTIVE_PER_USER) return;
  const message = opts.detail
    ? `You already have ${active} exports waiting or running (the limit is ${env.EXPORTS_MAX_ACTIVE_PER_USER}). Try again when some have finished.`
    : `You already have ${active} exports waiting or running. Try again when some have finished.`;
  throw new DomainError("rate_limited", message, undefined, 30);
}

/**
 * At most EXPORTS_CREATE_PER_MINUTE creations per user per minute, counted
 * from the audit trail so deleting exports does not reset it and every app
 * instance sees the same count.
 */
export async function assertCreationRate(tx: Tx, userId: string): Promise<void> {
  const since = new Date(Date.now() - 60_000);
  const [{ recent }] = await tx
    .select({ recent: count() })
    .from(exportEvents)
    .where(and(eq(exportEvents.userId, userId), eq(exportEvents.type, "created"), gte(exportEvents.createdAt, since)));
  if (recent >= env.EXPORTS_CREATE_PER_MINUTE) {
    throw new DomainError(
      "rate_limited",
      `You created ${recent} exports in the last minute (the limit is ${env.EXPORTS_CREATE_PER_MINUTE}). Wait a moment and try again.`,
      undefined,
      60,
    );
  }
}
