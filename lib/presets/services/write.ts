/**
 * Creating and changing presets (SPEC §13.1): options validated and
 * normalised exactly as on export creation, names unique per user whatever
 * their case (a 409 `conflict` naming the name), at most MAX_PRESETS each.
 */
import { and, count, eq, ne, sql } from "drizzle-orm";
import type { Db, Tx } from "@/db";
import { exportPresets, type ExportFormat } from "@/db/schema";
import { DomainError } from "@/lib/errors";
import { OPTION_SCHEMAS, parseOptions } from "@/lib/exports/schemas";
import { dbOr } from "@/lib/exports/services/db";
import type { CreatePresetBody, PatchPresetBody } from "../schemas";
import { presetOut } from "../serialize";
import { sqlState, UNIQUE_VIOLATION } from "./pg-errors";
import { findOwnedPreset, type PresetRef } from "./read";

export const MAX_PRESETS = 100;

function nameTaken(name: string) {
  return new DomainError(
    "conflict",
    `You already have a preset named "${name}". Preset names are unique (ignoring case); choose another.`,
    [{ path: "name", message: "already used by another of your presets" }],
  );
}

async function assertNameFree(db: Db | Tx, userId: string, name: string, exceptId?: string) {
  const [clash] = await db
    .select({ name: exportPresets.name })
    .from(exportPresets)
    .where(
      and(
        eq(exportPresets.userId, userId),
        // PostgreSQL's lower() on both sides: the same folding as the unique index.
        sql`lower(${exportPresets.name}) = lower(${name})`,
        exceptId ? ne(exportPresets.id, exceptId) : undefined,
      ),
    );
  if (clash) throw nameTaken(clash.name);
}

/** A unique-index race lost to a concurrent request reads like the check it slipped past. */
async function nameRace<T>(name: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (sqlState(err) === UNIQUE_VIOLATION) throw nameTaken(name);
    throw err;
  }
}

export async function createPreset({ userId, body }: { userId: string; body: CreatePresetBody }, dbIn?: Db) {
  const db = await dbOr(dbIn);
  const options = parseOptions(body.format, body.options);
  const [{ n }] = await db.select({ n: count() }).from(exportPresets).where(eq(exportPresets.userId, userId));
  if (n >= MAX_PRESETS)
    throw new DomainError("conflict", `You have ${n} presets, the most one account keeps. Delete one you no longer use first.`);
  await assertNameFree(db, userId, body.name);
  const now = new Date();
  const [row] = await nameRace(body.name, () =>
    db
      .insert(exportPresets)
      .values({
        userId,
        name: body.name,
        description: body.description ?? null,
        format: body.format,
        options: options as Record<string, unknown>,
        nameTemplate: body.name_template ?? null,
        createdAt: now,
        updatedAt: now,
      })
      .returning(),
  );
  return presetOut(row);
}

/**
 * The options a preset keeps when its format changes and no options are sent:
 * those the new format also takes (switches, time zone, columns…); the rest
 * take the new format's defaults.
 */
function carriedOptions(options: Record<string, unknown>, format: ExportFormat): Record<string, unknown> {
  const takes = new Set(Object.keys(OPTION_SCHEMAS[format].shape));
  return Object.fromEntries(Object.entries(options).filter(([k]) => takes.has(k)));
}

/** Changing a preset changes only exports made with it afterwards: each export keeps the copy of the options it was made with. */
export async function updatePreset({ userId, id, patch }: PresetRef & { patch: PatchPresetBody }, dbIn?: Db) {
  const db = await dbOr(dbIn);
  const current = await findOwnedPreset(db, { userId, id });
  const format = patch.format ?? current.format;
  const options =
    patch.options !== undefined || patch.format !== undefined
      ? parseOptions(format, patch.options ?? (format === current.format ? current.options : carriedOptions(current.options, format)))
      : undefined;
  if (patch.name !== undefined) await assertNameFree(db, userId, patch.name, current.id);
  const [row] = await nameRace(patch.name ?? current.name, () =>
    db
      .update(exportPresets)
      .set({
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        ...(patch.format !== undefined ? { format } : {}),
        ...(options ? { options: options as Record<string, unknown> } : {}),
        ...(patch.name_template !== undefined ? { nameTemplate: patch.name_template } : {}),
        updatedAt: new Date(),
      })
      .where(and(eq(exportPresets.id, current.id), eq(exportPresets.userId, userId)))
      .returning(),
  );
  if (!row) throw new DomainError("not_found", "Preset not found");
  return presetOut(row);
}
