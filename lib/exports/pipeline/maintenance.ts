/**
 * Maintenance that runs on timers (inline runner) or crons (Inngest): the
 * stall sweep takes over exports whose worker stopped making progress, and
 * the cleanup expires old files and retries queued deletions.
 */
import { and, eq, lt, sql } from "drizzle-orm";
import { getDb } from "@/db";
import { exports } from "@/db/schema";
import { env } from "@/lib/env";
import { getStorage, type DiskStorage } from "@/lib/storage";
import { ExportJobError } from "../errors";
import { transition } from "../lifecycle";
import { isFinalFailure } from "../model";
import { removeObject, retryQueuedDeletions } from "./deletions";
import { fail } from "./stages";

/**
 * Stall sweep: a `processing` export whose heartbeat is older than the stall
 * timeout goes back to pending (returned, to be re-queued), or fails with kind
 * `timeout` after its last attempt. `includeAllProcessing` treats every
 * processing export as stalled (embedded start-up: no other process can own one).
 */
export async function sweepStalled(
  opts: { includeAllProcessing?: boolean } = {},
): Promise<{ requeued: { id: string; userId: string }[]; failed: string[] }> {
  const db = await getDb();
  const cutoff = new Date(Date.now() - env.EXPORT_STALL_SECONDS * 1000);
  const stalled = await db
    .select({ id: exports.id, userId: exports.userId, attempts: exports.attempts })
    .from(exports)
    .where(
      and(
        eq(exports.status, "processing"),
        opts.includeAllProcessing ? undefined : sql`coalesce(${exports.heartbeatAt}, ${exports.updatedAt}) < ${cutoff.toISOString()}`,
      ),
    );
  const requeued: { id: string; userId: string }[] = [];
  const failed: string[] = [];
  for (const s of stalled) {
    // A stalled attempt counts like a system error: retried until its last attempt.
    const final = isFinalFailure("system", s.attempts, env.EXPORTS_MAX_ATTEMPTS);
    const err = new ExportJobError(
      "timeout",
      final
        ? `The export stopped making progress and was given up after ${s.attempts} attempts.`
        : "The export stopped making progress (the worker may have restarted); it will be retried.",
    );
    await fail(s.id, err, { final });
    if (final) failed.push(s.id);
    else requeued.push({ id: s.id, userId: s.userId });
  }
  return { requeued, failed };
}

/**
 * Retention: completed exports past `expires_at` lose their file and become
 * `expired` (the row is kept); failed storage deletions are retried.
 */
export async function cleanupExpired(now = new Date()): Promise<{ expired: number; deletionsRetried: number; tempFilesRemoved: number }> {
  const db = await getDb();
  const due = await db
    .select()
    .from(exports)
    .where(and(eq(exports.status, "completed"), lt(exports.expiresAt, now)))
    .limit(1000);
  let expired = 0;
  for (const row of due) {
    const updated = await transition(db, row.id, {
      from: ["completed"],
      to: "expired",
      set: { progressStep: "Expired" },
      event: { type: "expired", data: { expires_at: row.expiresAt?.toISOString() } },
    });
    if (!updated) continue;
    expired++;
    // After the commit: a file whose delete fails is queued, never left behind by a rolled-back status.
    if (row.fileKey) await removeObject(row.fileKey);
  }

  const deletionsRetried = await retryQueuedDeletions();
  // Temp files left by a process killed mid-write (disk driver only; S3 relies on the bucket's multipart lifecycle rule).
  const storage = getStorage() as Partial<DiskStorage>;
  const tempFilesRemoved = typeof storage.sweepTemp === "function" ? await storage.sweepTemp(6 * 3600 * 1000) : 0;
  return { expired, deletionsRetried, tempFilesRemoved };
}
