/**
 * Excel renderer (SPEC §6.2): Summary, one sheet per condition, By Page and
 * Cost Summary, streamed one sheet after another through the direct
 * SpreadsheetML writer in xlsx-writer.ts (why not exceljs, with the numbers:
 * see there).
 */
import type { Writable } from "node:stream";
import { escapeFormula, removeXmlIllegal, XmlTextCleaner } from "../sanitize";
import type { NormalisedOptions } from "../schemas";
import { hasAnyCosts, provenanceLine } from "./text-format";
import type { ExportSource, Progress, Renderer, RenderResult, SourceCondition } from "./types";
import { columnLetter, XlsxWorkbook, type CellStyle, type CellValue, type Font, type XlsxSheet } from "./xlsx-writer";

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

const HEADER_STYLE: CellStyle = {
  font: { bold: true, color: "FF1F2937" },
  fill: "FFE5E7EB",
  borderBottom: "FF9CA3AF",
  verticalAlign: "center",
};
const TITLE_FONT: Font = { bold: true, size: 16 };
const SUBTITLE_FONT: Font = { bold: true, size: 13 };
const NOTE_FONT: Font = { italic: true, color: "FF6B7280" };
const TOTAL_FONT: Font = { bold: true };

type Column = { header: string; width: number; numFmt?: string };

const TRUNCATED_WARNING = (n: number) => `Some text was longer than Excel's ${n.toLocaleString("en-US")}-character cell limit and was cut.`;

/** Sheet names: forbidden characters replaced, 31 characters at most, unique case-insensitively. */
export class SheetNames {
  private readonly used = new Set<string>();

