/**
 * The report (SPEC §6.3): title and project lines, the Project Summary table,
 * then a table per condition; on every page a footer with the provenance line
 * and "page n of N". The same code runs for the dry run and for drawing.
 */
import type { XmlTextCleaner } from "../../sanitize";
import type { NormalisedOptions } from "../../schemas";
import { columnPlan, columnsFor, extendedCost } from "../columns";
import { formatInteger, formatMoney, formatNumber2, hasAnyCosts, provenanceLine, totalWithMarkup } from "../text-format";
import { groupConditions, groupField, NO_GROUP_LABEL } from "../groups";
import type { BreakdownBy, BreakdownRow, ExportSource, SourceCondition, SourceMeasurement } from "../types";
import {
  BODY,
  BODY_STYLE,
  FOOTER_STYLE,
  GREY,
  HEADER_FILL,
  HEADER_H,
  LAYOUT_CACHE_PAGES,
  MARGIN,
  measurementColumns,
  pageSize,
  ROW_H,
  RULE,
  STRIPE,
  SWATCH,
  SWATCH_GAP,
  swatchColour,
  type Col,
  type Pager,
  type Style,
} from "./layout";
import { PageContent } from "./page-content";
import { mapSection } from "./takeoff-map";
import { releaseWrittenPage, resetLayoutCaches } from "./pdfkit-internals";
import { Typesetter } from "./typesetter";

/** The narrowest a breakdown's condition column gets before the rest go to another table (points). */
const BREAKDOWN_MIN_COL = 64;
const BOLD_STYLE: Style = { ...BODY_STYLE, bold: true };

export class Report {
  readonly width: number;
  readonly height: number;
  private readonly contentWidth: number;
  private readonly showCosts: boolean;
  private readonly footerText: string;
  private readonly content: PageContent;
  private readonly typeset: Typesetter;
  /** The condition tables' columns (SPEC §6.3, §12.1, §12.2) and, per column, what it shows. */
  private readonly measurementCols: Col[];
  private readonly plan: Int32Array;
  /** The cells of a measurement row, refilled for each row. */
  private readonly cells: string[];

  constructor(
    private readonly doc: PDFKit.PDFDocument,
    private readonly source: ExportSource,
    private readonly options: NormalisedOptions,
    cleaner: XmlTextCleaner,
  ) {
    [this.width, this.height] = pageSize(options);
    this.contentWidth = this.width - 2 * MARGIN;
    this.showCosts = hasAnyCosts(source);
    this.footerText = provenanceLine(source, options.timezone);
    this.content = new PageContent(doc);
    this.typeset = new Typesetter(doc, this.content, cleaner);
    const ids = columnsFor("pdf", source.type, options.columns);
    this.measurementCols = measurementColumns(ids);
    this.plan = columnPlan(ids);
    this.cells = new Array<string>(ids.length).fill("");
  }

  /** Writes the last page's pending content; call before `doc.end()`. */
  finish(): void {
    this.content.flush();
  }

  // -- page furniture --------------------------------------------------------

  startPage(page: number, total: number): void {
    const size = this.options.page_size === "a4" ? "A4" : "LETTER";
    this.content.flush();
    const previous = page > 1 ? this.doc.page : null;
    // pdfkit writes the previous page out here.
    this.doc.addPage({ size, layout: this.options.orientation ?? "portrait", margins: { top: 0, bottom: 0, left: 0, right: 0 } });
    if (previous) releaseWrittenPage(previous);
    this.content.newPage();
    if (page % LAYOUT_CACHE_PAGES === 0) resetLayoutCaches(this.doc);
    const y = this.height - 24;
    this.content.hline(MARGIN, this.width - MARGIN, y - 12, 0.5, RULE);
    const pageText = `Page ${formatInteger(page)} of ${formatInteger(total)}`;
    const pageWidth = this.typeset.width(pageText, FOOTER_STYLE);
    this.typeset.draw(pageText, this.width - MARGIN - pageWidth, y, FOOTER_STYLE, pageWidth + 1);
    const max = this.contentWidth - pageWidth - 12;
    // The same text every page, and a long one: cut it once per width, not on every page.
    let footer = this.footerFits.get(max);
    if (footer === undefined) {
      footer = this.typeset.fit(this.footerText, FOOTER_STYLE, max);
      this.footerFits.set(max, footer);
    }
    this.typeset.draw(footer, MARGIN, y, FOOTER_STYLE, max);
  }

