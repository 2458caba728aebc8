/**
 * Excel renderer (SPEC §6.2): Summary, one sheet per condition, By Page and
 * Cost Summary, written with exceljs' streaming WorkbookWriter one sheet at a
 * time, rows committed as they are written and the zip kept from running ahead
 * of the output stream.
 */
import type { Writable } from "node:stream";
import ExcelJS from "exceljs";
import { escapeFormula, XmlTextCleaner } from "../sanitize";
import type { NormalisedOptions } from "../schemas";
import { drained, hasAnyCosts, needsDrain, provenanceLine } from "./common";
import type { ExportSource, Progress, Renderer, RenderResult, SourceCondition } from "./types";

export const EXCEL_MAX_ROWS = 1_048_576;
export const EXCEL_MAX_CELL_TEXT = 32_767;
const SHEET_NAME_MAX = 31;

export type ExcelLimits = { maxRows: number; maxCellText: number };

const FMT = {
  quantity: "#,##0.00",
  count: "#,##0",
  money: '"$"#,##0.00',
  percent: '0.00"%"',
  integer: "0",
} as const;

const HEADER_STYLE: Partial<ExcelJS.Style> = {
  font: { bold: true, color: { argb: "FF1F2937" } },
  fill: { type: "pattern", pattern: "solid", fgColor: { argb: "FFE5E7EB" } },
  border: { bottom: { style: "thin", color: { argb: "FF9CA3AF" } } },
  alignment: { vertical: "middle" },
};
const TITLE_FONT: Partial<ExcelJS.Font> = { bold: true, size: 16 };
const SUBTITLE_FONT: Partial<ExcelJS.Font> = { bold: true, size: 13 };
const NOTE_FONT: Partial<ExcelJS.Font> = { italic: true, color: { argb: "FF6B7280" } };
const TOTAL_FONT: Partial<ExcelJS.Font> = { bold: true };

type Column = { header: string; width: number; numFmt?: string };
type Cell = string | number | null | { formula: string; result: number };

const TRUNCATED_WARNING = (n: number) => `Some text was longer than Excel's ${n.toLocaleString("en-US")}-character cell limit and was cut.`;

/** Sheet names: forbidden characters replaced, 31 characters at most, unique case-insensitively. */
export class SheetNames {
  private readonly used = new Set<string>();

