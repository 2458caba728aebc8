/**
 * PDF renderer (SPEC §6.3): a printable report with embedded Noto fonts
 * (Latin/Greek/Cyrillic, CJK, Hangul, picked per text run). Every line is
 * drawn at an explicit position with a fixed height, so a quick dry run over
 * the row counts knows the page count before anything is written: the footer
 * says "page n of N" without buffering pages in memory.
 */
import fs from "node:fs";
import path from "node:path";
import type { Writable } from "node:stream";
import { finished } from "node:stream/promises";
import PDFDocument from "pdfkit";
import { XmlTextCleaner } from "../sanitize";
import type { NormalisedOptions } from "../schemas";
import { drained, formatInteger, formatMoney, formatNumber2, hasAnyCosts, needsDrain, provenanceLine, totalWithMarkup } from "./common";
import type { ExportSource, Progress, Renderer, RenderResult, SourceCondition, SourceMeasurement } from "./types";

// ---------------------------------------------------------------------------
// Fonts
// ---------------------------------------------------------------------------

export const FONTS_DIR = path.join(process.cwd(), "assets", "fonts");
const FONT_FILES = {
  latin: "NotoSans-Regular.ttf",
  latinBold: "NotoSans-Bold.ttf",
  cjk: "NotoSansSC-Regular.ttf",
  hangul: "NotoSansKR-Hangul.ttf",
} as const;
type FontName = keyof typeof FONT_FILES;
type Face = "latin" | "cjk" | "hangul";

let fontBuffers: Record<FontName, Buffer> | undefined;

/** Read once per process; pdfkit parses them per document and embeds only the glyphs used. */
function fonts(): Record<FontName, Buffer> {
  fontBuffers ??= Object.fromEntries(
    Object.entries(FONT_FILES).map(([name, file]) => [name, fs.readFileSync(path.join(FONTS_DIR, file))]),
  ) as Record<FontName, Buffer>;
  return fontBuffers;
}

/** Which font draws a code point: Noto Sans for Latin/Greek/Cyrillic and common symbols, Noto Sans SC for CJK, the Hangul subset for Korean. */
function faceOf(cp: number): Face {
  if (cp < 0x0530) return "latin"; // Latin, IPA, Greek, Cyrillic (+ supplement)
  if ((cp >= 0x1100 && cp <= 0x11ff) || (cp >= 0x3130 && cp <= 0x318f) || (cp >= 0xa960 && cp <= 0xa97f) || (cp >= 0xac00 && cp <= 0xd7ff)) {
    return "hangul";
  }
  if (
    (cp >= 0x1c80 && cp <= 0x1c8f) ||
    (cp >= 0x1d00 && cp <= 0x20cf) || // phonetic extensions, Latin/Greek extended, punctuation, currency
    (cp >= 0x2100 && cp <= 0x214f) ||
    (cp >= 0x2de0 && cp <= 0x2dff) ||
    (cp >= 0xa640 && cp <= 0xa69f) ||
    (cp >= 0xa720 && cp <= 0xa7ff) ||
    (cp >= 0xfb00 && cp <= 0xfb06)
  ) {
    return "latin";
  }
  return "cjk";
}

type Run = { face: Face; text: string };
const ASCII = /^[\x20-\x7e]*$/;

/** Splits text into runs of one font; spaces stay with the run they are in. */
export function fontRuns(text: string): Run[] {
  if (ASCII.test(text)) return text ? [{ face: "latin", text }] : [];
  const runs: Run[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    const last = runs[runs.length - 1];
    const face = cp === 0x20 && last ? last.face : faceOf(cp);
    if (last && last.face === face) last.text += ch;
    else runs.push({ face, text: ch });
  }
  return runs;
}

// ---------------------------------------------------------------------------
// Page geometry
// ---------------------------------------------------------------------------

const MARGIN = 40;
const FOOTER_GAP = 44; // content stops this far above the bottom edge
const ROW_H = 14;
const HEADER_H = 16;
const BODY = 8; // table font size
const GREY = "#6B7280";
const INK = "#111827";
const RULE = "#D1D5DB";
const STRIPE = "#F3F4F6";
const HEADER_FILL = "#E5E7EB";
/** How many pages pdfkit's word-layout cache may span before it is cleared (bounded memory, most reuse kept). */
const LAYOUT_CACHE_PAGES = 25;

type Style = { size: number; bold?: boolean; color?: string };
type Align = "left" | "right";
type Col = { header: string; share: number; align?: Align };

