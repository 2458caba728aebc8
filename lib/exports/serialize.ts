/** The export object of SPEC §5.1, from a row (snake_case, ISO timestamps). */
import type { ExportEventRow, ExportRow } from "@/db/schema";

/** The row fields the export object is made of. */
export const EXPORT_OUT_FIELDS = [
  "id",
  "type",
  "name",
  "description",
  "projectId",
  "documentId",
  "format",
  "options",
  "status",
  "progress",
  "progressStep",
  "rowsTotal",
  "recordsCount",
  "fileKey",
  "fileName",
  "fileSize",
  "contentType",
  "checksumSha256",
  "errorMessage",
  "errorKind",
  "warnings",
  "attempts",
  "downloadCount",
  "lastDownloadedAt",
  "expiresAt",
  "taskId",
  "presetId",
  "scheduleId",
  "scheduleSlot",
  "duplicateOf",
  "startedAt",
  "completedAt",
  "createdAt",
  "updatedAt",
] as const satisfies readonly (keyof ExportRow)[];

/**
 * Those fields of an export row, with the timestamps as Dates (drizzle) or
 * already as ISO 8601 text (the list reads them so from SQL; see listQuery in
 * services/list.ts).
 */
export type ExportRowIn = {
  [K in (typeof EXPORT_OUT_FIELDS)[number]]: ExportRow[K] extends Date
    ? Date | string
    : ExportRow[K] extends Date | null
      ? Date | string | null
      : ExportRow[K];
};

/** A timestamp as ISO 8601 text, whichever form the row has it in. */
export function iso(d: Date | string): string;
export function iso(d: Date | string | null): string | null;
export function iso(d: Date | string | null): string | null {
  return d === null ? null : typeof d === "string" ? d : d.toISOString();
}

export function exportOut(row: ExportRowIn, downloadUrl: string | null = null) {
  return {
    id: row.id,
    type: row.type,
    name: row.name,
    description: row.description,
    project_id: row.projectId,
    document_id: row.documentId,
    format: row.format,
    options: row.options,
    status: row.status,
    progress: row.progress,
    progress_step: row.progressStep,
    rows_total: row.rowsTotal,
    records_count: row.recordsCount,
    file_key: row.fileKey,
    file_name: row.fileName,
    file_size: row.fileSize,
    content_type: row.contentType,
    checksum_sha256: row.checksumSha256,
    error_message: row.errorMessage,
    error_kind: row.errorKind,
    warnings: row.warnings,
    attempts: row.attempts,
    download_count: row.downloadCount,
    last_downloaded_at: iso(row.lastDownloadedAt),
    download_url: downloadUrl,
    expires_at: iso(row.expiresAt),
    task_id: row.taskId,
    preset_id: row.presetId,
    schedule_id: row.scheduleId,
    schedule_slot: iso(row.scheduleSlot),
    duplicate_of: row.duplicateOf,
    started_at: iso(row.startedAt),
    completed_at: iso(row.completedAt),
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
  };
}

export type ExportOut = ReturnType<typeof exportOut>;

export function eventOut(e: ExportEventRow) {
  return {
    id: e.id,
    export_id: e.exportId,
    type: e.type,
    data: e.data,
    ip: e.ip,
    user_agent: e.userAgent,
    created_at: e.createdAt.toISOString(),
  };
}