  static clean(name: string): string {
    let s = name.replace(/[\\/*?[\]:]/g, "_").replace(/[\u0000-\u001f\u007f]/g, " ").trim();
    // Excel refuses names that start or end with an apostrophe, and reserves "History".
    s = s.replace(/^'|'$/g, "_");
    if (!s) s = "Sheet";
    if (s.toLowerCase() === "history") s = `${s}_`;
    return s;
  }

  /** A unique name for `name`; `from` starts the " (n)" suffixes (continuation sheets ask for 2). */
  take(name: string, from = 1): string {
    const base = SheetNames.clean(name);
    for (let n = from; ; n++) {
      const suffix = n === 1 ? "" : ` (${n})`;
      const candidate = cut(base, SHEET_NAME_MAX - suffix.length).trimEnd() + suffix;
      if (!this.used.has(candidate.toLowerCase())) {
        this.used.add(candidate.toLowerCase());
        return candidate;
      }
    }
  }
}

/** The first `max` UTF-16 units of `s`, never splitting a surrogate pair. */
function cut(s: string, max: number): string {
  if (s.length <= max) return s;
  const code = s.charCodeAt(max - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

const columnLetter = (n: number): string => {
  let s = "";
  for (let x = n; x > 0; x = Math.floor((x - 1) / 26)) s = String.fromCharCode(65 + ((x - 1) % 26)) + s;
  return s;
};

export const excel: Renderer = {
  format: "excel",
  extension: "xlsx",
  contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  description: "Workbook with a summary, a sheet per condition, a by-page sheet and costs.",
  render: (source, options, out, progress) => renderExcel(source, options, out, progress),
};

export async function renderExcel(
  source: ExportSource,
  options: NormalisedOptions,
  out: Writable,
  progress: Progress,
  limits: ExcelLimits = { maxRows: EXCEL_MAX_ROWS, maxCellText: EXCEL_MAX_CELL_TEXT },
): Promise<RenderResult> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  workbook.creator = "Takeoff Exports";
  workbook.created = source.generatedAt;
  workbook.modified = source.generatedAt;

  const cleaner = new XmlTextCleaner();
  let truncated = false;
  /** Every text cell: XML-illegal characters removed, formula prefixes neutralised, cut to the cell limit. */
  const text = (value: string | null | undefined): string | null => {
    if (value === null || value === undefined) return null;
    let s = escapeFormula(cleaner.clean(value));
    if (s.length > limits.maxCellText) {
      s = cut(s, limits.maxCellText);
      truncated = true;
    }
    return s;
  };

  const names = new SheetNames();
  // Reserve the fixed sheet names first so a condition called "By Page" cannot take them.
  const summaryName = names.take("Summary");
  const byPageName = names.take("By Page");
  const costName = names.take("Cost Summary");
  const showCosts = hasAnyCosts(source);

  // exceljs writes a sheet's XML into a buffer that the zip reads later; a
  // sheet that is not the zip's current entry would buffer everything, so
  // sheets are written strictly one after another.
  const sheet = (name: string, columns: Column[], headerRow: number) => {
    const ws = workbook.addWorksheet(name, { views: [{ state: "frozen", xSplit: 0, ySplit: headerRow }] });
    ws.columns = columns.map((c) => ({ width: c.width }));
    return new SheetWriter(ws, columns, headerRow, out);
  };

  // 1. Summary
  {
    const columns: Column[] = [
      { header: "Condition", width: 34 },
      { header: "Type", width: 10 },
      { header: "Unit", width: 8 },
      { header: "Quantity", width: 14, numFmt: FMT.quantity },
      { header: "Measurements", width: 14, numFmt: FMT.count },
      { header: "Category", width: 16 },
      { header: "Scope", width: 16 },
    ];
    if (showCosts) {
      columns.push(
        { header: "Unit Cost", width: 12, numFmt: FMT.money },
        { header: "Material", width: 14, numFmt: FMT.money },
        { header: "Labor", width: 14, numFmt: FMT.money },
        { header: "Total Cost", width: 14, numFmt: FMT.money },
        { header: "Markup Total", width: 14, numFmt: FMT.money },
      );
    }
    const w = sheet(summaryName, columns, 4);
    w.row([text(`Export: ${source.project.name}`)], { font: TITLE_FONT, height: 24 });
    w.row([source.project.clientName ? text(`Client: ${source.project.clientName}`) : null]);
    w.row([text(provenanceLine(source, options.timezone))], { font: NOTE_FONT });
    w.header();
    for (const c of source.conditions) {
      const row: Cell[] = [text(c.name), c.measurementType, text(c.unit), c.totalQuantity, c.measurementCount, text(c.category), text(c.scope)];
      if (showCosts) {
        const k = c.costs;
        row.push(k?.unit_cost ?? null, k?.material_cost ?? null, k?.labor_cost ?? null, k?.total_cost ?? null, k?.total_with_markup ?? null);
      }
      w.row(row);
    }
    if (showCosts) {
      const first = 5;
      const last = 4 + source.conditions.length;
      const total = source.conditions.reduce((s, c) => s + (c.costs?.total_with_markup ?? 0), 0);
      const row: Cell[] = ["PROJECT TOTAL", null, null, null, null, null, null, null, null, null, null, { formula: `SUM(L${first}:L${last})`, result: total }];
      w.row(row, { font: TOTAL_FONT, filterEnd: true });
    }
    await w.commit();
  }

  // 2. One sheet per condition with measurements, in one pass over the rows.
  const conditionIndex = new Map(source.conditions.map((c) => [c.id, c]));
  const conditionColumns: Column[] = [
    { header: "Page", width: 8, numFmt: FMT.integer },
    { header: "Sheet #", width: 12 },
    { header: "Geometry", width: 12 },
    { header: "Quantity", width: 14, numFmt: FMT.quantity },
    { header: "Unit", width: 8 },
    { header: "Verified", width: 10 },
    { header: "Notes", width: 50 },
  ];
  const openConditionSheet = (c: SourceCondition, part: number) => {
    const w = sheet(part === 1 ? names.take(c.name) : names.take(c.name, part), conditionColumns, 4);
    w.row([text(c.name)], { font: SUBTITLE_FONT, height: 20 });
    w.row([text(`Type: ${c.measurementType}  |  Unit: ${c.unit}  |  Total: ${c.totalQuantity.toFixed(2)}`)]);
    w.row([null]);
    w.header();
    return w;
  };

  // Rows are read twice (condition sheets, then By Page); progress counts each row once overall.
  let processed = 0;
  let reported = 0;
  const advance = async (n: number) => {
    processed += n;
    const next = Math.floor(processed / 2);
    await progress.advance(next - reported);
    reported = next;
  };

  let records = 0;
  // (Typed via `as`: TS would otherwise narrow it to null after the loop.)
  let current = null as { condition: SourceCondition; writer: SheetWriter; part: number } | null;
  for await (const batch of source.measurements()) {
    for (const m of batch) {
      const condition = conditionIndex.get(m.conditionId);
      if (!condition) continue;
      if (current?.condition.id !== condition.id) {
        if (current) await current.writer.commit();
        current = { condition, writer: openConditionSheet(condition, 1), part: 1 };
      } else if (current.writer.full(limits.maxRows)) {
        await current.writer.commit();
        current.part++;
        current.writer = openConditionSheet(condition, current.part);
      }
      current.writer.row([m.pageNumber, text(m.sheetNumber), m.geometryType, m.quantity, text(m.unit), m.isVerified ? "Yes" : "No", text(m.notes)]);
      records++;
    }
    await current?.writer.settle();
    await advance(batch.length);
  }
  if (current) await current.writer.commit();

  // 3. By Page
  if (source.rowsTotal > 0) {
    await progress.step("Writing By Page sheet");
    const columns: Column[] = [
      { header: "Page", width: 8, numFmt: FMT.integer },
      { header: "Sheet #", width: 12 },
      { header: "Condition", width: 34 },
      { header: "Geometry", width: 12 },
      { header: "Quantity", width: 14, numFmt: FMT.quantity },
      { header: "Unit", width: 8 },
    ];
    const conditionNames = new Map(source.conditions.map((c) => [c.id, text(c.name)]));
    let part = 1;
    let w = sheet(byPageName, columns, 1);
    w.header();
    for await (const batch of source.measurementsByPage()) {
      for (const m of batch) {
        if (w.full(limits.maxRows)) {
          await w.commit();
          part++;
          w = sheet(names.take("By Page", part), columns, 1);
          w.header();
        }
        w.row([m.pageNumber, text(m.sheetNumber), conditionNames.get(m.conditionId) ?? null, m.geometryType, m.quantity, text(m.unit)]);
      }
      await w.settle();
      await advance(batch.length);
    }
    await w.commit();
  }
  // Make the reported total exactly one per row even if the second pass saw fewer rows.
  if (reported < records) await progress.advance(records - reported);

  // 4. Cost Summary
  if (showCosts) {
    const money = (header: string): Column => ({ header, width: 14, numFmt: FMT.money });
    const columns: Column[] = [
      { header: "Condition", width: 34 },
      { header: "Qty", width: 14, numFmt: FMT.quantity },
      { header: "Unit", width: 8 },
      money("Unit Cost"),
      money("Material"),
      money("Labor"),
      money("Equipment"),
      money("Subcontract"),
      money("Other"),
      money("Total Cost"),
      { header: "OH %", width: 9, numFmt: FMT.percent },
      { header: "Profit %", width: 9, numFmt: FMT.percent },
      money("Total w/ Markup"),
    ];
    const w = sheet(costName, columns, 4);
    w.row([text("Cost Summary")], { font: TITLE_FONT, height: 24 });
    w.row([text(`Project: ${source.project.name}`)]);
    w.row([null]);
    w.header();
    const withCosts = source.conditions.filter((c) => c.costs);
    for (const c of withCosts) {
      const k = c.costs!;
      w.row([
        text(c.name),
        c.totalQuantity,
        text(c.unit),
        k.unit_cost,
        k.material_cost,
        k.labor_cost,
        k.equipment_cost,
        k.subcontract_cost,
        k.other_cost,
        k.total_cost,
        k.overhead_percent,
        k.profit_percent,
        k.total_with_markup,
      ]);
    }
    const first = 5;
    const last = 4 + withCosts.length;
    const sum = (col: number, pick: (c: SourceCondition) => number | null) => ({
      formula: `SUM(${columnLetter(col)}${first}:${columnLetter(col)}${last})`,
      result: withCosts.reduce((s, c) => s + (pick(c) ?? 0), 0),
    });
    w.row(
      [
        "TOTAL",
        null,
        null,
        null,
        sum(5, (c) => c.costs!.material_cost),
        sum(6, (c) => c.costs!.labor_cost),
        sum(7, (c) => c.costs!.equipment_cost),
        sum(8, (c) => c.costs!.subcontract_cost),
        sum(9, (c) => c.costs!.other_cost),
        sum(10, (c) => c.costs!.total_cost),
        null,
        null,
        sum(13, (c) => c.costs!.total_with_markup),
      ],
      { font: TOTAL_FONT, filterEnd: true },
    );
    await w.commit();
  }

  await workbook.commit();

  const warnings: string[] = [];
  cleaner.report(warnings);
  if (truncated) warnings.push(TRUNCATED_WARNING(limits.maxCellText));
  return { records, warnings };
}

const PLAIN: Partial<ExcelJS.Style> = {};

/** Bytes of sheet XML that may wait for the zip before the writer pauses. */
const ZIP_BACKLOG_LIMIT = 1024 * 1024;

/** exceljs' StreamBuf as far as we look into it: its own buffers and the streams it feeds. */
type SheetStream = { buffers?: { length: number }[]; pipes?: unknown[] };
type StreamState = { length?: number };

/** Bytes written into a sheet's stream that the zip has not consumed yet. */
function pendingBytes(s: SheetStream | undefined): number {
  if (!s) return 0;
  let n = 0;
  for (const b of s.buffers ?? []) n += b.length;
  for (const p of s.pipes ?? []) {
    // Old readable-stream versions (archiver's) have no writableLength: read the states.
    const state = p as { _writableState?: StreamState; _readableState?: StreamState };
    n += (state._writableState?.length ?? 0) + (state._readableState?.length ?? 0);
  }
  return n;
}

/** Writes the rows of one worksheet in order, committing each at once. */
class SheetWriter {
  private rowNumber = 0;
  private lastDataRow = 0;
  /**
   * One style object per column, shared by all its cells: exceljs looks
   * styles up by object identity first, and building a fresh style per cell
   * (what column styles do) was the main cost of writing a row.
   */
  private readonly styles: Partial<ExcelJS.Style>[];

  constructor(
    private readonly ws: ExcelJS.Worksheet,
    private readonly columns: Column[],
    private readonly headerRow: number,
    private readonly out: Writable,
  ) {
    this.styles = columns.map((c) => (c.numFmt ? { numFmt: c.numFmt } : PLAIN));
  }

  /** Whether the sheet has reached Excel's row limit. */
  full(maxRows: number): boolean {
    return this.rowNumber >= maxRows;
  }

  header(): void {
    const row = this.ws.addRow(this.columns.map((c) => c.header));
    for (let i = 1; i <= this.columns.length; i++) row.getCell(i).style = HEADER_STYLE;
    row.commit();
    this.rowNumber = row.number;
  }

  /** `filterEnd` rows (totals) stay outside the autofilter range. */
  row(values: Cell[], style: { font?: Partial<ExcelJS.Font>; height?: number; filterEnd?: boolean } = {}): void {
    const row = this.ws.addRow(values);
    for (let i = 0; i < values.length; i++) {
      // Title rows above the header are text: no column number formats.
      const base = this.rowNumber < this.headerRow - 1 ? PLAIN : (this.styles[i] ?? PLAIN);
      // Styled rows are rare (titles, totals); they get their own objects so the shared ones stay untouched.
      row.getCell(i + 1).style = style.font ? { ...base, font: style.font } : base;
    }
    if (style.height) row.height = style.height;
    row.commit();
    this.rowNumber = row.number;
    if (!style.filterEnd && this.rowNumber > this.headerRow) this.lastDataRow = this.rowNumber;
  }

  /**
   * Waits until the zip has caught up with what this sheet wrote. exceljs
   * pushes a sheet's XML into the zip's input (a PassThrough that archiver
   * reads when it gets to the entry) without honouring backpressure, so while
   * the upload or the compressor is slower than the rendering, the whole
   * sheet would pile up in memory (~0.5 KB per row). This polls that backlog.
   */
  async settle(): Promise<void> {
    const sheetStream = (this.ws as unknown as { stream?: SheetStream }).stream;
    for (;;) {
      if (needsDrain(this.out)) {
        await drained(this.out);
        continue;
      }
      if (pendingBytes(sheetStream) <= ZIP_BACKLOG_LIMIT) return;
      await new Promise((resolve) => setTimeout(resolve, 2));
      if (this.out.destroyed) throw this.out.errored ?? new Error("The output stream was closed before the export was written.");
    }
  }

  async commit(): Promise<void> {
    const lastColumn = columnLetter(this.columns.length);
    this.ws.autoFilter = `A${this.headerRow}:${lastColumn}${Math.max(this.headerRow, this.lastDataRow)}`;
    this.ws.commit();
    await this.settle();
  }
}