  private readonly footerFits = new Map<number, string>();

  // -- tables ----------------------------------------------------------------

  private readonly placed = new Map<Col[], { x: number; w: number; col: Col }[]>();

  private columns(cols: Col[]): { x: number; w: number; col: Col }[] {
    let placed = this.placed.get(cols);
    if (!placed) {
      let x = MARGIN;
      placed = cols.map((col) => {
        const w = col.share * this.contentWidth;
        const c = { x, w, col };
        x += w;
        return c;
      });
      this.placed.set(cols, placed);
    }
    return placed;
  }

  private tableHeader(p: Pager, cols: Col[]): void {
    if (p.drawing) {
      this.content.rect(MARGIN, p.y, this.contentWidth, HEADER_H, HEADER_FILL);
      for (const c of this.columns(cols))
        this.typeset.draw(c.col.header, c.x + 4, p.y + 11, { size: BODY, bold: true }, c.w - 8, c.col.align);
    }
    p.y += HEADER_H;
  }

  /** `swatch`: a colour square before the first cell's text (SPEC §12.5). */
  private tableRow(p: Pager, cols: Col[], cells: string[], index: number, style: Style = BODY_STYLE, swatch: string | null = null): void {
    if (p.drawing) {
      if (index % 2 === 1) {
        this.content.rect(MARGIN, p.y, this.contentWidth, ROW_H, STRIPE);
      }
      const placed = this.columns(cols);
      for (let i = 0; i < placed.length; i++) {
        const c = placed[i];
        const inset = i === 0 && swatch ? SWATCH_GAP : 0;
        if (inset) this.content.rect(c.x + 4, p.y + (ROW_H - SWATCH) / 2, SWATCH, SWATCH, swatch!);
        this.typeset.draw(cells[i] ?? "", c.x + 4 + inset, p.y + 10, style, c.w - 8 - inset, c.col.align);
      }
    }
    p.y += ROW_H;
  }

  /** `swatch`: a colour square before the text, as tall as the text's capitals. */
  private textLine(p: Pager, text: string, style: Style, height: number, swatch: string | null = null): void {
    if (p.drawing) {
      let x = MARGIN;
      if (swatch) {
        const side = Math.round(style.size * 0.75);
        const baseline = p.y + height * 0.75;
        this.content.rect(MARGIN, baseline - side, side, side, swatch);
        x += side + 5;
      }
      this.typeset.draw(text, x, p.y + height * 0.75, style, this.contentWidth - (x - MARGIN));
    }
    p.y += height;
  }

  // -- breakdown (SPEC §12.3) --------------------------------------------------

  /** The breakdown's rows, read once for both passes. */
  private breakdownRows?: Promise<BreakdownRow[]>;

