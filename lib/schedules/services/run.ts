/**
 * Making a schedule's export, for a slot (the tick) or now ("Run now"): the
 * preset's format, options and name template copied at run time, or the
 * schedule's own; named `{schedule name} {date}` (the local date in the
 * schedule's time zone) unless a template names it. A slot's export is made
 * once: createExport replays the slot's export when it exists, and a
 * unique-key race between two instances is answered the same way.
 */
import { and, eq } from "drizzle-orm";
import type { Db } from "@/db";
import { documents, exportSchedules, projects, type ExportScheduleRow } from "@/db/schema";
import { DomainError } from "@/lib/errors";
import type { RequestMeta } from "@/lib/exports/events";
import { createExport, type CreateResult } from "@/lib/exports/services/create";
import { dbOr } from "@/lib/exports/services/db";
import { renderNameTemplate, resolvePreset, templateSource } from "@/lib/presets";
import { localDate } from "../cadence";
import { pauseSchedules } from "../pause";
import { findOwnedSchedule, type ScheduleRef } from "./read";

/** True when the error is the unique (schedule_id, schedule_slot) key refusing a second export of a slot. */
export function isSlotTaken(err: unknown): boolean {
  for (
    let e = err as { code?: unknown; constraint?: unknown; constraint_name?: unknown; cause?: unknown } | undefined, i = 0;
    e && i < 5;
    i++
  ) {
    if (e.code === "23505" && (e.constraint_name ?? e.constraint) === "exports_schedule_slot_idx") return true;
    e = e.cause as typeof e;
  }
  return false;
}

/** Whether the schedule's source is still there (and the owner's). */
export async function sourceExists(db: Db, s: Pick<ExportScheduleRow, "userId" | "sourceType" | "sourceId">): Promise<boolean> {
  if (s.sourceType === "document") {
    const [row] = await db
      .select({ id: documents.id })
      .from(documents)
      .innerJoin(projects, eq(projects.id, documents.projectId))
      .where(and(eq(documents.id, s.sourceId), eq(projects.userId, s.userId)));
    return Boolean(row);
  }
  const [row] = await db
    .select({ id: projects.id })
    .from(projects)
    .where(and(eq(projects.id, s.sourceId), eq(projects.userId, s.userId)));
  return Boolean(row);
}

export const sourceGoneReason = (s: Pick<ExportScheduleRow, "sourceType">) =>
  s.sourceType === "document" ? "The document was deleted" : "The project was deleted";

/** Pauses `s` because its source is gone; returns the reason. */
export async function pauseForMissingSource(db: Db, s: ExportScheduleRow): Promise<string> {
  const reason = sourceGoneReason(s);
  await pauseSchedules(db, and(eq(exportSchedules.id, s.id), eq(exportSchedules.userId, s.userId))!, reason, "source_deleted");
  return reason;
}

/** The export of `schedule` for `slot` (null: "Run now", at `now`). */
export async function makeScheduledExport(
  db: Db,
  schedule: ExportScheduleRow,
  slot: Date | null,
  now: Date,
  meta?: RequestMeta,
): Promise<CreateResult> {
  const source = { type: schedule.sourceType, id: schedule.sourceId };
  const at = slot ?? now;
  let format = schedule.format;
  let options = schedule.options ?? {};
  let name: string | undefined;
  if (schedule.presetId) {
    const preset = await resolvePreset(db, schedule.userId, schedule.presetId);
    format = preset.format;
    options = preset.options as Record<string, unknown>;
    if (preset.nameTemplate) {
      const names = await templateSource(db, schedule.userId, source);
      name =
        renderNameTemplate(preset.nameTemplate, { ...names, format, timeZone: preset.options.timezone ?? "UTC", now: at }) || undefined;
    }
  }
  if (!format) throw new DomainError("invalid_state", "The schedule has neither a preset nor a format.");
  name ??= `${schedule.name} ${localDate(at, schedule.timezone)}`.slice(0, 200).trim();
  const input = {
    userId: schedule.userId,
    source,
    body: { format, options, name },
    origin: { scheduleId: schedule.id, scheduleSlot: slot, ...(schedule.presetId ? { presetId: schedule.presetId } : {}) },
    meta,
  };
  try {
    return await createExport(input, db);
  } catch (err) {
    // Two instances passed the slot check at once; the loser's retry replays the winner's export.
    if (slot && isSlotTaken(err)) return createExport(input, db);
    throw err;
  }
}

/** POST /api/schedules/{id}/run: an export now, paused or not (202). */
export async function runScheduleNow({ userId, id, meta, now = new Date() }: ScheduleRef & { meta?: RequestMeta; now?: Date }, dbIn?: Db) {
  const db = await dbOr(dbIn);
  const schedule = await findOwnedSchedule(db, { userId, id });
  let result: CreateResult;
  try {
    result = await makeScheduledExport(db, schedule, null, now, meta);
  } catch (err) {
    if (err instanceof DomainError && err.code === "not_found" && !(await sourceExists(db, schedule))) {
      const reason = await pauseForMissingSource(db, schedule);
      throw new DomainError(
        "invalid_state",
        `${reason}, so this schedule cannot run; it is paused. Point it at another source to use it again.`,
      );
    }
    throw err;
  }
  await db
    .update(exportSchedules)
    .set({ lastRunAt: now, lastExportId: result.body.export_id })
    .where(and(eq(exportSchedules.id, schedule.id), eq(exportSchedules.userId, userId)));
  return result;
}
