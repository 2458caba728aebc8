/**
 * PDF renderer (SPEC §6.3): a printable report with embedded Noto fonts
 * (Latin/Greek/Cyrillic, CJK, Hangul, picked per text run). Every line is
 * drawn at an explicit position with a fixed height, so a quick dry run over
 * the row counts knows the page count before anything is written: the footer
 * says "page n of N" without buffering pages in memory.
 *
 * Memory: little outlives its page, but what a render allocates, and how
 * long it keeps it, decides how high the heap climbs before V8 collects it.
 * pdfkit shapes every string with fontkit (caching per word) and makes a
 * string and a buffer per operator; table cells are mostly distinct values,
 * so that came to ~70 KB of garbage a row. At that rate batches of rows and
 * page content lived through two young-generation GCs, were promoted, and the
 * old generation (and RSS) grew with the export until a full GC. So:
 * - table text that shaping leaves alone is set glyph by glyph from
 *   per-character and per-pair caches, same glyphs and kerning (PlainText);
 * - a page's operators are written as bytes into one reused buffer and given
 *   to pdfkit once (PageContent); anything else still goes through text();
 * - pdfkit's output goes out in 64 KB pieces as the output drains (OutputChunks);
 * - a batch is dropped before the next is read, and a written page's objects
 *   are released (releaseWrittenPage).
 */
import { once } from "node:events";
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

/**
 * What Noto Sans draws: Latin, IPA, Greek, Cyrillic (+ supplement and
 * extensions), phonetic extensions, Latin/Greek extended, punctuation,
 * currency, letterlike symbols, Latin ligatures.
 */
const LATIN_FACE: readonly [number, number][] = [
  [0x0000, 0x052f],
  [0x1c80, 0x1c8f],
  [0x1d00, 0x20cf],
  [0x2100, 0x214f],
  [0x2de0, 0x2dff],
  [0xa640, 0xa69f],
  [0xa720, 0xa7ff],
  [0xfb00, 0xfb06],
];
/** Text that the Latin face draws all of: one run. */
const LATIN_FACE_ONLY = new RegExp(`^[${LATIN_FACE.map(([a, b]) => `\\u${hex4(a)}-\\u${hex4(b)}`).join("")}]*$`);

function hex4(n: number): string {
  return n.toString(16).padStart(4, "0");
}

/** Which font draws a code point: Noto Sans for Latin/Greek/Cyrillic and common symbols, Noto Sans SC for CJK, the Hangul subset for Korean. */
function faceOf(cp: number): Face {
  if (cp < 0x0530) return "latin";
  if ((cp >= 0x1100 && cp <= 0x11ff) || (cp >= 0x3130 && cp <= 0x318f) || (cp >= 0xa960 && cp <= 0xa97f) || (cp >= 0xac00 && cp <= 0xd7ff)) {
    return "hangul";
  }
  return LATIN_FACE.some(([a, b]) => cp >= a && cp <= b) ? "latin" : "cjk";
}

type Run = { face: Face; text: string };

function fontName(face: Face, style: { bold?: boolean }): FontName {
  return face === "latin" ? (style.bold ? "latinBold" : "latin") : face;
}
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
// Text without a shaping pass per value
// ---------------------------------------------------------------------------

type FontkitGlyph = { id: number; advanceWidth: number; codePoints: number[] };
type FontkitRun = { glyphs: FontkitGlyph[]; positions: { xAdvance: number; yAdvance: number; xOffset: number; yOffset: number }[] };
/** The parts of pdfkit's EmbeddedFont (not in its type definitions) that setting glyphs ourselves needs. */
type EmbeddedFont = {
  id: string;
  /** Font units to 1/1000 em. */
  scale: number;
  font: { glyphForCodePoint(cp: number): FontkitGlyph; layout(text: string, features?: undefined, script?: string): FontkitRun };
  subset: { includeGlyph(id: number): number };
  widths: number[];
  unicode: number[][];
  ref(): unknown;
};

/**
 * Every OpenType script fontkit can pick for a word of the Latin face (Latin,
 * Greek, Cyrillic, Coptic, or only Common/Inherited characters: zzzz).
 */
export const LATIN_FACE_SCRIPTS = ["latn", "grek", "cyrl", "copt", "zzzz"];
/** Character pairs remembered per font; past this the memo starts over (bounded memory). */
const MAX_PAIRS = 50_000;

/** A character as drawn in one font: its glyph, advance (1/1000 em), and id in the font subset once drawn (-1 before). */
type CharGlyph = { glyph: FontkitGlyph; width: number; gid: number };

