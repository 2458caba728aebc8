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
 *   per-character and per-pair caches, same glyphs and kerning (PlainText,
 *   plain-text.ts);
 * - a page's operators are written as bytes into one reused buffer and given
 *   to pdfkit once (PageContent, page-content.ts); anything else still goes
 *   through text() (typesetter.ts);
 * - pdfkit's output goes out in 64 KB pieces as the output drains (OutputChunks);
 * - a batch is dropped before the next is read, and a written page's objects
 *   are released (releaseWrittenPage).
 *
 * fonts.ts picks the font per script, layout.ts and report.ts place the lines,
 * and pdfkit-internals.ts holds all that the renderer needs of pdfkit beyond
 * its documented API.
 */
import { once } from "node:events";
import type { Writable } from "node:stream";
import { finished } from "node:stream/promises";
import PDFDocument from "pdfkit";
import { XmlTextCleaner } from "../../sanitize";
import type { NormalisedOptions } from "../../schemas";
import { drained, needsDrain } from "../writes";
import type { ExportSource, Progress, Renderer, RenderResult, SourceMeasurement } from "../types";
import { registerFonts } from "./fonts";
import { Pager } from "./layout";
import { Report } from "./report";

export { FONTS_DIR, fontRuns } from "./fonts";
export { PageBytes } from "./page-bytes";
export { releaseWrittenPage } from "./pdfkit-internals";
export { LATIN_FACE_SCRIPTS, PlainText } from "./plain-text";

export const pdf: Renderer = {
  format: "pdf",
  extension: "pdf",
  contentType: "application/pdf",
  description: "Printable report: project summary and a table per condition.",
  render: (source, options, out, progress) => renderPdf(source, options, out, progress),
};

export async function renderPdf(
  source: ExportSource,
  options: NormalisedOptions,
  out: Writable,
  progress: Progress,
): Promise<RenderResult> {
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
  registerFonts(doc);
  const output = new OutputChunks(out);
  doc.on("data", (chunk: Uint8Array) => output.write(chunk));
  const ended = once(doc, "end");

  const cleaner = new XmlTextCleaner();
  const report = new Report(doc, source, options, cleaner);

  // Pass 1 counts pages from row counts alone; pass 2 draws with the same decisions.
  const dry = new Pager(report, null);
  const maps = () => (options.takeoff_maps ? source.measurementsByPage() : undefined);
  await report.layout(dry, placeholderRows(source), async () => {}, maps());
  const totalPages = dry.page;

  let records = 0;
  const live = new Pager(report, totalPages);
  await report.layout(
    live,
    source.measurements(),
    async (n) => {
      records += n;
      await progress.advance(n);
      await output.drain();
    },
    maps(),
  );

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
