/**
 * Changing an export the user owns: rename/describe, cancel, retry in place.
 * Status changes go through transition() (status and event in one
 * transaction, conditional on the current status); the runner hears of them
 * only after the commit.
 */
import { and, eq } from "drizzle-orm";
import type { Db } from "@/db";
import { exports } from "@/db/schema";
import { DomainError, notFound } from "@/lib/errors";
import { sanitizeFileName } from "@/lib/storage/content-disposition";
import type { RequestMeta } from "../events";
import { fileTypeOf } from "../formats";
import { transition } from "../lifecycle";
import { ACTIVE_STATUSES, canRetry, RETRYABLE_STATUSES } from "../model";
import { removeObject, storageKeyFor } from "../pipeline";
import { getRunner } from "../runner";
import { dbOr } from "./db";
import { assertActiveBelowLimit, lockUserCreations } from "./limits";
import { withUrl } from "./links";
import { findOwned, type ExportRef } from "./read";

type ChangeInput = ExportRef & { meta?: RequestMeta };

export async function patchExport({ userId, id, patch }: ExportRef & { patch: { name?: string; description?: string | null } }, dbIn?: Db) {
  const db = await dbOr(dbIn);
  const current = await findOwned(db, { userId, id });
  // A renamed export downloads under its new name (the stored object keeps its key).
  const fileName =
    patch.name !== undefined && current.fileName ? sanitizeFileName(patch.name, fileTypeOf(current.format).extension) : undefined;
  const [row] = await db
    .update(exports)
    .set({
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(fileName ? { fileName } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      updatedAt: new Date(),
    })
    .where(and(eq(exports.id, id), eq(exports.userId, userId)))
    .returning();
  if (!row) throw notFound("Export");
  return withUrl(row);
}

export async function cancelExport({ userId, id, meta = {} }: ChangeInput, dbIn?: Db) {
  const db = await dbOr(dbIn);
  const current = await findOwned(db, { userId, id });
  const row = await transition(db, current.id, {
    from: ACTIVE_STATUSES,
    to: "cancelled",
    where: eq(exports.userId, userId),
    set: { progressStep: "Cancelled", heartbeatAt: null },
    event: { type: "cancelled", data: { from: current.status }, ip: meta.ip, userAgent: meta.userAgent },
  });
  if (!row) throw new DomainError("invalid_state", `Only pending or processing exports can be cancelled; this one is ${current.status}.`);
  await getRunner().cancel({ id: row.id, userId });
  // The job removes its partial object at its next checkpoint; this covers a job that never starts again.
  await removeObject(storageKeyFor(row));
  return withUrl(row);
}

/** What a retry clears: the last run's result, so the export reads as new while it waits. */
const FRESH_RUN = {
  progress: 0,
  progressStep: "Queued",
  recordsCount: 0,
  errorMessage: null,
  errorKind: null,
  fileKey: null,
  fileName: null,
  fileSize: null,
  checksumSha256: null,
  startedAt: null,
  completedAt: null,
  expiresAt: null,
  heartbeatAt: null,
} as const;

export async function retryExport({ userId, id, meta = {} }: ChangeInput, dbIn?: Db) {
  const db = await dbOr(dbIn);
  const current = await findOwned(db, { userId, id });
  const row = await db.transaction(async (tx) => {
    await lockUserCreations(tx, userId);
    // Only a retry that would happen counts against the limit; the others are invalid_state below.
    if (canRetry(current.status)) await assertActiveBelowLimit(tx, userId, { detail: false });
    return transition(tx, current.id, {
      from: RETRYABLE_STATUSES,
      to: "pending",
      where: eq(exports.userId, userId),
      set: { ...FRESH_RUN, warnings: [] },
      event: {
        type: "retried",
        data: { from: current.status, previous_error: current.errorMessage, manual: true },
        ip: meta.ip,
        userAgent: meta.userAgent,
      },
    });
  });
  if (!row)
    throw new DomainError("invalid_state", `Only failed, cancelled or expired exports can be retried; this one is ${current.status}.`);
  await getRunner().enqueue({ id: row.id, userId, attempt: row.attempts + 1 });
  return withUrl(row);
}