const MEASUREMENT_COLUMNS: Col[] = [
  { header: "Page", share: 0.1 },
  { header: "Sheet #", share: 0.22 },
  { header: "Geometry", share: 0.2 },
  { header: "Quantity", share: 0.28, align: "right" },
  { header: "Unit", share: 0.2 },
];

export const pdf: Renderer = {
  format: "pdf",
  extension: "pdf",
  contentType: "application/pdf",
  description: "Printable report: project summary and a table per condition.",
  render: (source, options, out, progress) => renderPdf(source, options, out, progress),
};

export async function renderPdf(source: ExportSource, options: NormalisedOptions, out: Writable, progress: Progress): Promise<RenderResult> {
  const title = source.type === "document" && source.document ? source.document.name : source.project.name;
  const doc = new PDFDocument({
    autoFirstPage: false,
    // Our own layout keeps text off the page edge; zero margins stop pdfkit from adding pages itself.
    margins: { top: 0, bottom: 0, left: 0, right: 0 },
    info: {
      Title: title,
      Subject: `Takeoff export ${source.exportId}`,
      Creator: "Takeoff Exports",
      Producer: "Takeoff Exports (PDFKit)",
      CreationDate: source.generatedAt,
      ModDate: source.generatedAt,
    },
  });
  for (const [name, data] of Object.entries(fonts())) doc.registerFont(name, data);
  doc.pipe(out);

  const cleaner = new XmlTextCleaner();
  const report = new Report(doc, source, options, cleaner);

  // Pass 1 counts pages from row counts alone; pass 2 draws with the same decisions.
  const dry = new Pager(report, null);
  await report.layout(dry, placeholderRows(source), async () => {});
  const totalPages = dry.page;

  let records = 0;
  const live = new Pager(report, totalPages);
  await report.layout(live, source.measurements(), async (n) => {
    records += n;
    await progress.advance(n);
    while (needsDrain(out)) await drained(out);
  });

  doc.end();
  await finished(out, { readable: false });
  const warnings: string[] = [];
  cleaner.report(warnings);
  return { records, warnings };
}

/** Stand-ins for the dry run: as many rows per condition as the source counted. */
async function* placeholderRows(source: ExportSource): AsyncGenerator<SourceMeasurement[]> {
  for (const c of source.conditions) {
    if (c.measurementCount === 0) continue;
    const row = { conditionId: c.id } as SourceMeasurement;
    for (let left = c.measurementCount; left > 0; left -= 2000) yield new Array<SourceMeasurement>(Math.min(2000, left)).fill(row);
  }
}

/** Pages and the vertical cursor; draws only when it knows the page count (pass 2). */
class Pager {
  page = 0;
  y = 0;

  constructor(
    private readonly report: Report,
    readonly totalPages: number | null,
  ) {}

  get drawing(): boolean {
    return this.totalPages !== null;
  }

  get bottom(): number {
    return this.report.height - FOOTER_GAP;
  }

  newPage(): void {
    this.page++;
    this.y = MARGIN;
    if (this.drawing) this.report.startPage(this.page, this.totalPages!);
  }

  /** Starts a new page when `h` does not fit; returns whether it did. */
  ensure(h: number): boolean {
    if (this.y + h <= this.bottom) return false;
    this.newPage();
    return true;
  }
}

class Report {
  readonly width: number;
  readonly height: number;
  private readonly contentWidth: number;
  private readonly showCosts: boolean;
  private readonly footerText: string;

  constructor(
    private readonly doc: PDFKit.PDFDocument,
    private readonly source: ExportSource,
    private readonly options: NormalisedOptions,
    private readonly cleaner: XmlTextCleaner,
  ) {
    const [w, h] = options.page_size === "a4" ? [595.28, 841.89] : [612, 792];
    [this.width, this.height] = options.orientation === "landscape" ? [h, w] : [w, h];
    this.contentWidth = this.width - 2 * MARGIN;
    this.showCosts = hasAnyCosts(source);
    this.footerText = provenanceLine(source, options.timezone);
  }

  // -- text primitives ------------------------------------------------------

  /** One line of text: control characters removed, line breaks flattened. */
  private line(value: string): string {
    return this.cleaner.clean(value).replace(/[\r\n\t]+/g, " ");
  }

  private font = "";
  private size = 0;
  private color = "";

  /** Selects font and size, skipping pdfkit calls when nothing changes (this runs for every cell). */
  private use(face: Face, style: Style): void {
    const name: FontName = face === "latin" ? (style.bold ? "latinBold" : "latin") : face;
    if (name !== this.font) {
      this.doc.font(name);
      this.font = name;
    }
    if (style.size !== this.size) {
      this.doc.fontSize(style.size);
      this.size = style.size;
    }
  }

