/** The preset object of the API (SPEC §13.1), from a row. */
import type { ExportPresetRow } from "@/db/schema";

export function presetOut(row: ExportPresetRow) {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    format: row.format,
    options: row.options,
    name_template: row.nameTemplate,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

export type PresetOut = ReturnType<typeof presetOut>;
