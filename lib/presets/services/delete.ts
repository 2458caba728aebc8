/**
 * Deleting a preset (SPEC §13.1). *Decision:* a preset that schedules use is
 * not deleted (409 `conflict` naming them) rather than pausing them: a
 * schedule would otherwise lose the settings it runs with. The foreign key
 * from export_schedules.preset_id (no cascade) backs the check up against a
 * schedule created in between.
 */
import { and, asc, eq } from "drizzle-orm";
import type { Db } from "@/db";
import { exportPresets, exportSchedules } from "@/db/schema";
import { DomainError, notFound } from "@/lib/errors";
import { dbOr } from "@/lib/exports/services/db";
import { FOREIGN_KEY_VIOLATION, sqlState } from "./pg-errors";
import { findOwnedPreset, type PresetRef } from "./read";

async function inUse(db: Db, userId: string, presetId: string) {
  const schedules = await db
    .select({ id: exportSchedules.id, name: exportSchedules.name })
    .from(exportSchedules)
    .where(and(eq(exportSchedules.presetId, presetId), eq(exportSchedules.userId, userId)))
    .orderBy(asc(exportSchedules.name), asc(exportSchedules.id));
  const names = schedules.slice(0, 5).map((s) => `"${s.name}"`);
  const more = schedules.length > 5 ? ` and ${schedules.length - 5} more` : "";
  return new DomainError(
    "conflict",
    `This preset is used by ${schedules.length === 1 ? "the schedule" : `${schedules.length} schedules:`} ${names.join(", ")}${more}. ` +
      "Change those schedules to another preset or delete them first.",
    schedules.map((s, i) => ({ path: `schedules[${i}]`, message: `schedule "${s.name}" (${s.id}) uses this preset` })),
  );
}

export async function deletePreset({ userId, id }: PresetRef, dbIn?: Db): Promise<void> {
  const db = await dbOr(dbIn);
  const preset = await findOwnedPreset(db, { userId, id });
  const [used] = await db
    .select({ id: exportSchedules.id })
    .from(exportSchedules)
    .where(and(eq(exportSchedules.presetId, preset.id), eq(exportSchedules.userId, userId)))
    .limit(1);
  if (used) throw await inUse(db, userId, preset.id);
  try {
    const deleted = await db
      .delete(exportPresets)
      .where(and(eq(exportPresets.id, preset.id), eq(exportPresets.userId, userId)))
      .returning({ id: exportPresets.id });
    if (deleted.length === 0) throw notFound("Preset");
  } catch (err) {
    // A schedule took the preset between the check and the delete.
    if (sqlState(err) === FOREIGN_KEY_VIOLATION) throw await inUse(db, userId, preset.id);
    throw err;
  }
}