  private fill(color: string): void {
    if (color !== this.color) {
      this.doc.fillColor(color);
      this.color = color;
    }
  }

  width_(text: string, style: Style): number {
    let w = 0;
    for (const run of fontRuns(text)) {
      this.use(run.face, style);
      w += this.doc.widthOfString(run.text);
    }
    return w;
  }

  /** `text` cut with an ellipsis so that it fits `max` points. */
  private fit(text: string, style: Style, max: number): string {
    // Cheap bound first: no glyph here is wider than 1.1 em.
    if (text.length * style.size * 1.1 <= max || this.width_(text, style) <= max) return text;
    const chars = Array.from(text);
    let lo = 0;
    let hi = chars.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (this.width_(chars.slice(0, mid).join("").trimEnd() + "…", style) <= max) lo = mid;
      else hi = mid - 1;
    }
    return chars.slice(0, lo).join("").trimEnd() + "…";
  }

  /** Draws one line with its baseline at `baseline`, cut to `max` points. */
  private draw(text: string, x: number, baseline: number, style: Style, max: number, align: Align = "left"): void {
    const fitted = this.fit(text, style, max);
    let cx = align === "right" ? x + max - this.width_(fitted, style) : x;
    this.fill(style.color ?? INK);
    for (const run of fontRuns(fitted)) {
      this.use(run.face, style);
      this.doc.text(run.text, cx, baseline, { lineBreak: false, baseline: "alphabetic" });
      cx = this.doc.x;
    }
  }

  /** Greedy word wrap over mixed scripts (CJK may break between any two characters), at most `maxLines`. */
  private wrap(value: string, style: Style, max: number, maxLines: number): string[] {
    const lines: string[] = [];
    for (const paragraph of this.cleaner.clean(value).split(/\r?\n|\r/)) {
      const tokens = paragraph.match(/\s+|[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]|[^\s\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]+/g) ?? [""];
      let current = "";
      for (const token of tokens) {
        const next = current + token;
        if (!current || this.width_(next.trimEnd(), style) <= max) current = next;
        else {
          lines.push(current.trimEnd());
          current = token.trimStart();
        }
      }
      lines.push(current.trimEnd());
    }
    if (lines.length > maxLines) {
      const kept = lines.slice(0, maxLines);
      kept[maxLines - 1] = this.fit(kept[maxLines - 1] + " …", style, max);
      return kept;
    }
    return lines;
  }

  // -- page furniture --------------------------------------------------------

  startPage(page: number, total: number): void {
    const size = this.options.page_size === "a4" ? "A4" : "LETTER";
    this.doc.addPage({ size, layout: this.options.orientation ?? "portrait", margins: { top: 0, bottom: 0, left: 0, right: 0 } });
    // A new page starts with pdfkit's default graphics state.
    this.font = "";
    this.size = 0;
    this.color = "";
    if (page % LAYOUT_CACHE_PAGES === 0) resetLayoutCaches(this.doc);
    const y = this.height - 24;
    this.doc.moveTo(MARGIN, y - 12).lineTo(this.width - MARGIN, y - 12).lineWidth(0.5).strokeColor(RULE).stroke();
    const pageText = `Page ${formatInteger(page)} of ${formatInteger(total)}`;
    const style: Style = { size: 7, color: GREY };
    const pageWidth = this.width_(pageText, style);
    this.draw(pageText, this.width - MARGIN - pageWidth, y, style, pageWidth + 1);
    this.draw(this.footerText, MARGIN, y, style, this.contentWidth - pageWidth - 12);
  }

  // -- tables ----------------------------------------------------------------

  private columns(cols: Col[]): { x: number; w: number; col: Col }[] {
    let x = MARGIN;
    return cols.map((col) => {
      const w = col.share * this.contentWidth;
      const c = { x, w, col };
      x += w;
      return c;
    });
  }

  private tableHeader(p: Pager, cols: Col[]): void {
    if (p.drawing) {
      this.doc.rect(MARGIN, p.y, this.contentWidth, HEADER_H).fill(HEADER_FILL);
      this.color = HEADER_FILL;
      for (const c of this.columns(cols)) this.draw(c.col.header, c.x + 4, p.y + 11, { size: BODY, bold: true }, c.w - 8, c.col.align);
    }
    p.y += HEADER_H;
  }

  private tableRow(p: Pager, cols: Col[], cells: string[], index: number, style: Style = { size: BODY }): void {
    if (p.drawing) {
      if (index % 2 === 1) {
        this.doc.rect(MARGIN, p.y, this.contentWidth, ROW_H).fill(STRIPE);
        this.color = STRIPE;
      }
      this.columns(cols).forEach((c, i) => this.draw(cells[i] ?? "", c.x + 4, p.y + 10, style, c.w - 8, c.col.align));
    }
    p.y += ROW_H;
  }

  private textLine(p: Pager, text: string, style: Style, height: number): void {
    if (p.drawing) this.draw(text, MARGIN, p.y + height * 0.75, style, this.contentWidth);
    p.y += height;
  }

  // -- the report ------------------------------------------------------------

  /** The whole document; the same code runs for the dry run and for drawing. */
  async layout(p: Pager, rows: AsyncIterable<SourceMeasurement[]>, afterBatch: (n: number) => Promise<void>): Promise<void> {
    const { source } = this;
    p.newPage();
    const titleStyle: Style = { size: 18, bold: true };
    for (const l of this.wrap(source.type === "document" && source.document ? source.document.name : source.project.name, titleStyle, this.contentWidth, 3)) {
      this.textLine(p, l, titleStyle, 24);
    }
    const meta: Style = { size: 10, color: "#374151" };
    if (source.type === "document") this.textLine(p, `Project: ${this.line(source.project.name)}`, meta, 15);
    if (source.project.clientName) this.textLine(p, `Client: ${this.line(source.project.clientName)}`, meta, 15);
    if (source.project.description) {
      for (const l of this.wrap(source.project.description, { size: 9, color: GREY }, this.contentWidth, 6)) this.textLine(p, l, { size: 9, color: GREY }, 13);
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
    source.conditions.forEach((c, i) => {
      if (p.ensure(ROW_H)) this.tableHeader(p, summaryCols);
      const cells = [this.line(c.name), c.measurementType, this.line(c.unit), formatNumber2(c.totalQuantity), formatInteger(c.measurementCount)];
      if (this.showCosts) {
        cells.push(
          c.costs?.unit_cost != null ? formatMoney(c.costs.unit_cost) : "",
          c.costs?.total_with_markup != null ? formatMoney(c.costs.total_with_markup) : "",
        );
      }
      this.tableRow(p, summaryCols, cells, i);
    });
    if (this.showCosts) {
      p.y += 4;
      p.ensure(18);
      this.textLine(p, `Project Total (with markup): ${formatMoney(totalWithMarkup(source))}`, { size: 10, bold: true }, 18);
    }

    // One section per condition with measurements; rows arrive grouped by condition.
    const byId = new Map(source.conditions.map((c) => [c.id, c]));
    let current: SourceCondition | null = null;
    let index = 0;
    for await (const batch of rows) {
      for (const m of batch) {
        const c = byId.get(m.conditionId);
        if (!c) continue;
        if (c !== current) {
          current = c;
          index = 0;
          p.y += 14;
          p.ensure(20 + 15 + HEADER_H + ROW_H);
          this.textLine(p, `Condition: ${this.line(c.name)}`, { size: 12, bold: true }, 20);
          this.textLine(
            p,
            `Type: ${c.measurementType} | Unit: ${this.line(c.unit)} | Total: ${formatNumber2(c.totalQuantity)}`,
            { size: 9, color: GREY },
            15,
          );
          this.tableHeader(p, MEASUREMENT_COLUMNS);
        }
        if (p.ensure(ROW_H)) {
          this.textLine(p, `Condition: ${this.line(c.name)} (continued)`, { size: 9, bold: true, color: GREY }, 14);
          this.tableHeader(p, MEASUREMENT_COLUMNS);
        }
        const cells = p.drawing
          ? [
              m.pageNumber === null ? "" : String(m.pageNumber),
              this.line(m.sheetNumber ?? ""),
              m.geometryType,
              formatNumber2(m.quantity),
              this.line(m.unit),
            ]
          : [];
        this.tableRow(p, MEASUREMENT_COLUMNS, cells, index++);
      }
      await afterBatch(batch.length);
    }
  }
}

/**
 * pdfkit caches the layout of every distinct word for the whole document;
 * with many distinct values (quantities, notes) that cache grows without
 * bound. Clearing it every few pages keeps memory flat and most of the reuse.
 */
function resetLayoutCaches(doc: PDFKit.PDFDocument): void {
  const families = (doc as unknown as { _fontFamilies?: Record<string, { layoutCache?: object }> })._fontFamilies;
  if (!families) return;
  for (const font of Object.values(families)) if (font.layoutCache) font.layoutCache = Object.create(null);
}
