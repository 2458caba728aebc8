/**
 * Everything the PDF renderer uses of pdfkit beyond its documented API:
 * private fields, its EmbeddedFont class (left out of its type definitions),
 * and the fontkit font reached through it. Nothing else in the renderer looks
 * inside pdfkit's objects.
 *
 * Written against pdfkit PDFKIT_VERSION. tests/unit/formats/pdfkit-internals.test.ts
 * fails when another version is installed, and checks on a real document that
 * every field and method used here is still there. After an upgrade, re-read
 * each function here against the new pdfkit source (js/pdfkit.js) first.
 */

/** The pdfkit version (package.json pins it) whose internals this file was written against. */
export const PDFKIT_VERSION = "0.20.2";

export type FontkitGlyph = { id: number; advanceWidth: number; codePoints: number[] };
export type FontkitRun = { glyphs: FontkitGlyph[]; positions: { xAdvance: number; yAdvance: number; xOffset: number; yOffset: number }[] };
/** fontkit's own (public) API, on the font pdfkit embeds from. */
export type FontkitFont = {
  glyphForCodePoint(cp: number): FontkitGlyph;
  layout(text: string, features?: undefined, script?: string): FontkitRun;
};

declare const embeddedFont: unique symbol;
/** A font as pdfkit embeds it; opaque outside this file. */
export type PdfkitFont = { readonly [embeddedFont]: never };

/** The parts of pdfkit's EmbeddedFont that setting glyphs ourselves needs. */
type EmbeddedFont = {
  /** Its resource name on a page ("F1"). */
  id: string;
  /** Font units to 1/1000 em. */
  scale: number;
  font: FontkitFont;
  subset: { includeGlyph(id: number): number };
  widths: number[];
  unicode: number[][];
  ref(): unknown;
};

function embedded(font: PdfkitFont): EmbeddedFont {
  return font as unknown as EmbeddedFont;
}

/** The font that pdfkit's last `font()` call selected. */
export function currentFont(doc: PDFKit.PDFDocument): PdfkitFont {
  return (doc as unknown as { _font: PdfkitFont })._font;
}

export function fontkitFont(font: PdfkitFont): FontkitFont {
  return embedded(font).font;
}

/** Font units to 1/1000 em. */
export function fontScale(font: PdfkitFont): number {
  return embedded(font).scale;
}

/**
 * Adds a glyph to the font subset as pdfkit's EmbeddedFont.encode does: the
 * glyph's subset id (returned), its width and its ToUnicode entry.
 */
export function includeGlyph(font: PdfkitFont, glyph: FontkitGlyph): number {
  const f = embedded(font);
  const gid = f.subset.includeGlyph(glyph.id);
  f.widths[gid] ??= glyph.advanceWidth * f.scale;
  f.unicode[gid] ??= glyph.codePoints;
  return gid;
}

/** Lists the font in the current page's resources, as pdfkit's text() does, and returns its name there. */
export function fontOnPage(doc: PDFKit.PDFDocument, font: PdfkitFont): string {
  const f = embedded(font);
  const fonts = doc.page.fonts as Record<string, unknown>;
  fonts[f.id] ??= f.ref();
  return f.id;
}

/** Appends operators to the current page's content stream, as pdfkit's own drawing calls do. */
export function addPageContent(doc: PDFKit.PDFDocument, bytes: Uint8Array): void {
  doc.addContent(bytes);
}

/** A page's dictionary object: its entries, and where pdfkit wrote it (set once written). */
export type PageDictionary = { data: object; offset?: number };

export function pageDictionary(page: PDFKit.PDFPage): PageDictionary {
  return page.dictionary as unknown as PageDictionary;
}

/**
 * Lets go of what pdfkit keeps of a page that has been written. The page tree
 * lists every page dictionary until the document ends, and each dictionary
 * holds the page's content stream and resources objects: about 1.5 KB a page,
 * for nothing, since writing the tree needs only their object numbers.
 */
export function releaseWrittenPage(page: PDFKit.PDFPage): void {
  const dictionary = pageDictionary(page);
  // `offset` is set when pdfkit writes the object; a page not yet written keeps everything.
  if (dictionary.offset !== undefined) dictionary.data = {};
}

/**
 * pdfkit caches the layout of every distinct word for the whole document;
 * with many distinct values (quantities, notes) that cache grows without
 * bound. Clearing it every few pages keeps memory flat and most of the reuse.
 */
export function resetLayoutCaches(doc: PDFKit.PDFDocument): void {
  const families = (doc as unknown as { _fontFamilies?: Record<string, { layoutCache?: object }> })._fontFamilies;
  if (!families) return;
  for (const font of Object.values(families)) if (font.layoutCache) font.layoutCache = Object.create(null);
}
