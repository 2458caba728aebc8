/**
 * Creating and changing schedules: the source and preset must be the
 * owner's (404 otherwise), options are validated and normalised exactly as
 * on export creation, and next_run_at is computed from the cadence at every
 * change (null while paused). At most MAX_SCHEDULES_PER_USER per user.
 */
import { and, count, eq, inArray, sql } from "drizzle-orm";
import type { Db, Tx } from "@/db";
import { conditions, documents, exportSchedules, projects, type ExportFormat, type ExportScheduleRow } from "@/db/schema";
import { DomainError, notFound } from "@/lib/errors";
import { parseOptions } from "@/lib/exports/schemas";
import { dbOr } from "@/lib/exports/services/db";
import { resolvePreset } from "@/lib/presets";
import { nextSlotAfter } from "../cadence";
import { MAX_SCHEDULES_PER_USER, type Cadence } from "../model";
import { pauseSchedules } from "../pause";
import type { CreateScheduleBody, PatchScheduleBody } from "../schemas";
import { findOwnedSchedule, getScheduleOut, type ScheduleRef } from "./read";
import { sourceExists, sourceGoneReason } from "./run";

type SourceRef = { type: "document" | "project"; id: string };

/** The source's project id, or 404 (a malformed id is as missing as another user's). */
async function ownedSourceProject(db: Db | Tx, userId: string, ref: SourceRef): Promise<string> {
  const what = ref.type === "document" ? "Document" : "Project";
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ref.id)) throw notFound(what);
  const id = ref.id.toLowerCase();
  if (ref.type === "document") {
    const [row] = await db
      .select({ projectId: documents.projectId })
      .from(documents)
      .innerJoin(projects, eq(projects.id, documents.projectId))
      .where(and(eq(documents.id, id), eq(projects.userId, userId)));
    if (!row) throw notFound(what);
    return row.projectId;
  }
  const [row] = await db
    .select({ id: projects.id })
    .from(projects)
    .where(and(eq(projects.id, id), eq(projects.userId, userId)));
  if (!row) throw notFound(what);
  return row.id;
}

/** Options normalised for `format`, with condition_ids checked against the source's project (as on export creation). */
async function checkedOptions(db: Db | Tx, projectId: string, format: ExportFormat, options: unknown) {
  const normalised = parseOptions(format, options);
  const ids = normalised.condition_ids;
  if (ids) {
    const found = await db
      .select({ id: conditions.id })
      .from(conditions)
      .where(and(eq(conditions.projectId, projectId), inArray(conditions.id, ids)));
    const known = new Set(found.map((r) => r.id));
    const missing = ids.map((id, i) => ({ id, i })).filter(({ id }) => !known.has(id));
    if (missing.length)
      throw new DomainError(
        "validation_failed",
        `options.condition_ids: ${missing.length} id${missing.length === 1 ? " is" : "s are"} not a condition of the source's project`,
        missing.map(({ i }) => ({ path: `options.condition_ids[${i}]`, message: "not a condition of this project" })),
      );
  }
  return normalised as Record<string, unknown>;
}

function nextRun(enabled: boolean, cadence: Cadence, timezone: string, now: Date): Date | null {
  return enabled ? nextSlotAfter(cadence, timezone, now) : null;
}

