/**
 * pdfkit-internals.ts reaches into pdfkit beyond its documented API. A pdfkit
 * upgrade that moved any of it would not fail there: fonts would go unlisted
 * on a page, or memory would grow with the export again. So these checks look
 * at a real pdfkit document; besides pdfkit-internals.ts, this is the one
 * place that looks inside pdfkit's objects.
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import PDFDocument from "pdfkit";
import { describe, expect, it } from "vitest";
import { FONTS_DIR } from "@/lib/exports/formats/pdf";
import {
  addPageContent,
  currentFont,
  fontkitFont,
  fontOnPage,
  fontScale,
  includeGlyph,
  pageDictionary,
  PDFKIT_VERSION,
  releaseWrittenPage,
  resetLayoutCaches,
} from "@/lib/exports/formats/pdf/pdfkit-internals";

function installedPdfkitVersion(): string {
  // pdfkit's "exports" leave out its package.json: look for it above the entry point.
  let dir = path.dirname(createRequire(import.meta.url).resolve("pdfkit"));
  for (;;) {
    const file = path.join(dir, "package.json");
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, "utf8")) as { name?: string; version: string };
      if (pkg.name === "pdfkit") return pkg.version;
    }
    if (path.dirname(dir) === dir) throw new Error("pdfkit's package.json not found");
    dir = path.dirname(dir);
  }
}

/** pdfkit's EmbeddedFont as this test sees it: nothing is taken for granted until checked. */
type RawFont = {
  id?: unknown;
  scale?: unknown;
  widths: unknown[];
  unicode: unknown[];
  ref?: unknown;
  subset?: { includeGlyph?: unknown };
  font?: { glyphForCodePoint?: unknown; layout?: unknown; unitsPerEm?: number };
  encode(text: string): [string[], unknown];
  layoutCache: object;
};
const rawFont = (doc: PDFKit.PDFDocument) => (doc as unknown as { _font: RawFont })._font;
const fontFamilies = (doc: PDFKit.PDFDocument) => (doc as unknown as { _fontFamilies: Record<string, RawFont> })._fontFamilies;

/** An uncompressed document with Noto Sans selected, and its bytes once ended. */
function notoSans() {
  const doc = new PDFDocument({ autoFirstPage: false, compress: false });
  const chunks: Buffer[] = [];
  doc.on("data", (chunk: Buffer) => chunks.push(chunk));
  const bytes = new Promise<string>((resolve) => doc.on("end", () => resolve(Buffer.concat(chunks).toString("latin1"))));
  doc.registerFont("latin", fs.readFileSync(path.join(FONTS_DIR, "NotoSans-Regular.ttf")));
  doc.font("latin");
  return { doc, bytes };
}

describe("pdfkit internals", () => {
  it("are those of the installed pdfkit version", () => {
    const installed = installedPdfkitVersion();
    expect(
      installed,
      `pdfkit ${installed} is installed, but lib/exports/formats/pdf/pdfkit-internals.ts was written against pdfkit ${PDFKIT_VERSION}: ` +
        "re-check every function there against the new pdfkit source, then update PDFKIT_VERSION",
    ).toBe(PDFKIT_VERSION);
  });

  it("a selected font is pdfkit's EmbeddedFont, with the fields and methods setting glyphs relies on", () => {
    const { doc } = notoSans();
    const font = rawFont(doc);
    expect(currentFont(doc)).toBe(font);
    expect(font).toMatchObject({
      id: expect.stringMatching(/^F\d+$/),
      scale: expect.any(Number),
      widths: expect.any(Array),
      unicode: expect.any(Array),
    });
    expect(typeof font.ref).toBe("function");
    expect(typeof font.subset?.includeGlyph).toBe("function");
    expect(typeof font.font?.glyphForCodePoint).toBe("function");
    expect(typeof font.font?.layout).toBe("function");

    const fontkit = fontkitFont(currentFont(doc));
    expect(fontkit).toBe(font.font);
    expect(fontScale(currentFont(doc))).toBe(1000 / font.font!.unitsPerEm!);
    // fontkit's layout(text, features, script), as PlainText calls it.
    const run = fontkit.layout("AV", undefined, "latn");
    expect(run.glyphs.map((g) => g.id)).toEqual(["A", "V"].map((ch) => fontkit.glyphForCodePoint(ch.codePointAt(0)!).id));
    expect(run.positions[0]).toMatchObject({ xAdvance: expect.any(Number), yAdvance: 0, xOffset: 0, yOffset: 0 });
  });

  it("a glyph joins the font subset with the id, width and ToUnicode entry pdfkit's own encode gives it", () => {
    const { doc } = notoSans();
    const font = currentFont(doc);
    const glyph = fontkitFont(font).glyphForCodePoint(0x41);
    const gid = includeGlyph(font, glyph);
    const raw = rawFont(doc);
    expect(raw.widths[gid]).toBe(glyph.advanceWidth * fontScale(font));
    expect(raw.unicode[gid]).toEqual([0x41]);
    const [encoded] = raw.encode("A");
    expect(encoded).toEqual([gid.toString(16).padStart(4, "0")]);
  });

  it("page content and fonts added from outside pdfkit are written with the page", async () => {
    const { doc, bytes } = notoSans();
    doc.addPage();
    const font = currentFont(doc);
    const name = fontOnPage(doc, font);
    expect(name).toBe(rawFont(doc).id);
    expect(fontOnPage(doc, font)).toBe(name);
    const gid = includeGlyph(font, fontkitFont(font).glyphForCodePoint(0x41)).toString(16).padStart(4, "0");
    const operators = `BT /${name} 12 Tf 1 0 0 -1 50 50 Tm [<${gid}>] TJ ET`;
    addPageContent(doc, new TextEncoder().encode(`${operators}\n`));
    doc.end();
    const pdf = await bytes;
    expect(pdf).toContain(operators);
    expect(pdf).toMatch(new RegExp(`/Font <<\\s*/${name} \\d+ 0 R`));
    expect(pdf).toContain("/FontFile2");
  });

  it("a page's dictionary takes an offset when pdfkit writes it, after which its entries can go", async () => {
    const { doc, bytes } = notoSans();
    doc.addPage();
    const first = doc.page;
    expect(pageDictionary(first).data).toHaveProperty("Contents");
    expect(pageDictionary(first).offset).toBeUndefined();
    doc.addPage();
    expect(pageDictionary(first).offset).toEqual(expect.any(Number));
    releaseWrittenPage(first);
    expect(pageDictionary(first).data).toEqual({});
    doc.end();
    expect(await bytes).toMatch(/\/Count 2/);
  });

  it("word layouts are cached in each font's layoutCache, which resetLayoutCaches empties", () => {
    const { doc } = notoSans();
    doc.fontSize(10).widthOfString("Quantity");
    const font = rawFont(doc);
    expect(Object.values(fontFamilies(doc))).toContain(font);
    expect(Object.keys(font.layoutCache)).toContain("Quantity");
    resetLayoutCaches(doc);
    expect(Object.keys(font.layoutCache)).toEqual([]);
  });
});
