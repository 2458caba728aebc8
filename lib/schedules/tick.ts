/**
 * The schedule tick (SPEC §13.3), shared by the Inngest cron function and
 * the inline runner's timer: due schedules become exports, each slot once.
 *
 * 1. Claim: one statement moves a batch of due schedules' next_run_at a lease
 *    ahead (`FOR UPDATE SKIP LOCKED`), so other instances ticking at the same
 *    time take other schedules, and a schedule whose claimer died is due again
 *    when the lease ends.
 * 2. The slot is the latest one at or before now: after downtime only the
 *    latest missed slot runs.
 * 3. The export is created with origin (schedule, slot); the unique key on
 *    exports (schedule_id, schedule_slot) makes a second creation of the slot —
 *    another instance, or a retry after a crash between this step and the next —
 *    return the first export instead.
 * 4. next_run_at moves to the slot after, unless the schedule was edited or
 *    paused meanwhile (then the edit's value stands) — for a whole batch in
 *    one statement.
 *
 * A user at the active-export limit (429) is not dropped: the schedule is due
 * again after the Retry-After, and then runs the latest slot. Schedules of one
 * user run one after another (their creations share a lock anyway); users run
 * in parallel.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import { getDbHandle, type Db } from "@/db";
import { exportSchedules, type ExportScheduleRow } from "@/db/schema";
import { env } from "@/lib/env";
import { DomainError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { latestSlotAtOrBefore, nextSlotAfter } from "./cadence";
import type { Cadence } from "./model";
import { recordFailedRun } from "./pause";
import { makeScheduledExport, pauseForMissingSource, sourceExists } from "./services/run";

/** How long a claimed schedule is hidden from other ticks; a claimer that died frees it after this. */
export const CLAIM_LEASE_MS = 2 * 60 * 1000;

export type TickResult = {
  claimed: number;
  created: number;
  /** The slot's export already existed (another instance, or a restart after a crash). */
  replayed: number;
  /** At the per-user limit: due again after Retry-After. */
  deferred: number;
  failed: number;
  paused: number;
  errors: number;
  /** Due schedules may remain (the time budget ran out). */
  more: boolean;
};

type Outcome = keyof Omit<TickResult, "claimed" | "more">;

export type TickOptions = {
  /** The tick's clock (tests move it). */
  now?: () => Date;
  db?: Db;
  batchSize?: number;
  /** Stop claiming new batches after this long. */
  budgetMs?: number;
  /** Users handled at once. */
  concurrency?: number;
  /** Only these users' schedules (a backfill for some accounts; tests sharing one database). */
  userIds?: string[];
};

/** Claims up to `limit` due schedules: their next_run_at moves to `lease` in the same statement. */
export async function claimDue(
  db: Db,
  now: Date,
  limit: number,
  userIds?: string[],
): Promise<{ schedule: ExportScheduleRow; lease: Date }[]> {
  const lease = new Date(now.getTime() + CLAIM_LEASE_MS);
  const due = db
    .select({ id: exportSchedules.id })
    .from(exportSchedules)
    .where(
      and(
        eq(exportSchedules.enabled, true),
        sql`${exportSchedules.nextRunAt} <= ${now.toISOString()}::timestamptz`,
        userIds ? inArray(exportSchedules.userId, userIds) : undefined,
      ),
    )
    .orderBy(exportSchedules.nextRunAt)
    .limit(limit)
    .for("update", { skipLocked: true });
  const rows = await db
    .update(exportSchedules)
    .set({ nextRunAt: lease })
    .where(sql`${exportSchedules.id} in ${due}`)
    .returning();
  return rows.map((schedule) => ({ schedule, lease }));
}

/** A made slot's bookkeeping: written at once, or for a whole batch in one statement (`advanceMade`). */
export type Made = { id: string; userId: string; lease: Date; next: Date; lastRunAt: Date; exportId: string };

/** next_run_at to the next slot (unless the claim was lost to an edit or a pause), last run and export, for many schedules at once. */
export async function advanceMade(db: Db, made: Made[]): Promise<void> {
  if (!made.length) return;
  const rows = sql.join(
    made.map(
      (m) =>
        sql`(${m.id}::uuid, ${m.userId}, ${m.lease.toISOString()}::timestamptz, ${m.next.toISOString()}::timestamptz, ${m.lastRunAt.toISOString()}::timestamptz, ${m.exportId}::uuid)`,
    ),
    sql`, `,
  );
  await db.execute(sql`
    update export_schedules s
    set next_run_at = case when s.next_run_at = v.lease then v.next else s.next_run_at end,
        last_run_at = v.last_run_at,
        last_export_id = v.export_id
    from (values ${rows}) as v(id, user_id, lease, next, last_run_at, export_id)
    where s.id = v.id and s.user_id = v.user_id`);
}