  /**
   * The breakdown matrix: a row per sheet (or document), a column per
   * condition with measurements, a Total row of the condition totals. Columns
   * that do not fit the page's width continue in further tables (bands), each
   * with the row labels again.
   */
  private async breakdownTables(p: Pager, by: BreakdownBy): Promise<void> {
    const rows = await (this.breakdownRows ??= this.source.breakdown(by));
    const shown = this.source.conditions.filter((c) => c.measurementCount > 0);
    const keys: Col[] =
      by === "sheet"
        ? [
            { header: "Document", share: 0.2 },
            { header: "Page", share: 0.07, align: "right" },
            { header: "Sheet #", share: 0.11 },
          ]
        : [{ header: "Document", share: 0.3 }];
    const keyShare = keys.reduce((s, k) => s + k.share, 0);
    const perBand = Math.max(1, Math.floor(((1 - keyShare) * this.contentWidth) / BREAKDOWN_MIN_COL));
    const bands = Math.max(1, Math.ceil(shown.length / perBand));
    const title = by === "sheet" ? "Quantities by sheet" : "Quantities by document";
    const keyCells = rows.map((r) =>
      by === "sheet"
        ? [
            this.typeset.line(r.documentName ?? ""),
            r.pageNumber === null ? "" : String(r.pageNumber),
            this.typeset.line(r.sheetNumber ?? ""),
          ]
        : [this.typeset.line(r.documentName ?? "")],
    );
    for (let b = 0; b < bands; b++) {
      const band = shown.slice(b * perBand, (b + 1) * perBand);
      const share = (1 - keyShare) / Math.max(band.length, 1);
      let cols = this.breakdownCols.get(`${by}:${b}`);
      if (!cols) {
        cols = [...keys, ...band.map((c): Col => ({ header: this.typeset.line(`${c.name} (${c.unit})`), share, align: "right" }))];
        this.breakdownCols.set(`${by}:${b}`, cols);
      }
      p.y += 10;
      p.ensure(22 + HEADER_H + ROW_H);
      const range = bands > 1 ? ` (conditions ${b * perBand + 1}–${b * perBand + band.length} of ${shown.length})` : "";
      this.textLine(p, `${title}${range}`, { size: 13, bold: true }, 22);
      this.tableHeader(p, cols);
      rows.forEach((r, i) => {
        if (p.ensure(ROW_H)) this.tableHeader(p, cols);
        const q = band.map((c) => {
          const v = r.quantities.get(c.id);
          return v === undefined ? "" : formatNumber2(v);
        });
        this.tableRow(p, cols, [...keyCells[i], ...q], i);
      });
      if (p.ensure(ROW_H)) this.tableHeader(p, cols);
      this.tableRow(p, cols, ["Total", ...keys.slice(1).map(() => ""), ...band.map((c) => formatNumber2(c.totalQuantity))], 0, BOLD_STYLE);
    }
  }

  /** Column lists by band, the same arrays in both passes (placed columns are cached by list). */
  private readonly breakdownCols = new Map<string, Col[]>();

  // -- the report ------------------------------------------------------------

  /** Document names as drawn, cleaned once per document. */
  private readonly documentLines = new Map<string, string>();

  /** One measurement's cells in the order of the plan (a loop and a switch; the array is reused). */
  private fillCells(m: SourceMeasurement, c: SourceCondition): void {
    const { cells, plan, typeset } = this;
    for (let i = 0; i < plan.length; i++) {
      let v: string;
      switch (plan[i]) {
        case 0: // condition
          v = typeset.line(c.name);
          break;
        case 1: {
          // document
          const name = m.documentName ?? "";
          let line = this.documentLines.get(name);
          if (line === undefined) this.documentLines.set(name, (line = typeset.line(name)));
          v = line;
          break;
        }
        case 2: // page
          v = m.pageNumber === null ? "" : String(m.pageNumber);
          break;
        case 3: // sheet_number
          v = typeset.line(m.sheetNumber ?? "");
          break;
        case 4: // sheet_title
          v = typeset.line(m.sheetTitle ?? "");
          break;
        case 5: // geometry_type
          v = m.geometryType;
          break;
        case 6: // quantity
          v = formatNumber2(m.quantity);
          break;
        case 7: // unit
          v = typeset.line(m.unit);
          break;
        case 8: // coordinates
          v = typeset.line(JSON.stringify(m.geometry) ?? "");
          break;
        case 9: // verified
          v = m.isVerified ? "Yes" : "No";
          break;
        case 10: // ai_generated
          v = m.isAiGenerated ? "Yes" : "No";
          break;
        case 11: // notes
          v = typeset.line(m.notes ?? "");
          break;
        case 12: // measurement_id
          v = m.id;
          break;
        case 13: // condition_id
          v = c.id;
          break;
        case 14: // building
          v = typeset.line(c.building ?? "");
          break;
        case 15: // area
          v = typeset.line(c.area ?? "");
          break;
        case 16: // elevation
          v = typeset.line(c.elevation ?? "");
          break;
        case 17: // category
          v = typeset.line(c.category ?? "");
          break;
        case 18: // scope
          v = typeset.line(c.scope ?? "");
          break;
        case 19: // color
          v = c.color ?? "";
          break;
        case 20: // unit_cost
          v = c.costs?.unit_cost != null ? formatMoney(c.costs.unit_cost) : "";
          break;
        case 21: // extended_cost
          v = c.costs?.unit_cost != null ? formatMoney(extendedCost(m.quantity, c.costs.unit_cost)) : "";
          break;
        default:
          v = "";
      }
      cells[i] = v;
    }
  }

