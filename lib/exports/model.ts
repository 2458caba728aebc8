/**
 * The export model's plain constants and rules (SPEC §3, §7): formats, types,
 * statuses and their groups, and what each status allows. No imports, so the
 * database schema, the services and the dashboard's client components all use
 * this one copy.
 */

/** The formats a document or project can be rendered in (one renderer each). */
export const EXPORT_FORMATS = ["csv", "excel", "pdf", "json", "ost"] as const;
/** SPEC §14.3: a bundle's format, a .zip of rendered files; never offered for one document or project. */
export const BUNDLE_FORMAT = "zip" as const;
/** Every format an export row can have: the renderable ones and the bundle's. */
export const STORED_FORMATS = [...EXPORT_FORMATS, BUNDLE_FORMAT] as const;
export const EXPORT_TYPES = ["document_export", "project_export", "bulk_export"] as const;
export const EXPORT_STATUSES = ["pending", "processing", "completed", "failed", "cancelled", "expired"] as const;
export const ERROR_KINDS = ["user", "system", "timeout"] as const;
export const EXPORT_EVENT_TYPES = [
  "created",
  "started",
  "completed",
  "failed",
  "retried",
  "cancelled",
  "downloaded",
  "expired",
  "deleted",
  // SPEC §13.2: on the original, naming the copy (the copy's "created" says `duplicate_of`).
  "duplicated",
  // SPEC §14.2: a share link made or revoked (data: share_id).
  "shared",
  "share_revoked",
] as const;

/**
 * How a download was made (SPEC §14.4), recorded as `via` on every "downloaded"
 * event: `dashboard` with a session cookie, `api` with an API key, `share`
 * through a share link.
 */
export const DOWNLOAD_CHANNELS = ["dashboard", "api", "share"] as const;
export type DownloadChannel = (typeof DOWNLOAD_CHANNELS)[number];

export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export type StoredFormat = (typeof STORED_FORMATS)[number];
export type ExportType = (typeof EXPORT_TYPES)[number];
export type ExportStatus = (typeof EXPORT_STATUSES)[number];
export type ErrorKind = (typeof ERROR_KINDS)[number];
export type ExportEventType = (typeof EXPORT_EVENT_TYPES)[number];

/** The formats' names for people (the dashboard, the 202 message, the catalogue). */
export const FORMAT_LABELS: Record<StoredFormat, string> = {
  csv: "CSV",
  excel: "Excel",
  pdf: "PDF",
  json: "JSON",
  ost: "OST XML",
  zip: "ZIP",
};

/** Queued or running: a job owns the export; it can be cancelled, and counts against the active limit. */
export const ACTIVE_STATUSES = ["pending", "processing"] as const satisfies readonly ExportStatus[];
/** Ended without a file to download: a retry runs it again in place. */
export const RETRYABLE_STATUSES = ["failed", "cancelled", "expired"] as const satisfies readonly ExportStatus[];
/** Nothing will change them any more except a retry, expiry or deletion. */
export const TERMINAL_STATUSES = ["completed", "failed", "cancelled", "expired"] as const satisfies readonly ExportStatus[];

const has = <T extends string>(list: readonly T[], value: string): value is T => (list as readonly string[]).includes(value);

export const isExportStatus = (value: string): value is ExportStatus => has(EXPORT_STATUSES, value);
export const isExportFormat = (value: string): value is ExportFormat => has(EXPORT_FORMATS, value);
export const isActive = (status: string): status is (typeof ACTIVE_STATUSES)[number] => has(ACTIVE_STATUSES, status);
export const canCancel = isActive;
export const canRetry = (status: string): status is (typeof RETRYABLE_STATUSES)[number] => has(RETRYABLE_STATUSES, status);
export const canDownload = (status: string): status is "completed" => status === "completed";

/**
 * Whether a failed attempt ends the export (`failed`) instead of sending it
 * back to `pending` for another attempt. Only system errors heal by retrying
 * (user errors — bad options, source deleted, PDF cap — never do), and they
 * get EXPORTS_MAX_ATTEMPTS attempts per run; a manual retry starts a new run
 * with its own budget. The stall sweep judges a stalled attempt as a system
 * error.
 */
export function isFinalFailure(kind: ErrorKind, attemptsThisRun: number, maxAttempts: number): boolean {
  return kind !== "system" || attemptsThisRun >= maxAttempts;
}
