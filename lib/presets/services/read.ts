/** Reading presets, each query scoped to its owner: another user's preset is 404, like a missing one. */
import { and, asc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db, Tx } from "@/db";
import { exportPresets, type ExportFormat, type ExportPresetRow } from "@/db/schema";
import { notFound } from "@/lib/errors";
import type { NormalisedOptions } from "@/lib/exports/schemas";
import { dbOr } from "@/lib/exports/services/db";
import { presetOut } from "../serialize";

export type PresetRef = { userId: string; id: string };

const UUID = z.string().uuid();

/** The caller's preset, or not_found (also for another user's, and for an id that is not a UUID). */
export async function findOwnedPreset(db: Db | Tx, { userId, id }: PresetRef): Promise<ExportPresetRow> {
  if (!UUID.safeParse(id).success) throw notFound("Preset");
  const [row] = await db
    .select()
    .from(exportPresets)
    .where(and(eq(exportPresets.id, id.toLowerCase()), eq(exportPresets.userId, userId)));
  if (!row) throw notFound("Preset");
  return row;
}

export async function getPreset(ref: PresetRef, db?: Db) {
  return presetOut(await findOwnedPreset(await dbOr(db), ref));
}

/** The caller's presets by name (case-insensitive). */
export async function listPresets({ userId }: { userId: string }, db?: Db) {
  const rows = await (
    await dbOr(db)
  )
    .select()
    .from(exportPresets)
    .where(eq(exportPresets.userId, userId))
    .orderBy(asc(sql`lower(${exportPresets.name})`), asc(exportPresets.id));
  return { presets: rows.map(presetOut) };
}

export type ResolvedPreset = { id: string; name: string; format: ExportFormat; options: NormalisedOptions; nameTemplate: string | null };

/**
 * What an export or a schedule takes from a preset: its format, a copy of its
 * options and its name template. Another user's preset is not_found.
 */
export async function resolvePreset(db: Db | Tx, userId: string, presetId: string): Promise<ResolvedPreset> {
  const row = await findOwnedPreset(db, { userId, id: presetId });
  return {
    id: row.id,
    name: row.name,
    format: row.format,
    options: structuredClone(row.options) as NormalisedOptions,
    nameTemplate: row.nameTemplate,
  };
}
