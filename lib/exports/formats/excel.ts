/**
 * Excel renderer (SPEC §6.2): Summary, one sheet per condition, By Page and
 * Cost Summary, streamed one sheet after another through the direct
 * SpreadsheetML writer in xlsx-writer.ts (why not exceljs, with the numbers:
 * see there).
 */
import type { Writable } from "node:stream";
import { escapeFormula, removeXmlIllegal, XmlTextCleaner } from "../sanitize";
import type { NormalisedOptions } from "../schemas";
import { columnPlan, columnsFor, extendedCost, tableHeader, type ColumnId } from "./columns";
import { groupConditions, groupField, NO_GROUP_LABEL } from "./groups";
import { hasAnyCosts, provenanceLine } from "./text-format";
import type { BreakdownBy, ExportSource, Progress, Renderer, RenderResult, SourceCondition, SourceMeasurement } from "./types";
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
  /** A document name as a cell, cleaned once per document. */
  documentText(name: string | null): string | null;
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
  const documentCells = new Map<string, string | null>();
  // Reserve the fixed sheet names first so a condition called "By Page" cannot take them.
  const fixed = { summary: names.take("Summary"), byPage: names.take("By Page"), cost: names.take("Cost Summary") };
  const by = options.breakdown && options.breakdown !== "none" ? options.breakdown : null;
  // Only a workbook with a Breakdown sheet keeps the name from conditions.
  const breakdownName = by ? names.take("Breakdown") : null;
  const warnings: string[] = [];
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
    documentText: (name) => {
      if (name === null) return null;
      let cellText = documentCells.get(name);
      if (cellText === undefined) documentCells.set(name, (cellText = r.text(name)));
      return cellText;
    },
  };

  let records: number;
  try {
    await writeSummary(r, fixed.summary);
    if (by && breakdownName) {
      await progress.step("Writing Breakdown sheet");
      await writeBreakdown(r, breakdownName, by, warnings);
    }
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

  cleaner.report(warnings);
  if (truncated) warnings.push(TRUNCATED_WARNING(limits.maxCellText));
  return { records, warnings };
}

/** `#3B82F6` (or `#38f`) as the writer's ARGB `FF3B82F6`; null for anything else. */
export function argb(color: string | null): string | null {
  if (!color) return null;
  const six =
    /^#([0-9a-f]{6})$/i.exec(color)?.[1] ??
    /^#([0-9a-f])([0-9a-f])([0-9a-f])$/i
      .exec(color)
      ?.slice(1)
      .map((x) => x + x)
      .join("");
  return six ? `FF${six.toUpperCase()}` : null;
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
  const conditionRow = (c: SourceCondition) => {
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
    // SPEC §12.5: the condition colour beside its name, without a column of its own (§6.2 keeps the columns).
    w.row(row, { colourBar: argb(c.color) });
  };
  const field = groupField(options);
  if (!field) for (const c of source.conditions) conditionRow(c);
  else {
    // SPEC §12.3: a heading row per group, its conditions, a Subtotal row of SUBTOTAL formulas
    // (which the PROJECT TOTAL's SUBTOTAL then skips, so nothing is counted twice).
    for (const g of groupConditions(source.conditions, field)) {
      w.row([g.value === null ? NO_GROUP_LABEL : text(g.value)], { font: TOTAL_FONT });
      const first = w.rowNumber + 1;
      for (const c of g.conditions) conditionRow(c);
      const last = w.rowNumber;
      const sub = (col: number, result: number) => ({
        formula: `SUBTOTAL(9,${columnLetter(col)}${first}:${columnLetter(col)}${last})`,
        result,
      });
      const row: CellValue[] = [
        "Subtotal",
        null,
        g.unit === null ? null : text(g.unit),
        g.quantity === null ? null : sub(4, g.quantity),
        sub(5, g.measurementCount),
        null,
        null,
      ];
      if (showCosts) {
        const money = (col: number, v: number | null) => (v === null ? null : sub(col, v));
        row.push(null, money(9, g.material), money(10, g.labor), money(11, g.totalCost), money(12, g.totalWithMarkup));
      }
      w.row(row, { font: TOTAL_FONT });
    }
  }
  if (showCosts) {
    const first = 5;
    const last = w.rowNumber;
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
      { formula: field ? `SUBTOTAL(9,L${first}:L${last})` : `SUM(L${first}:L${last})`, result: total },
    ];
    w.row(row, { font: TOTAL_FONT, filterEnd: true });
  }
  await w.close();
}

/** Condition columns a Breakdown sheet holds at most (SPEC §12.3; Excel has 16,384 columns). */
export const BREAKDOWN_MAX_CONDITIONS = 16_000;

/**
 * 1b. Breakdown (SPEC §12.3): a row per sheet (or document) with measurements,
 * a column per condition with measurements, a Total row. Cells are the source's
 * sums per (condition, page); the Total row's cached values are the condition totals.
 */