async function lockUserSchedules(tx: Tx, userId: string) {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`schedules:create:${userId}`}))`);
}

/** POST /api/schedules (201). */
export async function createSchedule(
  { userId, body, now = new Date() }: { userId: string; body: CreateScheduleBody; now?: Date },
  dbIn?: Db,
) {
  const db = await dbOr(dbIn);
  const source = { type: body.source.type, id: body.source.id.toLowerCase() };
  const projectId = await ownedSourceProject(db, userId, source);
  let format: ExportFormat | null = null;
  let options: Record<string, unknown> | null = null;
  if (body.preset_id) await resolvePreset(db, userId, body.preset_id.toLowerCase());
  else if (body.format) {
    format = body.format;
    options = await checkedOptions(db, projectId, body.format, body.options);
  }
  const cadence = body.cadence as Cadence;
  const id = await db.transaction(async (tx) => {
    // Two creations at 49 must not make 51: count and insert one at a time per user.
    await lockUserSchedules(tx, userId);
    const [{ n }] = await tx.select({ n: count() }).from(exportSchedules).where(eq(exportSchedules.userId, userId));
    if (n >= MAX_SCHEDULES_PER_USER)
      throw new DomainError(
        "invalid_state",
        `You have ${n} schedules, the most an account may have (${MAX_SCHEDULES_PER_USER}). Delete one you no longer need to add another.`,
      );
    const [row] = await tx
      .insert(exportSchedules)
      .values({
        userId,
        name: body.name,
        sourceType: source.type,
        sourceId: source.id,
        presetId: body.preset_id?.toLowerCase() ?? null,
        format,
        options,
        cadence,
        timezone: body.timezone,
        enabled: body.enabled,
        nextRunAt: nextRun(body.enabled, cadence, body.timezone, now),
        createdAt: now,
        updatedAt: now,
      })
      .returning({ id: exportSchedules.id });
    return row.id;
  });
  return getScheduleOut(db, { userId, id });
}

/** PATCH /api/schedules/{id}: any of the fields; next_run_at is recomputed. `enabled` pauses or resumes. */
export async function patchSchedule(
  { userId, id, patch, now = new Date() }: ScheduleRef & { patch: PatchScheduleBody; now?: Date },
  dbIn?: Db,
) {
  const db = await dbOr(dbIn);
  const current = await findOwnedSchedule(db, { userId, id });
  const source = patch.source
    ? { type: patch.source.type, id: patch.source.id.toLowerCase() }
    : { type: current.sourceType, id: current.sourceId };
  const sourceChanged = Boolean(patch.source);
  const projectId = sourceChanged || patch.options !== undefined || patch.format ? await ownedSourceProject(db, userId, source) : null;

  let presetId = current.presetId;
  let format = current.format;
  let options = current.options;
  if (patch.preset_id) {
    await resolvePreset(db, userId, patch.preset_id.toLowerCase());
    presetId = patch.preset_id.toLowerCase();
    format = null;
    options = null;
  } else if (patch.format || patch.options !== undefined) {
    format = patch.format ?? current.format;
    if (!format)
      throw new DomainError("validation_failed", "format: this schedule uses a preset; send format with the options to replace it", [
        { path: "format", message: "required with options when the schedule uses a preset" },
      ]);
    options = await checkedOptions(db, projectId!, format, patch.options ?? (patch.format ? {} : current.options));
    presetId = null;
  } else if (patch.preset_id === null) {
    if (!current.format)
      throw new DomainError("validation_failed", "format: send format (with options) to stop using the preset", [
        { path: "format", message: "required when preset_id is null" },
      ]);
    presetId = null;
  } else if (sourceChanged && format && options) {
    // Another source: its condition ids must belong to the new project.
    options = await checkedOptions(db, projectId!, format, options);
  }

  const cadence = (patch.cadence ?? current.cadence) as Cadence;
  const timezone = patch.timezone ?? current.timezone;
  const enabled = patch.enabled ?? current.enabled;
  const resumed = enabled && !current.enabled;
  const [row] = await db
    .update(exportSchedules)
    .set({
      name: patch.name ?? current.name,
      sourceType: source.type,
      sourceId: source.id,
      presetId,
      format,
      options,
      cadence,
      timezone,
      enabled,
      pausedReason: enabled ? null : patch.enabled === false ? null : current.pausedReason,
      nextRunAt: nextRun(enabled, cadence, timezone, now),
      ...(resumed ? { consecutiveFailures: 0 } : {}),
      updatedAt: new Date(),
    })
    .where(and(eq(exportSchedules.id, current.id), eq(exportSchedules.userId, userId)))
    .returning({ id: exportSchedules.id });
  if (!row) throw notFound("Schedule");
  return getScheduleOut(db, { userId, id: row.id });
}

/** POST /api/schedules/{id}/pause (200): no more runs until resumed; "Run now" still works. */
export async function pauseSchedule({ userId, id }: ScheduleRef, dbIn?: Db) {
  const db = await dbOr(dbIn);
  const current = await findOwnedSchedule(db, { userId, id });
  await pauseSchedules(db, and(eq(exportSchedules.id, current.id), eq(exportSchedules.userId, userId))!, null, "user");
  return getScheduleOut(db, { userId, id: current.id });
}

/** POST /api/schedules/{id}/resume (200): next_run_at from now, the failure count and reason cleared. */
export async function resumeSchedule({ userId, id, now = new Date() }: ScheduleRef & { now?: Date }, dbIn?: Db) {
  const db = await dbOr(dbIn);
  const current: ExportScheduleRow = await findOwnedSchedule(db, { userId, id });
  if (!(await sourceExists(db, current)))
    throw new DomainError("invalid_state", `${sourceGoneReason(current)}, so this schedule cannot run. Point it at another source first.`);
  await db
    .update(exportSchedules)
    .set({
      enabled: true,
      pausedReason: null,
      consecutiveFailures: 0,
      nextRunAt: nextSlotAfter(current.cadence as Cadence, current.timezone, now),
      updatedAt: new Date(),
    })
    .where(and(eq(exportSchedules.id, current.id), eq(exportSchedules.userId, userId)));
  return getScheduleOut(db, { userId, id: current.id });
}

/** DELETE /api/schedules/{id} (204). Its exports stay; they keep the schedule's id. */
export async function deleteSchedule({ userId, id }: ScheduleRef, dbIn?: Db) {
  const db = await dbOr(dbIn);
  const [row] = await db
    .delete(exportSchedules)
    .where(and(eq(exportSchedules.id, id), eq(exportSchedules.userId, userId)))
    .returning({ id: exportSchedules.id });
  if (!row) throw notFound("Schedule");
}