/**
 * Sets text in one font glyph by glyph, without fontkit's shaping pass per
 * string, where shaping does no more than pair kerning: each character is the
 * font's cmap glyph at its advance width, adjusted by a kerning value per
 * adjacent pair. fontkit itself decides that, once per character and once per
 * pair, under every script pdfkit could lay the text out in; text with a
 * ligature, mark, contextual form or any other adjustment is refused and goes
 * through pdfkit as before. The result is what pdfkit writes for the same
 * text: the same subset glyphs, widths, ToUnicode entries and kerning (which
 * pdfkit, too, does not apply from a space to the next word).
 */
export class PlainText {
  private readonly chars = new Map<number, CharGlyph | null>();
  /** Kerning after the first character of a pair (1/1000 em); null: the pair needs shaping. */
  private readonly pairs = new Map<number, number | null>();

  constructor(
    private readonly font: EmbeddedFont,
    private readonly scripts: readonly string[],
  ) {}

  /** Width of `text` in 1/1000 em, or null when it needs shaping. */
  width(text: string): number | null {
    let w = 0;
    let prev = -1;
    for (let i = 0; i < text.length; i++) {
      const cp = text.codePointAt(i)!;
      if (cp > 0xffff) i++;
      const c = this.char(cp);
      if (!c) return null;
      if (prev >= 0) {
        const kern = this.pair(prev, cp);
        if (kern === null) return null;
        w += kern;
      }
      w += c.width;
      prev = cp;
    }
    return w;
  }

  /**
   * Writes `text` as a `TJ` operand (`[<glyphs> kerning <glyphs>]`) and adds
   * its glyphs to the font subset. Only for text width() accepted.
   */
  writeTJ(text: string, out: PageBytes): void {
    out.ascii("[<");
    let prev = -1;
    for (let i = 0; i < text.length; i++) {
      const cp = text.codePointAt(i)!;
      if (cp > 0xffff) i++;
      const c = this.char(cp)!;
      if (prev >= 0) {
        const kern = this.pair(prev, cp)!;
        if (kern !== 0) {
          out.ascii("> ");
          out.num(-kern);
          out.ascii(" <");
        }
      }
      if (c.gid < 0) {
        // As pdfkit's EmbeddedFont.encode: the glyph's subset id, width and ToUnicode entry.
        c.gid = this.font.subset.includeGlyph(c.glyph.id);
        this.font.widths[c.gid] ??= c.glyph.advanceWidth * this.font.scale;
        this.font.unicode[c.gid] ??= c.glyph.codePoints;
      }
      out.hex4(c.gid);
      prev = cp;
    }
    out.ascii(">]");
  }

  private char(cp: number): CharGlyph | null {
    let c = this.chars.get(cp);
    if (c === undefined) {
      const glyph = this.font.font.glyphForCodePoint(cp);
      c = this.kerning(String.fromCodePoint(cp), [glyph]) === 0 ? { glyph, width: glyph.advanceWidth * this.font.scale, gid: -1 } : null;
      this.chars.set(cp, c);
    }
    return c;
  }

  private pair(a: number, b: number): number | null {
    // pdfkit lays out words separately, a space or tab ending the word before: nothing joins it to what follows.
    if (a === 0x20 || a === 0x09) return 0;
    const key = a * 0x110000 + b;
    let kern = this.pairs.get(key);
    if (kern === undefined) {
      if (this.pairs.size >= MAX_PAIRS) this.pairs.clear();
      kern = this.kerning(String.fromCodePoint(a, b), [this.chars.get(a)!.glyph, this.chars.get(b)!.glyph]);
      this.pairs.set(key, kern);
    }
    return kern;
  }

  /**
   * How fontkit lays `text` out: null unless as exactly `glyphs` at their
   * advance widths, except the first glyph's advance (the kerning, returned
   * in 1/1000 em), alike under every script.
   */
  private kerning(text: string, glyphs: FontkitGlyph[]): number | null {
    let kern: number | null = null;
    for (const script of this.scripts) {
      const run = this.font.font.layout(text, undefined, script);
      if (run.glyphs.length !== glyphs.length) return null;
      for (let i = 0; i < glyphs.length; i++) {
        const p = run.positions[i];
        if (run.glyphs[i].id !== glyphs[i].id || p.yAdvance || p.xOffset || p.yOffset) return null;
        if (i > 0 && p.xAdvance !== glyphs[i].advanceWidth) return null;
      }
      const k = (run.positions[0].xAdvance - glyphs[0].advanceWidth) * this.font.scale;
      if (kern !== null && k !== kern) return null;
      kern = k;
    }
    return kern;
  }
}