async function writeBreakdown(r: Render, name: string, by: BreakdownBy, warnings: string[]): Promise<void> {
  const { source, text } = r;
  const withRows = source.conditions.filter((c) => c.measurementCount > 0);
  const shown = withRows.slice(0, BREAKDOWN_MAX_CONDITIONS);
  if (withRows.length > shown.length)
    warnings.push(
      `The Breakdown sheet shows the first ${shown.length.toLocaleString("en-US")} of ${withRows.length.toLocaleString("en-US")} conditions; Excel has no room for more columns.`,
    );
  const keys: Column[] =
    by === "sheet"
      ? [
          { header: "Document", width: 30 },
          { header: "Page", width: 8, numFmt: FMT.integer },
          { header: "Sheet #", width: 12 },
          { header: "Sheet Title", width: 24 },
        ]
      : [{ header: "Document", width: 30 }];
  const columns: Column[] = [
    ...keys,
    ...shown.map((c) => ({ header: text(`${c.name} (${c.unit})`) ?? "", width: 16, numFmt: FMT.quantity })),
  ];
  const rows = await source.breakdown(by);
  const w = await r.sheet(name, columns, 3);
  w.row([text(by === "sheet" ? "Quantities by sheet" : "Quantities by document")], { font: TITLE_FONT, height: 24 });
  w.row([null]);
  w.header();
  const cells: CellValue[] = new Array<CellValue>(columns.length).fill(null);
  for (const row of rows) {
    cells[0] = r.documentText(row.documentName);
    if (by === "sheet") {
      cells[1] = row.pageNumber;
      cells[2] = text(row.sheetNumber);
      cells[3] = text(row.sheetTitle);
    }
    // Empty, never 0, where a condition has nothing on the sheet.
    for (let i = 0; i < shown.length; i++) cells[keys.length + i] = row.quantities.get(shown[i].id) ?? null;
    w.row(cells);
  }
  const first = 4;
  const last = 3 + rows.length;
  const total: CellValue[] = ["Total", ...keys.slice(1).map(() => null)];
  shown.forEach((c, i) => {
    const col = columnLetter(keys.length + i + 1);
    total.push(rows.length ? { formula: `SUM(${col}${first}:${col}${last})`, result: c.totalQuantity } : c.totalQuantity);
  });
  w.row(total, { font: TOTAL_FONT, filterEnd: true });
  await w.close();
}

/** Width and number format of each measurement column on a condition sheet or By Page. */
const COLUMN_LOOK: Record<ColumnId, Omit<Column, "header">> = {
  condition: { width: 34 },
  document: { width: 30 },
  page: { width: 8, numFmt: FMT.integer },
  sheet_number: { width: 12 },
  sheet_title: { width: 24 },
  geometry_type: { width: 12 },
  quantity: { width: 14, numFmt: FMT.quantity },
  unit: { width: 8 },
  coordinates: { width: 50 },
  verified: { width: 10 },
  ai_generated: { width: 13 },
  notes: { width: 50 },
  measurement_id: { width: 38 },
  condition_id: { width: 38 },
  building: { width: 16 },
  area: { width: 16 },
  elevation: { width: 12 },
  category: { width: 16 },
  scope: { width: 16 },
  color: { width: 10 },
  unit_cost: { width: 12, numFmt: FMT.money },
  extended_cost: { width: 14, numFmt: FMT.money },
};

const sheetColumns = (ids: readonly ColumnId[]): Column[] => ids.map((id) => ({ header: tableHeader(id), ...COLUMN_LOOK[id] }));

/** By Page (SPEC §6.2), and Document last in a project export (§12.1); `columns` does not change it. */
function byPageColumns(type: ExportSource["type"]): ColumnId[] {
  const ids: ColumnId[] = ["page", "sheet_number", "condition", "geometry_type", "quantity", "unit"];
  if (type === "project") ids.push("document");
  return ids;
}

/** Condition fields as cells, made once per condition, not per row. */
type ConditionCells = {
  name: string | null;
  building: string | null;
  area: string | null;
  elevation: string | null;
  category: string | null;
  scope: string | null;
  color: string | null;
  unitCost: number | null;
};

function conditionCells(r: Render): Map<string, ConditionCells> {
  const { text } = r;
  return new Map(
    r.source.conditions.map((c) => [
      c.id,
      {
        name: text(c.name),
        building: text(c.building),
        area: text(c.area),
        elevation: text(c.elevation),
        category: text(c.category),
        scope: text(c.scope),
        color: text(c.color),
        unitCost: c.costs?.unit_cost ?? null,
      },
    ]),
  );
}

/**
 * Fills `cells` with one measurement's values in the order of `plan` (a loop
 * and a switch: no object or closure per row; the caller reuses `cells`).
 */
