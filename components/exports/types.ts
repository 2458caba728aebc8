/**
 * Client-side shapes of the API's export objects, lists, events and format
 * catalogue, with labels for display. Shapes are taken from the server's own
 * types by `import type` only, so nothing of the server reaches the browser
 * bundle; the statuses, formats and their rules come from lib/exports/model.
 */
import type { z } from "zod";
import type { CatalogueSchema } from "@/lib/api/schemas";
import { FORMAT_LABELS, type ExportFormat, type ExportStatus, type ExportType } from "@/lib/exports/model";

export { FORMAT_LABELS };
import type { ExportOut, eventOut } from "@/lib/exports/serialize";

export type ExportItem = ExportOut;
export type ExportEvent = ReturnType<typeof eventOut>;

export type ExportList = { exports: ExportItem[]; total: number; next_cursor: string | null };

export type ExportStats = { total: number; completed: number; in_progress: number; failed: number; downloads: number };

/** What GET /api/{documents,projects}/{id}/export answers: the schema that documents and checks the response types it here too. */
export type Catalogue = z.output<typeof CatalogueSchema>;
export type FormatInfo = Catalogue["formats"][number];
export type OptionInfo = FormatInfo["options"][number];

export const STATUS_LABELS: Record<ExportStatus, string> = {
  pending: "Queued",
  processing: "Processing",
  completed: "Completed",
  failed: "Failed",
  cancelled: "Cancelled",
  expired: "Expired",
};

export const TYPE_LABELS: Record<ExportType, string> = {
  document_export: "Document",
  project_export: "Project",
  bulk_export: "Bundle",
};

export function formatLabel(format: string): string {
  return FORMAT_LABELS[format as ExportFormat] ?? format.toUpperCase();
}