const RGB = new Map<string, string>();
/** "#RRGGBB" as PDF colour components. */
function rgb(hex: string): string {
  let c = RGB.get(hex);
  if (c === undefined) {
    const v = Number.parseInt(hex.slice(1), 16);
    c = [v >> 16, (v >> 8) & 0xff, v & 0xff].map((x) => String(Math.round((x / 255) * 1e4) / 1e4)).join(" ");
    RGB.set(hex, c);
  }
  return c;
}

const HEX = "0123456789abcdef";

/**
 * ASCII bytes of page operators, in one buffer reused from page to page:
 * writing a table cell allocates nothing.
 */
export class PageBytes {
  private buf = Buffer.allocUnsafe(64 * 1024);
  length = 0;

  ascii(s: string): void {
    this.room(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.length++] = s.charCodeAt(i);
  }

  /** A number rounded to a hundredth (of a point, or of 1/1000 em), without trailing zeros. */
  num(n: number): void {
    let v = Math.round(n * 100);
    this.room(24);
    if (v < 0) {
      this.buf[this.length++] = 0x2d; // -
      v = -v;
    }
    this.int(Math.floor(v / 100));
    const frac = v % 100;
    if (frac) {
      this.buf[this.length++] = 0x2e; // .
      this.buf[this.length++] = 0x30 + Math.floor(frac / 10);
      if (frac % 10) this.buf[this.length++] = 0x30 + (frac % 10);
    }
  }

  /** Four lowercase hex digits. */
  hex4(n: number): void {
    this.room(4);
    for (let shift = 12; shift >= 0; shift -= 4) this.buf[this.length++] = HEX.charCodeAt((n >> shift) & 0xf);
  }

  /** A copy of what was written (ending in a newline), and a fresh start. */
  take(): Uint8Array {
    this.ascii("\n");
    const out = new Uint8Array(this.buf.subarray(0, this.length));
    this.length = 0;
    return out;
  }

  private int(v: number): void {
    if (v >= 10) this.int(Math.floor(v / 10));
    this.buf[this.length++] = 0x30 + (v % 10);
  }

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(grown, 0, 0, this.length);
    this.buf = grown;
  }
}

/**
 * The current page's operators, handed to pdfkit in one piece when the page
 * is done or before pdfkit draws something itself (pdfkit's own drawing calls
 * make a string and a buffer per operator). Coordinates are pdfkit's: y grows
 * downwards (its page transform flips the page), so text uses a flipped text
 * matrix to stand upright.
 */
class PageContent {
  private readonly bytes = new PageBytes();
  private inText = false;
  private fillColor = "";
  private font: EmbeddedFont | null = null;
  private size = 0;

  constructor(private readonly doc: PDFKit.PDFDocument) {}

  /** A new page starts with the default graphics state. */
  newPage(): void {
    this.bytes.length = 0;
    this.inText = false;
    this.fillColor = "";
    this.font = null;
    this.size = 0;
  }

  rect(x: number, y: number, w: number, h: number, color: string): void {
    this.endText();
    this.fill(color);
    const b = this.bytes;
    b.num(x);
    b.ascii(" ");
    b.num(y);
    b.ascii(" ");
    b.num(w);
    b.ascii(" ");
    b.num(h);
    b.ascii(" re f\n");
  }

  hline(x1: number, x2: number, y: number, width: number, color: string): void {
    this.endText();
    const b = this.bytes;
    b.ascii(`${rgb(color)} RG `);
    b.num(width);
    b.ascii(" w ");
    b.num(x1);
    b.ascii(" ");
    b.num(y);
    b.ascii(" m ");
    b.num(x2);
    b.ascii(" ");
    b.num(y);
    b.ascii(" l S\n");
  }

  /** Text that `plain` accepted, in its font, with its baseline starting at (x, baseline). */
  text(plain: PlainText, font: EmbeddedFont, size: number, color: string, x: number, baseline: number, text: string): void {
    const b = this.bytes;
    if (!this.inText) {
      b.ascii("BT\n");
      this.inText = true;
    }
    this.fill(color);
    if (font !== this.font || size !== this.size) {
      const fonts = (this.doc.page as unknown as { fonts: Record<string, unknown> }).fonts;
      fonts[font.id] ??= font.ref();
      b.ascii(`/${font.id} `);
      b.num(size);
      b.ascii(" Tf\n");
      this.font = font;
      this.size = size;
    }
    b.ascii("1 0 0 -1 ");
    b.num(x);
    b.ascii(" ");
    b.num(baseline);
    b.ascii(" Tm ");
    plain.writeTJ(text, b);
    b.ascii(" TJ\n");
  }