  /** The whole document; the same code runs for the dry run and for drawing. */
  async layout(
    p: Pager,
    rows: AsyncIterable<SourceMeasurement[]>,
    afterBatch: (n: number) => Promise<void>,
    mapRows?: AsyncIterable<SourceMeasurement[]>,
  ): Promise<void> {
    const { source } = this;
    p.newPage();
    const titleStyle: Style = { size: 18, bold: true };
    for (const l of this.typeset.wrap(
      source.type === "document" && source.document ? source.document.name : source.project.name,
      titleStyle,
      this.contentWidth,
      3,
    )) {
      this.textLine(p, l, titleStyle, 24);
    }
    const meta: Style = { size: 10, color: "#374151" };
    if (source.type === "document") this.textLine(p, `Project: ${this.typeset.line(source.project.name)}`, meta, 15);
    if (source.project.clientName) this.textLine(p, `Client: ${this.typeset.line(source.project.clientName)}`, meta, 15);
    if (source.project.description) {
      for (const l of this.typeset.wrap(source.project.description, { size: 9, color: GREY }, this.contentWidth, 6))
        this.textLine(p, l, { size: 9, color: GREY }, 13);
    }
    p.y += 10;

    if (source.conditions.length === 0) {
      this.textLine(p, "No conditions found.", { size: 11 }, 18);
      for await (const batch of rows) await afterBatch(batch.length);
      return;
    }

    // Project Summary
    const summaryCols: Col[] = this.showCosts
      ? [
          { header: "Condition", share: 0.3 },
          { header: "Type", share: 0.09 },
          { header: "Unit", share: 0.07 },
          { header: "Quantity", share: 0.16, align: "right" },
          { header: "Count", share: 0.1, align: "right" },
          { header: "Unit Cost", share: 0.13, align: "right" },
          { header: "Total", share: 0.15, align: "right" },
        ]
      : [
          { header: "Condition", share: 0.42 },
          { header: "Type", share: 0.14 },
          { header: "Unit", share: 0.1 },
          { header: "Quantity", share: 0.2, align: "right" },
          { header: "Count", share: 0.14, align: "right" },
        ];
    p.ensure(22 + HEADER_H + ROW_H);
    this.textLine(p, "Project Summary", { size: 13, bold: true }, 22);
    this.tableHeader(p, summaryCols);
    const summaryRow = (c: SourceCondition, i: number) => {
      if (p.ensure(ROW_H)) this.tableHeader(p, summaryCols);
      const cells = [
        this.typeset.line(c.name),
        c.measurementType,
        this.typeset.line(c.unit),
        formatNumber2(c.totalQuantity),
        formatInteger(c.measurementCount),
      ];
      if (this.showCosts) {
        cells.push(
          c.costs?.unit_cost != null ? formatMoney(c.costs.unit_cost) : "",
          c.costs?.total_with_markup != null ? formatMoney(c.costs.total_with_markup) : "",
        );
      }
      this.tableRow(p, summaryCols, cells, i, BODY_STYLE, swatchColour(c.color));
    };
    const field = groupField(this.options);
    if (!field) source.conditions.forEach(summaryRow);
    else {
      // SPEC §12.3: a heading row per group value, its conditions, a Subtotal row.
      let i = 0;
      for (const g of groupConditions(source.conditions, field)) {
        if (p.ensure(ROW_H * 2)) this.tableHeader(p, summaryCols);
        this.tableRow(p, summaryCols, [g.value === null ? NO_GROUP_LABEL : this.typeset.line(g.value)], 0, BOLD_STYLE);
        for (const c of g.conditions) summaryRow(c, i++);
        if (p.ensure(ROW_H)) this.tableHeader(p, summaryCols);
        const cells = [
          "Subtotal",
          "",
          g.unit === null ? "" : this.typeset.line(g.unit),
          g.quantity === null ? "" : formatNumber2(g.quantity),
          formatInteger(g.measurementCount),
        ];
        if (this.showCosts) cells.push("", g.totalWithMarkup === null ? "" : formatMoney(g.totalWithMarkup));
        this.tableRow(p, summaryCols, cells, 0, BOLD_STYLE);
        i = 0;
      }
    }
    if (this.showCosts) {
      p.y += 4;
      p.ensure(18);
      this.textLine(p, `Project Total (with markup): ${formatMoney(totalWithMarkup(source))}`, { size: 10, bold: true }, 18);
    }

    // SPEC §12.3: quantities by sheet or document.
    const by = this.options.breakdown && this.options.breakdown !== "none" ? this.options.breakdown : null;
    if (by) await this.breakdownTables(p, by);

    // Takeoff maps (SPEC §12.4): a page per drawing page, from rows in By-Page order.
    if (mapRows)
      await mapSection(p, mapRows, { doc: this.doc, content: this.content, typeset: this.typeset }, source.conditions, this.width, () =>
        afterBatch(0),
      );

    // One section per condition with measurements; rows arrive grouped by condition.
    const byId = new Map(source.conditions.map((c) => [c.id, c]));
    let current: SourceCondition | null = null;
    let index = 0;
    // Batches are walked by hand: a `for await` (and a `for of` over the batch)
    // keeps the batch it last saw reachable until the next one has been read
    // and parsed, so each batch lived twice as long and more of them were
    // promoted to the old generation before they died.
    const batches = rows[Symbol.asyncIterator]();
    try {
      for (;;) {
        let next: IteratorResult<SourceMeasurement[]> | null = await batches.next();
        if (next.done) break;
        let batch: SourceMeasurement[] | null = next.value;
        next = null;
        const n = batch.length;
        for (let i = 0; i < n; i++) {
          const m = batch[i];
          const c = byId.get(m.conditionId);
          if (!c) continue;
          if (c !== current) {
            current = c;
            index = 0;
            p.y += 14;
            p.ensure(20 + 15 + HEADER_H + ROW_H);
            this.textLine(p, `Condition: ${this.typeset.line(c.name)}`, { size: 12, bold: true }, 20, swatchColour(c.color));
            this.textLine(
              p,
              `Type: ${c.measurementType} | Unit: ${this.typeset.line(c.unit)} | Total: ${formatNumber2(c.totalQuantity)}`,
              { size: 9, color: GREY },
              15,
            );
            this.tableHeader(p, this.measurementCols);
          }
          if (p.ensure(ROW_H)) {
            this.textLine(p, `Condition: ${this.typeset.line(c.name)} (continued)`, { size: 9, bold: true, color: GREY }, 14);
            this.tableHeader(p, this.measurementCols);
          }
          if (p.drawing) this.fillCells(m, c);
          this.tableRow(p, this.measurementCols, this.cells, index++);
        }
        batch = null;
        await afterBatch(n);
      }
    } catch (err) {
      // As `for await` does: the source stops reading (its queries finish), and the loop's error is the one reported.
      await batches.return?.().catch(() => {});
      throw err;
    }
  }
}
