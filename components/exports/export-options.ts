/**
 * Which of an export's stored options the details page lists: only those that
 * change the file of that format. Stored options are the format's options
 * with every default filled in, so a CSV export carries `include_costs: true`
 * although CSV writes no cost column unless cost columns were chosen
 * (SPEC §6.1, §12.2). Pure, for the tests.
 */
import { FORMAT_LABELS, type ExportFormat, type StoredFormat } from "@/lib/exports/model";

/** SPEC §12.2: the `columns` ids that show costs. */
export const COST_COLUMN_IDS: readonly string[] = ["unit_cost", "extended_cost"];

type Options = Record<string, unknown>;

const hasCostColumns = (options: Options) =>
  Array.isArray(options.columns) && options.columns.some((c) => COST_COLUMN_IDS.includes(String(c)));

/** Options that matter only in some cases; anything not named here applies whenever it is stored. */
const APPLIES: Record<string, (format: ExportFormat, options: Options) => boolean> = {
  // CSV has cost values only in cost columns the user picked; the other formats have cost columns, rows, sheets or lines.
  include_costs: (format, options) => format !== "csv" || hasCostColumns(options),
};

export function optionApplies(format: ExportFormat, key: string, options: Options): boolean {
  return APPLIES[key]?.(format, options) ?? true;
}

/** The options to list for an export, in their stored order. */
export function shownOptions(format: StoredFormat, options: Options | null | undefined): [string, unknown][] {
  // A bundle's options are its parts (SPEC §14.3): how many documents, in which formats.
  if (format === "zip") return bundleSummary(options);
  const all = options ?? {};
  return Object.entries(all).filter(([key]) => optionApplies(format, key, all));
}

/** True when the description only says what the subtitle already says ("Excel export of Structural Set.pdf", any case). */
export function repeatsSubtitle(description: string | null | undefined, formatNames: string[], sourceName: string | null): boolean {
  if (!description || !sourceName) return false;
  const text = description.trim().toLowerCase();
  return formatNames.some((f) => text === `${f} export of ${sourceName}`.toLowerCase());
}

/** A bundle's parts for its details page: `[["Documents", "3"], ["Formats", "CSV, Excel"]]`. */
function bundleSummary(options: Options | null | undefined): [string, unknown][] {
  const bundle = options?.bundle as { document_ids?: unknown; formats?: unknown } | undefined;
  if (!bundle || !Array.isArray(bundle.document_ids) || !Array.isArray(bundle.formats)) return [];
  const labels = bundle.formats.map((f) => FORMAT_LABELS[f as ExportFormat] ?? String(f));
  return [
    ["Documents", String(bundle.document_ids.length)],
    ["Formats", labels.join(", ")],
  ];
}