  /** Sets the fill colour (also the one pdfkit's text() draws with). */
  fill(color: string): void {
    if (color !== this.fillColor) {
      this.bytes.ascii(rgb(color));
      this.bytes.ascii(" rg\n");
      this.fillColor = color;
    }
  }

  /** Writes what is pending to the page (pdfkit wraps its own drawing in q/Q, so the state here stays true). */
  flush(): void {
    this.endText();
    if (this.bytes.length) this.doc.addContent(this.bytes.take());
  }

  private endText(): void {
    if (this.inText) {
      this.bytes.ascii("ET\n");
      this.inText = false;
    }
  }
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
const BODY_STYLE: Style = { size: BODY };
const FOOTER_STYLE: Style = { size: 7, color: GREY };
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
  const output = new OutputChunks(out);
  doc.on("data", (chunk: Uint8Array) => output.write(chunk));
  const ended = once(doc, "end");

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
    await output.drain();
  });

  report.finish();
  doc.end();
  await ended;
  await output.drain(true);
  out.end();
  await finished(out, { readable: false });
  const warnings: string[] = [];
  cleaner.report(warnings);
  return { records, warnings };
}

/** Bytes handed to the output at a time. */
const OUTPUT_CHUNK = 64 * 1024;

/**
 * Between pdfkit and the output. pdfkit emits a buffer per token of every
 * object it writes, some twenty a page; piped as they were, each waited in
 * the output's queues (upload body, hasher, file) as a buffer and a queue
 * entry of its own, and under backpressure they lived long enough to be
 * promoted. Here they are copied into 64 KB pieces, which go out only as fast
 * as the output takes them (pdfkit itself writes synchronously and cannot wait).
 */
class OutputChunks {
  private buf = Buffer.allocUnsafe(OUTPUT_CHUNK);
  private length = 0;
  private readonly waiting: Uint8Array[] = [];

  constructor(private readonly out: Writable) {}