/**
 * Runs one claimed schedule's latest slot; returns what happened. With `made`,
 * a created or replayed slot's bookkeeping is collected there for
 * `advanceMade` instead of written at once (the tick writes a batch's in one
 * statement; a crash before it only lets the leases run out, and the next
 * tick replays those slots' exports).
 */
export async function runClaimed(db: Db, schedule: ExportScheduleRow, lease: Date, now: Date, made?: Made[]): Promise<Outcome> {
  const cadence = schedule.cadence as Cadence;
  const mine = and(eq(exportSchedules.id, schedule.id), eq(exportSchedules.userId, schedule.userId));
  const stillClaimed = sql`${exportSchedules.nextRunAt} = ${lease.toISOString()}::timestamptz`;
  const slot = latestSlotAtOrBefore(cadence, schedule.timezone, now);
  const next = nextSlotAfter(cadence, schedule.timezone, slot);
  const advance = (extra: Partial<ExportScheduleRow> = {}) =>
    db
      .update(exportSchedules)
      .set({
        ...extra,
        nextRunAt: sql`case when ${stillClaimed} then ${next.toISOString()}::timestamptz else ${exportSchedules.nextRunAt} end`,
      })
      .where(mine);
  try {
    const result = await makeScheduledExport(db, schedule, slot, now);
    const m: Made = { id: schedule.id, userId: schedule.userId, lease, next, lastRunAt: now, exportId: result.body.export_id };
    if (made) made.push(m);
    else await advanceMade(db, [m]);
    return result.status === 202 ? "created" : "replayed";
  } catch (err) {
    if (!(err instanceof DomainError)) {
      // Unexpected (the database went away…): the lease ends and a later tick tries again.
      logger.error("schedule run failed", { scheduleId: schedule.id, error: err });
      return "errors";
    }
    if (err.code === "rate_limited") {
      const retryAt = new Date(now.getTime() + (err.retryAfterSeconds ?? 60) * 1000);
      await db
        .update(exportSchedules)
        .set({ nextRunAt: sql`case when ${stillClaimed} then ${retryAt.toISOString()}::timestamptz else ${exportSchedules.nextRunAt} end` })
        .where(mine);
      return "deferred";
    }
    if (err.code === "not_found" && !(await sourceExists(db, schedule))) {
      await pauseForMissingSource(db, schedule);
      return "paused";
    }
    // The run cannot be made (options no longer valid for the source, the PDF cap…): a failed run.
    logger.warn("scheduled export refused", { scheduleId: schedule.id, code: err.code, message: err.message });
    await advance();
    await recordFailedRun(db, schedule.id, schedule.userId);
    return "failed";
  }
}

/** Runs every due schedule (within the time budget). */
export async function tickSchedules(opts: TickOptions = {}): Promise<TickResult> {
  const handle = opts.db ? null : await getDbHandle();
  const db = opts.db ?? handle!.db;
  const clock = opts.now ?? (() => new Date());
  const batchSize = opts.batchSize ?? 200;
  const concurrency = opts.concurrency ?? (env.DATABASE_URL ? Math.max(1, Math.floor(env.DATABASE_POOL_SIZE / 2)) : 1);
  const started = Date.now();
  const result: TickResult = { claimed: 0, created: 0, replayed: 0, deferred: 0, failed: 0, paused: 0, errors: 0, more: false };

  for (;;) {
    if (opts.budgetMs !== undefined && Date.now() - started > opts.budgetMs) {
      result.more = true;
      break;
    }
    const claimed = await claimDue(db, clock(), batchSize, opts.userIds);
    if (!claimed.length) break;
    result.claimed += claimed.length;
    // One user's schedules in order, users in parallel.
    const byUser = new Map<string, typeof claimed>();
    for (const c of claimed) byUser.set(c.schedule.userId, [...(byUser.get(c.schedule.userId) ?? []), c]);
    const queues = [...byUser.values()];
    const made: Made[] = [];
    const worker = async () => {
      for (let q = queues.shift(); q; q = queues.shift()) {
        for (const { schedule, lease } of q) result[await runClaimed(db, schedule, lease, clock(), made)]++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, queues.length) }, worker));
    await advanceMade(db, made);
    if (claimed.length < batchSize) break;
  }
  if (result.claimed) logger.info("schedule tick", { ...result });
  return result;
}
