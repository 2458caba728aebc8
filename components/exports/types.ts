/** Client-side shapes of the API's export objects, lists, events and format catalogue, with labels for display. */
import type { ExportOut, eventOut } from "@/lib/exports/serialize";

export type ExportItem = ExportOut;
export type ExportEvent = ReturnType<typeof eventOut>;
export type ExportStatus = ExportItem["status"];

export type ExportList = { exports: ExportItem[]; total: number; next_cursor: string | null };

export type ExportStats = { total: number; completed: number; in_progress: number; failed: number; downloads: number };

/** One option of a format, as lib/exports/formats/index.ts describes it (a JSON-Schema-like subset). */
export type OptionInfo = {
  key: string;
  type: "boolean" | "string" | "array" | (string & {});
  default?: unknown;
  /** Allowed values, when the option is a choice. */
  enum?: unknown[];
  items?: { type: string; format?: string };
  description?: string | null;
};

export type FormatInfo = {
  id: string;
  label: string;
  extension: string;
  content_type: string;
  description: string;
  options: OptionInfo[];
};

export type Catalogue = {
  source: { type: "document" | "project"; id: string; name: string; measurements_count: number; page_count?: number };
  suggested_name: string;
  default_format: string;
  pdf_max_rows: number;
  formats: FormatInfo[];
};

export const STATUSES = ["pending", "processing", "completed", "failed", "cancelled", "expired"] as const;
export const FORMATS = ["csv", "excel", "pdf", "json", "ost"] as const;
export const TYPES = ["document_export", "project_export"] as const;

export const STATUS_LABELS: Record<(typeof STATUSES)[number], string> = {
  pending: "Queued",
  processing: "Processing",
  completed: "Completed",
  failed: "Failed",
  cancelled: "Cancelled",
  expired: "Expired",
};

export const FORMAT_LABELS: Record<(typeof FORMATS)[number], string> = {
  csv: "CSV",
  excel: "Excel",
  pdf: "PDF",
  json: "JSON",
  ost: "OST XML",
};

export const TYPE_LABELS: Record<(typeof TYPES)[number], string> = {
  document_export: "Document",
  project_export: "Project",
};

export const isActive = (status: string) => status === "pending" || status === "processing";
export const isRetryable = (status: string) => status === "failed" || status === "cancelled" || status === "expired";

export function formatLabel(format: string): string {
  return FORMAT_LABELS[format as keyof typeof FORMAT_LABELS] ?? format.toUpperCase();
}