  write(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.length === this.buf.length) this.seal();
      const n = Math.min(chunk.length - offset, this.buf.length - this.length);
      this.buf.set(chunk.subarray(offset, offset + n), this.length);
      this.length += n;
      offset += n;
    }
  }

  /** Hands the full pieces to the output, waiting whenever it asks to; `all`: the last, partly filled one too. */
  async drain(all = false): Promise<void> {
    if (all) this.seal();
    for (;;) {
      // drained() rejects at once when the output has failed or closed.
      while (this.out.destroyed || needsDrain(this.out)) await drained(this.out);
      const next = this.waiting.shift();
      if (!next) return;
      this.out.write(next);
    }
  }

  private seal(): void {
    if (!this.length) return;
    this.waiting.push(this.buf.subarray(0, this.length));
    this.buf = Buffer.allocUnsafe(OUTPUT_CHUNK);
    this.length = 0;
  }
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
  private readonly content: PageContent;
  private readonly plain = new Map<FontName, { font: EmbeddedFont; text: PlainText }>();

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
    this.content = new PageContent(doc);
  }

  /** Writes the last page's pending content; call before `doc.end()`. */
  finish(): void {
    this.content.flush();
  }

  // -- text primitives ------------------------------------------------------

  /** One line of text: control characters removed, line breaks flattened. */
  private line(value: string): string {
    return this.cleaner.clean(value).replace(/[\r\n\t]+/g, " ");
  }

  private font = "";
  private size = 0;

  /** Selects font and size for pdfkit's own text calls, skipping them when nothing changes. */
  private use(name: FontName, size: number): void {
    if (name !== this.font) {
      this.doc.font(name);
      this.font = name;
    }
    if (size !== this.size) {
      this.doc.fontSize(size);
      this.size = size;
    }
  }

  /** The glyph-by-glyph setter of a Latin face; null for CJK and Hangul, which pdfkit shapes. */
  private plainText(name: FontName): { font: EmbeddedFont; text: PlainText } | null {
    if (name !== "latin" && name !== "latinBold") return null;
    let p = this.plain.get(name);
    if (!p) {
      this.use(name, this.size || BODY);
      const font = (this.doc as unknown as { _font: EmbeddedFont })._font;
      p = { font, text: new PlainText(font, LATIN_FACE_SCRIPTS) };
      this.plain.set(name, p);
    }
    return p;
  }

  width_(text: string, style: Style): number {
    if (LATIN_FACE_ONLY.test(text)) {
      const plain = this.plainText(fontName("latin", style))!.text.width(text);
      if (plain !== null) return (plain * style.size) / 1000;
    }
    let w = 0;
    for (const run of fontRuns(text)) {
      const name = fontName(run.face, style);
      const plain = this.plainText(name)?.text.width(run.text);
      if (plain != null) w += (plain * style.size) / 1000;
      else {
        this.use(name, style.size);
        w += this.doc.widthOfString(run.text);
      }
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
    if (!fitted) return;
    const color = style.color ?? INK;
    if (LATIN_FACE_ONLY.test(fitted)) {
      // One Latin run, as nearly every cell is: measured and written without a string in between.
      const plain = this.plainText(fontName("latin", style))!;
      const width = plain.text.width(fitted);
      if (width !== null) {
        const left = align === "right" ? x + max - (width * style.size) / 1000 : x;
        this.content.text(plain.text, plain.font, style.size, color, left, baseline, fitted);
        return;
      }
    }
    let cx = align === "right" ? x + max - this.width_(fitted, style) : x;
    for (const run of fontRuns(fitted)) {
      const name = fontName(run.face, style);
      const plain = this.plainText(name);
      const width = plain?.text.width(run.text);
      if (plain && width != null) {
        this.content.text(plain.text, plain.font, style.size, color, cx, baseline, run.text);
        cx += (width * style.size) / 1000;
      } else {
        // pdfkit writes at once: what is pending goes first, with the colour it draws in.
        this.content.fill(color);
        this.content.flush();
        this.use(name, style.size);
        this.doc.text(run.text, cx, baseline, { lineBreak: false, baseline: "alphabetic" });
        cx = this.doc.x;
      }
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
    const pageWidth = this.width_(pageText, FOOTER_STYLE);
    this.draw(pageText, this.width - MARGIN - pageWidth, y, FOOTER_STYLE, pageWidth + 1);
    const max = this.contentWidth - pageWidth - 12;
    // The same text every page, and a long one: cut it once per width, not on every page.
    let footer = this.footerFits.get(max);
    if (footer === undefined) {
      footer = this.fit(this.footerText, FOOTER_STYLE, max);
      this.footerFits.set(max, footer);
    }
    this.draw(footer, MARGIN, y, FOOTER_STYLE, max);
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
      for (const c of this.columns(cols)) this.draw(c.col.header, c.x + 4, p.y + 11, { size: BODY, bold: true }, c.w - 8, c.col.align);
    }
    p.y += HEADER_H;
  }

  private tableRow(p: Pager, cols: Col[], cells: string[], index: number, style: Style = BODY_STYLE): void {
    if (p.drawing) {
      if (index % 2 === 1) {
        this.content.rect(MARGIN, p.y, this.contentWidth, ROW_H, STRIPE);
      }
      const placed = this.columns(cols);
      for (let i = 0; i < placed.length; i++) {
        const c = placed[i];
        this.draw(cells[i] ?? "", c.x + 4, p.y + 10, style, c.w - 8, c.col.align);
      }
    }
    p.y += ROW_H;
  }

  private textLine(p: Pager, text: string, style: Style, height: number): void {
    if (p.drawing) this.draw(text, MARGIN, p.y + height * 0.75, style, this.contentWidth);
    p.y += height;
  }

  // -- the report ------------------------------------------------------------

  /** The cells of a measurement row, refilled for each row. */
  private readonly cells: string[] = ["", "", "", "", ""];

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
          const cells = this.cells;
          if (p.drawing) {
            cells[0] = m.pageNumber === null ? "" : String(m.pageNumber);
            cells[1] = this.line(m.sheetNumber ?? "");
            cells[2] = m.geometryType;
            cells[3] = formatNumber2(m.quantity);
            cells[4] = this.line(m.unit);
          }
          this.tableRow(p, MEASUREMENT_COLUMNS, cells, index++);
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

/**
 * Lets go of what pdfkit keeps of a page that has been written. The page tree
 * lists every page dictionary until the document ends, and each dictionary
 * holds the page's content stream and resources objects: about 1.5 KB a page,
 * for nothing, since writing the tree needs only their object numbers.
 */
export function releaseWrittenPage(page: PDFKit.PDFPage): void {
  const dictionary = page.dictionary as unknown as { data: object; offset?: number };
  // `offset` is set when pdfkit writes the object; a page not yet written keeps everything.
  if (dictionary.offset !== undefined) dictionary.data = {};
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
