/**
 * The exports list's view state as URL parameters (so a view can be shared)
 * and the API key SWR fetches it under. Used by the page on the server, to
 * render the first page, and by the table in the browser.
 */
import { EXPORT_STATUSES, EXPORT_TYPES, STORED_FORMATS, type ExportStatus, type ExportType, type StoredFormat } from "@/lib/exports/model";

export const PAGE_SIZE = 20;

export type ExportFilters = {
  status?: ExportStatus;
  format?: StoredFormat;
  type?: ExportType;
  q?: string;
  /** One schedule's exports (SPEC §13.3), reached from the schedules page. */
  schedule_id?: string;
  cursor?: string;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type ParamSource = URLSearchParams | Record<string, string | string[] | undefined>;

function read(source: ParamSource, key: string): string | undefined {
  const value = source instanceof URLSearchParams ? source.get(key) : source[key];
  const first = Array.isArray(value) ? value[0] : value;
  return first === null || first === undefined || first === "" ? undefined : first;
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[]): T | undefined {
  return allowed.includes(value as T) ? (value as T) : undefined;
}

/** Unknown values are dropped rather than sent to the API to fail. */
export function parseFilters(source: ParamSource): ExportFilters {
  const q = read(source, "q")?.trim().slice(0, 200);
  const cursor = read(source, "cursor");
  const scheduleId = read(source, "schedule_id");
  return {
    status: oneOf(read(source, "status"), EXPORT_STATUSES),
    format: oneOf(read(source, "format") === "xlsx" ? "excel" : read(source, "format"), STORED_FORMATS),
    type: oneOf(read(source, "type"), EXPORT_TYPES),
    q: q || undefined,
    schedule_id: scheduleId && UUID.test(scheduleId) ? scheduleId.toLowerCase() : undefined,
    cursor: cursor && cursor.length <= 200 ? cursor : undefined,
  };
}

/** Parameters in a fixed order, so the server's key and the browser's match. */
export function filtersToParams(f: ExportFilters): URLSearchParams {
  const p = new URLSearchParams();
  if (f.status) p.set("status", f.status);
  if (f.format) p.set("format", f.format);
  if (f.type) p.set("type", f.type);
  if (f.q) p.set("q", f.q);
  if (f.schedule_id) p.set("schedule_id", f.schedule_id);
  if (f.cursor) p.set("cursor", f.cursor);
  return p;
}

export function listKey(f: ExportFilters): string {
  const p = filtersToParams(f);
  p.set("limit", String(PAGE_SIZE));
  return `/api/exports?${p.toString()}`;
}

export function hasFilters(f: ExportFilters): boolean {
  return Boolean(f.status || f.format || f.type || f.q || f.schedule_id);
}