function fillCells(cells: CellValue[], plan: Int32Array, m: SourceMeasurement, c: ConditionCells | undefined, r: Render): void {
  const { text } = r;
  for (let i = 0; i < plan.length; i++) {
    let v: CellValue;
    switch (plan[i]) {
      case 0: // condition
        v = c?.name ?? null;
        break;
      case 1: // document
        v = r.documentText(m.documentName);
        break;
      case 2: // page
        v = m.pageNumber;
        break;
      case 3: // sheet_number
        v = text(m.sheetNumber);
        break;
      case 4: // sheet_title
        v = text(m.sheetTitle);
        break;
      case 5: // geometry_type
        v = m.geometryType;
        break;
      case 6: // quantity
        v = m.quantity;
        break;
      case 7: // unit
        v = text(m.unit);
        break;
      case 8: // coordinates
        v = text(JSON.stringify(m.geometry) ?? null);
        break;
      case 9: // verified
        v = m.isVerified ? "Yes" : "No";
        break;
      case 10: // ai_generated
        v = m.isAiGenerated ? "Yes" : "No";
        break;
      case 11: // notes
        v = text(m.notes);
        break;
      case 12: // measurement_id
        v = m.id;
        break;
      case 13: // condition_id
        v = m.conditionId;
        break;
      case 14: // building
        v = c?.building ?? null;
        break;
      case 15: // area
        v = c?.area ?? null;
        break;
      case 16: // elevation
        v = c?.elevation ?? null;
        break;
      case 17: // category
        v = c?.category ?? null;
        break;
      case 18: // scope
        v = c?.scope ?? null;
        break;
      case 19: // color
        v = c?.color ?? null;
        break;
      case 20: // unit_cost
        v = c?.unitCost ?? null;
        break;
      case 21: // extended_cost
        v = c && c.unitCost !== null ? extendedCost(m.quantity, c.unitCost) : null;
        break;
      default:
        v = null;
    }
    cells[i] = v;
  }
}

/** 2. One sheet per condition with measurements, in one pass over the rows; returns the number of rows. */
async function writeConditionSheets(r: Render, rows: TwoPassProgress): Promise<number> {
  const { source, text, limits } = r;
  const conditionIndex = new Map(source.conditions.map((c) => [c.id, c]));
  const ids = columnsFor("excel", source.type, r.options.columns);
  const columns = sheetColumns(ids);
  const plan = columnPlan(ids);
  const cellsOf = conditionCells(r);
  // One row of cells, refilled for every measurement (the writer turns it into XML at once).
  const cells: CellValue[] = new Array<CellValue>(plan.length).fill(null);
  const open = async (c: SourceCondition, part: number) => {
    const w = await r.sheet(part === 1 ? r.names.take(c.name) : r.names.take(c.name, part), columns, 4);
    w.row([text(c.name)], { font: SUBTITLE_FONT, height: 20 });
    w.row([text(`Type: ${c.measurementType}  |  Unit: ${c.unit}  |  Total: ${c.totalQuantity.toFixed(2)}`)]);
    w.row([null]);
    w.header();
    return w;
  };

  let records = 0;
  // (Typed via `as`: TS would otherwise narrow it to null after the loop.)
  let current = null as { condition: SourceCondition; cells: ConditionCells | undefined; writer: SheetWriter; part: number } | null;
  for await (const batch of source.measurements()) {
    for (const m of batch) {
      const condition = conditionIndex.get(m.conditionId);
      if (!condition) continue;
      if (current?.condition.id !== condition.id) {
        if (current) await current.writer.close();
        current = { condition, cells: cellsOf.get(condition.id), writer: await open(condition, 1), part: 1 };
      } else if (current.writer.full(limits.maxRows)) {
        await current.writer.close();
        current.part++;
        current.writer = await open(condition, current.part);
      }
      fillCells(cells, plan, m, current.cells, r);
      current.writer.row(cells);
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
  const { source, limits } = r;
  const ids = byPageColumns(source.type);
  const columns = sheetColumns(ids);
  const plan = columnPlan(ids);
  const cellsOf = conditionCells(r);
  const cells: CellValue[] = new Array<CellValue>(plan.length).fill(null);
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
      fillCells(cells, plan, m, cellsOf.get(m.conditionId), r);
      w.row(cells);
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

  /** Number of the last row written. */
  get rowNumber(): number {
    return this.sheet.rowNumber;
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

  /**
   * `filterEnd` rows (totals) stay outside the autofilter range; `colourBar`
   * (ARGB) draws a thick left border in that colour on the row's first cell.
   */
  row(values: CellValue[], style: { font?: Font; height?: number; filterEnd?: boolean; colourBar?: string | null } = {}): void {
    // Title rows above the header are text: no column number formats.
    const title = this.sheet.rowNumber < this.headerRow - 1;
    let styles = title ? NO_STYLES : this.dataStyles;
    // Styled rows are rare (titles, totals, Summary rows): their styles are looked up per row.
    if (style.font)
      styles = this.columns.map((c) => this.book.style(title || !c.numFmt ? { font: style.font } : { numFmt: c.numFmt, font: style.font }));
    if (style.colourBar) {
      const first = this.columns[0];
      styles = [...styles];
      styles[0] = this.book.style({ ...(first?.numFmt ? { numFmt: first.numFmt } : {}), borderLeft: style.colourBar });
    }
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
