/** The schedule object (SPEC §13.3): snake_case, ISO 8601 UTC timestamps. */
import type { ExportScheduleRow, ExportStatus } from "@/db/schema";
import type { Cadence } from "./model";

/** A schedule row with what the reads join to it: the source's name and the last export's status (null when gone). */
export type ScheduleRowIn = ExportScheduleRow & { sourceName: string | null; lastExportStatus: ExportStatus | null };

export function scheduleOut(row: ScheduleRowIn) {
  return {
    id: row.id,
    name: row.name,
    source: { type: row.sourceType, id: row.sourceId, name: row.sourceName },
    preset_id: row.presetId,
    format: row.format,
    options: row.options,
    cadence: row.cadence as Cadence,
    timezone: row.timezone,
    enabled: row.enabled,
    paused_reason: row.pausedReason,
    next_run_at: row.nextRunAt?.toISOString() ?? null,
    last_run_at: row.lastRunAt?.toISOString() ?? null,
    last_export_id: row.lastExportId,
    last_export_status: row.lastExportStatus,
    consecutive_failures: row.consecutiveFailures,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

export type ScheduleOut = ReturnType<typeof scheduleOut>;
