/** The export object of SPEC §5.1, from a row (snake_case, ISO timestamps). */
import type { ExportEventRow, ExportRow } from "@/db/schema";

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function exportOut(row: ExportRow, downloadUrl: string | null = null) {
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
    started_at: iso(row.startedAt),
    completed_at: iso(row.completedAt),
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
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
