/**
 * Everything that pauses a schedule goes through `pauseSchedules()`: a
 * deleted source, five failed runs in a row, a user's pause. It is also the
 * one place the `schedule.paused` webhook event is emitted from (SPEC
 * §14.1): `onSchedulesPaused` receives every schedule that went from enabled
 * to paused, inside the transaction that paused it (the outbox row belongs
 * there).
 */
import { and, eq, inArray, sql, type SQL } from "drizzle-orm";
import type { Db, Tx } from "@/db";
import { exportSchedules, type ExportRow, type ExportScheduleRow } from "@/db/schema";
import { logger } from "@/lib/logger";
import { emitWebhookEvent, notifyWebhooks } from "@/lib/webhooks/outbox";
import { MAX_CONSECUTIVE_FAILURES, PAUSED_AFTER_FAILURES } from "./model";

export type PauseCause = "user" | "source_deleted" | "failures" | "preset_deleted";

/**
 * Called once per pause, in the pausing transaction: the pause is logged and
 * its `schedule.paused` webhook messages (outbox rows) are written, to be
 * sent after the commit.
 */
async function onSchedulesPaused(tx: Db | Tx, paused: ExportScheduleRow[], cause: PauseCause): Promise<void> {
  const messageIds: string[] = [];
  for (const s of paused) {
    logger.info("schedule paused", { scheduleId: s.id, userId: s.userId, cause, reason: s.pausedReason });
    const schedule = {
      id: s.id,
      name: s.name,
      source: { type: s.sourceType, id: s.sourceId },
      enabled: s.enabled,
      paused_reason: s.pausedReason,
      consecutive_failures: s.consecutiveFailures,
      last_export_id: s.lastExportId,
    };
    messageIds.push(...(await emitWebhookEvent(tx, { userId: s.userId, type: "schedule.paused", data: { schedule, cause } })));
  }
  notifyWebhooks(messageIds);
}

/** Pauses the enabled schedules matching `where` with `reason`; returns those it paused. */
export async function pauseSchedules(db: Db | Tx, where: SQL, reason: string | null, cause: PauseCause): Promise<ExportScheduleRow[]> {
  const paused = await db
    .update(exportSchedules)
    .set({ enabled: false, pausedReason: reason, nextRunAt: null, updatedAt: new Date() })
    .where(and(where, eq(exportSchedules.enabled, true)))
    .returning();
  if (paused.length) await onSchedulesPaused(db, paused, cause);
  return paused;
}

/**
 * A project (with its documents) was deleted: its schedules and those of its
 * documents pause at once, in the deleting transaction.
 */
export async function pauseForDeletedSource(tx: Db | Tx, userId: string, source: { projectId: string; documentIds: string[] }) {
  const owner = eq(exportSchedules.userId, userId);
  const project = await pauseSchedules(
    tx,
    and(owner, eq(exportSchedules.sourceType, "project"), eq(exportSchedules.sourceId, source.projectId))!,
    "The project was deleted",
    "source_deleted",
  );
  const docs = source.documentIds.length
    ? await pauseSchedules(
        tx,
        and(owner, eq(exportSchedules.sourceType, "document"), inArray(exportSchedules.sourceId, source.documentIds))!,
        "The document was deleted",
        "source_deleted",
      )
    : [];
  return [...project, ...docs];
}

/**
 * A scheduled export ended (called by transition() in the same transaction):
 * completed resets the schedule's failure count; failed adds one, and the
 * fifth in a row pauses the schedule.
 */
export async function recordExportOutcome(tx: Db | Tx, row: Pick<ExportRow, "scheduleId" | "userId" | "status">): Promise<void> {
  if (!row.scheduleId) return;
  if (row.status === "completed") {
    await tx
      .update(exportSchedules)
      .set({ consecutiveFailures: 0 })
      .where(and(eq(exportSchedules.id, row.scheduleId), eq(exportSchedules.userId, row.userId)));
  } else if (row.status === "failed") {
    await recordFailedRun(tx, row.scheduleId, row.userId);
  }
}

/** One more failed run; pauses the schedule at MAX_CONSECUTIVE_FAILURES. */
export async function recordFailedRun(db: Db | Tx, scheduleId: string, userId: string): Promise<void> {
  const mine = and(eq(exportSchedules.id, scheduleId), eq(exportSchedules.userId, userId));
  const [counted] = await db
    .update(exportSchedules)
    .set({ consecutiveFailures: sql`${exportSchedules.consecutiveFailures} + 1` })
    .where(mine)
    .returning({ failures: exportSchedules.consecutiveFailures });
  if (counted && counted.failures >= MAX_CONSECUTIVE_FAILURES) {
    await pauseSchedules(db, mine!, PAUSED_AFTER_FAILURES, "failures");
  }
}
