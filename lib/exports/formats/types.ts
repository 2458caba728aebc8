/**
 * The contract between the pipeline and the renderers. A renderer reads the
 * source in batches and writes bytes to `out` as it goes (respecting
 * backpressure); it reports rows through `progress`, which throttles database
 * writes and throws `ExportCancelledError` when the export was cancelled.
 */
import type { Writable } from "node:stream";
import type { ExportFormat } from "@/db/schema";
import type { CostsOut } from "@/lib/takeoff/read";
import type { NormalisedOptions } from "../schemas";

export type SourceProject = {
  id: string;
  name: string;
  description: string | null;
  clientName: string | null;
  address: string | null;
};

export type SourceDocument = { id: string; name: string; pageCount: number };

export type SourceCondition = {
  id: string;
  name: string;
  description: string | null;
  scope: string | null;
  category: string | null;
  building: string | null;
  area: string | null;
  elevation: string | null;
  measurementType: "linear" | "area" | "volume" | "count";
  unit: string;
  color: string | null;
  sortOrder: number;
  /** null when the condition has no costs, or when include_costs is false. */
  costs: CostsOut | null;
  /** Computed after filters (document, include_unverified, condition_ids). */
  totalQuantity: number;
  measurementCount: number;
};

export type SourceMeasurement = {
  id: string;
  conditionId: string;
  documentId: string | null;
  /** The page's document name (null without a page); one string per document, shared by its rows. */
  documentName: string | null;
  pageNumber: number | null;
  sheetNumber: string | null;
  sheetTitle: string | null;
  geometryType: "line" | "polyline" | "polygon" | "rectangle" | "circle" | "point";
  geometry: unknown;
  quantity: number;
  unit: string;
  isVerified: boolean;
  isAiGenerated: boolean;
  notes: string | null;
};

/** SPEC §12.3: what a breakdown row stands for. */
export type BreakdownBy = "document" | "sheet";

/**
 * One row of a breakdown (SPEC §12.3): a sheet (page) or a document, and each
 * condition's quantity there (only conditions with measurements there). A
 * row without a document holds the measurements without a page.
 */
export type BreakdownRow = {
  documentId: string | null;
  documentName: string | null;
  /** null on document rows and on the row without a page. */
  pageNumber: number | null;
  sheetNumber: string | null;
  sheetTitle: string | null;
  /** Condition id → quantity, rounded like the condition totals (roundTotal of the SQL sum). */
  quantities: Map<string, number>;
};

/** Where a measurement is: its page's details (all null without a page). */
export type SourcePage = Pick<SourceMeasurement, "documentId" | "documentName" | "pageNumber" | "sheetNumber" | "sheetTitle">;

/**
 * What a renderer asks of `ExportSource.sqlRows`: each row's bytes as an SQL
 * expression. Rows are read in the chunks of export order (source/index.ts):
 * rows of one condition on a few pages. Per chunk the request gives `line`,
 * the expression of one row (never NULL but to refuse the row), over `r`: the measurement's columns as the table
 * names them (`r.id`, `r.geometry`, `r.quantity`, `r.notes`, …), `r.pair`
 * (which of `pages` the row is on, from 1) and the columns of `steps`. Each
 * step is a set of named expressions over `r`, computed once per row before
 * the next step and the line, so a value used several times is computed once.
 */
export type SqlRowsRequest = (conditionId: string, pages: readonly SourcePage[]) => { steps: Record<string, string>[]; line: string };

/**
 * Rows as `sqlRows` hands them over, in export order: the bytes the
 * database wrote and how many rows they hold, or the rows themselves for a
 * chunk where the expression refused a row (its line was NULL, see
 * sqlRefusal in sql-text.ts): the renderer writes those itself.
 */
export type SqlRowsPart = { bytes: Buffer; rows: number } | { bytes: null; rows: SourceMeasurement[] };

export type ExportSource = {
  exportId: string;
  type: "document" | "project";
  generatedAt: Date;
  project: SourceProject;
  /** Only on document exports. */
  document: SourceDocument | null;
  /** Conditions in export order (sort_order, then name), totals after filters. */
  conditions: SourceCondition[];
  /** Number of measurement rows after filters. */
  rowsTotal: number;
  /**
   * Measurements after filters in export order (condition order, document,
   * page number nulls last, position), in batches; never the whole table.
   */
  measurements(): AsyncIterable<SourceMeasurement[]>;
  /** The same rows in By-Page order (document, page number nulls last, condition order, position). */
  measurementsByPage(): AsyncIterable<SourceMeasurement[]>;
  /**
   * SPEC §12.3: quantities per (condition, sheet or document), from one
   * grouped query; rows in document then page order (the row without a page last).
   */
  breakdown(by: BreakdownBy): Promise<BreakdownRow[]>;
  /**
   * The measurements in export order with each row written by the database
   * (source/sql-rows.ts); absent where the source cannot (an in-memory source).
   */
  sqlRows?(request: SqlRowsRequest): AsyncIterable<SqlRowsPart>;
};

export type Progress = {
  /** Report that `n` more rows were written; may throw ExportCancelledError. */
  advance(n: number, step?: string): Promise<void>;
  /** Change the step text (e.g. "Writing By Page sheet"). */
  step(step: string): Promise<void>;
};

export type RenderResult = { records: number; warnings: string[] };

export type Renderer = {
  format: ExportFormat;
  extension: string;
  contentType: string;
  /** One line for the export dialog. */
  description: string;
  render(source: ExportSource, options: NormalisedOptions, out: Writable, progress: Progress): Promise<RenderResult>;
};

export class ExportCancelledError extends Error {
  constructor() {
    super("Export was cancelled");
    this.name = "ExportCancelledError";
  }
}