  static clean(name: string): string {
    let s = name.replace(/[\\/*?[\]:]/g, "_").replace(/[\u0000-\u001f\u007f]/g, " ");
    // What XML cannot carry at all (lone surrogates, U+FFFE/FFFF) goes; the
    // warning comes from the same name's title cell.
    s = removeXmlIllegal(s).text.trim();
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

export const excel: Renderer = {
  format: "excel",
  extension: "xlsx",
  contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  description: "Workbook with a summary, a sheet per condition, a by-page sheet and costs.",
  render: (source, options, out, progress) => renderExcel(source, options, out, progress),
};

/** What the sheet writers below share during one render. */
type Render = {
  source: ExportSource;
  options: NormalisedOptions;
  limits: ExcelLimits;
  book: XlsxWorkbook;
  names: SheetNames;
  /** Every text cell: XML-illegal characters removed, formula prefixes neutralised, cut to the cell limit. */
  text(value: string | null | undefined): string | null;
  /** Opens the next sheet with frozen rows down to `headerRow`. */
  sheet(name: string, columns: Column[], headerRow: number): Promise<SheetWriter>;
  showCosts: boolean;
};

export async function renderExcel(
  source: ExportSource,
  options: NormalisedOptions,
  out: Writable,
  progress: Progress,
  limits: ExcelLimits = { maxRows: EXCEL_MAX_ROWS, maxCellText: EXCEL_MAX_CELL_TEXT },
): Promise<RenderResult> {
  const book = new XlsxWorkbook(out, { creator: "Takeoff Exports", created: source.generatedAt });
  const cleaner = new XmlTextCleaner();
  let truncated = false;
  const names = new SheetNames();
  // Reserve the fixed sheet names first so a condition called "By Page" cannot take them.
  const fixed = { summary: names.take("Summary"), byPage: names.take("By Page"), cost: names.take("Cost Summary") };
  const r: Render = {
    source,
    options,
    limits,
    book,
    names,
    text(value) {
      if (value === null || value === undefined) return null;
      let s = escapeFormula(cleaner.clean(value));
      if (s.length > limits.maxCellText) {
        s = cut(s, limits.maxCellText);
        truncated = true;
      }
      return s;
    },
    async sheet(name, columns, headerRow) {
      const sheet = await book.addSheet(name, { widths: columns.map((c) => c.width), frozenRows: headerRow });
      return new SheetWriter(book, sheet, columns, headerRow);
    },
    showCosts: hasAnyCosts(source),
  };

  let records: number;
  try {
    await writeSummary(r, fixed.summary);
    // Rows are read twice (condition sheets, then By Page); progress counts each row once overall.
    const rows = new TwoPassProgress(progress);
    records = await writeConditionSheets(r, rows);
    if (source.rowsTotal > 0) {
      await progress.step("Writing By Page sheet");
      await writeByPage(r, fixed.byPage, rows);
    }
    // Make the reported total exactly one per row even if the second pass saw fewer rows.
    await rows.complete(records);
    if (r.showCosts) await writeCostSummary(r, fixed.cost);
    await book.finish();
  } catch (err) {
    book.destroy();
    throw err;
  }

  const warnings: string[] = [];
  cleaner.report(warnings);
  if (truncated) warnings.push(TRUNCATED_WARNING(limits.maxCellText));
  return { records, warnings };
}

/** 1. Summary: title, client, provenance, then one row per condition (and the project total with costs). */
async function writeSummary({ source, options, text, sheet, showCosts }: Render, name: string): Promise<void> {
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
  const w = await sheet(name, columns, 4);
  w.row([text(`Export: ${source.project.name}`)], { font: TITLE_FONT, height: 24 });
  w.row([source.project.clientName ? text(`Client: ${source.project.clientName}`) : null]);
  w.row([text(provenanceLine(source, options.timezone))], { font: NOTE_FONT });
  w.header();
  for (const c of source.conditions) {
    const row: CellValue[] = [
      text(c.name),
      c.measurementType,
      text(c.unit),
      c.totalQuantity,
      c.measurementCount,
      text(c.category),
      text(c.scope),
    ];
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
    const row: CellValue[] = [
      "PROJECT TOTAL",
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      { formula: `SUM(L${first}:L${last})`, result: total },
    ];
    w.row(row, { font: TOTAL_FONT, filterEnd: true });
  }
  await w.close();
}

const CONDITION_COLUMNS: Column[] = [
  { header: "Page", width: 8, numFmt: FMT.integer },
  { header: "Sheet #", width: 12 },
  { header: "Geometry", width: 12 },
  { header: "Quantity", width: 14, numFmt: FMT.quantity },
  { header: "Unit", width: 8 },
  { header: "Verified", width: 10 },
  { header: "Notes", width: 50 },
];

/** 2. One sheet per condition with measurements, in one pass over the rows; returns the number of rows. */
async function writeConditionSheets(r: Render, rows: TwoPassProgress): Promise<number> {
  const { source, text, limits } = r;
  const conditionIndex = new Map(source.conditions.map((c) => [c.id, c]));
  const open = async (c: SourceCondition, part: number) => {
    const w = await r.sheet(part === 1 ? r.names.take(c.name) : r.names.take(c.name, part), CONDITION_COLUMNS, 4);
    w.row([text(c.name)], { font: SUBTITLE_FONT, height: 20 });
    w.row([text(`Type: ${c.measurementType}  |  Unit: ${c.unit}  |  Total: ${c.totalQuantity.toFixed(2)}`)]);
    w.row([null]);
    w.header();
    return w;
  };

  let records = 0;
  // (Typed via `as`: TS would otherwise narrow it to null after the loop.)
  let current = null as { condition: SourceCondition; writer: SheetWriter; part: number } | null;
  for await (const batch of source.measurements()) {
    for (const m of batch) {
      const condition = conditionIndex.get(m.conditionId);
      if (!condition) continue;
      if (current?.condition.id !== condition.id) {
        if (current) await current.writer.close();
        current = { condition, writer: await open(condition, 1), part: 1 };
      } else if (current.writer.full(limits.maxRows)) {
        await current.writer.close();
        current.part++;
        current.writer = await open(condition, current.part);
      }
      current.writer.row([
        m.pageNumber,
        text(m.sheetNumber),
        m.geometryType,
        m.quantity,
        text(m.unit),
        m.isVerified ? "Yes" : "No",
        text(m.notes),
      ]);
      records++;
    }
    await current?.writer.settle();
    await rows.advance(batch.length);
  }
  if (current) await current.writer.close();
  return records;
}

/** 3. By Page: every row again, in page order, continued on "By Page (2)"… past the row limit. */
async function writeByPage(r: Render, name: string, rows: TwoPassProgress): Promise<void> {
  const { source, text, limits } = r;
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
  let w = await r.sheet(name, columns, 1);
  w.header();
  for await (const batch of source.measurementsByPage()) {
    for (const m of batch) {
      if (w.full(limits.maxRows)) {
        await w.close();
        part++;
        w = await r.sheet(r.names.take("By Page", part), columns, 1);
        w.header();
      }
      w.row([m.pageNumber, text(m.sheetNumber), conditionNames.get(m.conditionId) ?? null, m.geometryType, m.quantity, text(m.unit)]);
    }
    await w.settle();
    await rows.advance(batch.length);
  }
  await w.close();
}

/** 4. Cost Summary: one row per condition with costs and a TOTAL row of formulas. */
async function writeCostSummary({ source, text, sheet }: Render, name: string): Promise<void> {
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
  const w = await sheet(name, columns, 4);
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
  await w.close();
}

/** Reports rows read in two passes as one count: half a row per row seen. */
class TwoPassProgress {
  private processed = 0;
  private reported = 0;

  constructor(private readonly progress: Progress) {}

  async advance(n: number): Promise<void> {
    this.processed += n;
    const next = Math.floor(this.processed / 2);
    await this.progress.advance(next - this.reported);
    this.reported = next;
  }

  /** Tops the reported count up to `records`. */
  async complete(records: number): Promise<void> {
    if (this.reported < records) await this.progress.advance(records - this.reported);
  }
}

/** One sheet's layout: title rows, a styled header row, data rows with column number formats, an autofilter. */
class SheetWriter {
  private lastDataRow = 0;
  private readonly headerStyles: number[];
  /** Style index per column for data rows (its number format). */
  private readonly dataStyles: number[];

  constructor(
    private readonly book: XlsxWorkbook,
    private readonly sheet: XlsxSheet,
    private readonly columns: Column[],
    private readonly headerRow: number,
  ) {
    const header = book.style(HEADER_STYLE);
    this.headerStyles = columns.map(() => header);
    this.dataStyles = columns.map((c) => (c.numFmt ? book.style({ numFmt: c.numFmt }) : 0));
  }

  /** Whether the sheet has reached Excel's row limit. */
  full(maxRows: number): boolean {
    return this.sheet.rowNumber >= maxRows;
  }

  header(): void {
    this.sheet.row(
      this.columns.map((c) => c.header),
      this.headerStyles,
    );
  }

  /** `filterEnd` rows (totals) stay outside the autofilter range. */
  row(values: CellValue[], style: { font?: Font; height?: number; filterEnd?: boolean } = {}): void {
    // Title rows above the header are text: no column number formats.
    const title = this.sheet.rowNumber < this.headerRow - 1;
    let styles = title ? NO_STYLES : this.dataStyles;
    // Styled rows are rare (titles, totals): their styles are looked up per row.
    if (style.font)
      styles = this.columns.map((c) => this.book.style(title || !c.numFmt ? { font: style.font } : { numFmt: c.numFmt, font: style.font }));
    this.sheet.row(values, styles, style.height);
    if (!style.filterEnd && this.sheet.rowNumber > this.headerRow) this.lastDataRow = this.sheet.rowNumber;
  }

  /** Passes the rows written so far on and waits while the compressor or the output is full. */
  settle(): Promise<void> {
    return this.sheet.settle();
  }

  close(): Promise<void> {
    return this.sheet.close({ headerRow: this.headerRow, lastRow: this.lastDataRow });
  }
}

const NO_STYLES: number[] = [];
