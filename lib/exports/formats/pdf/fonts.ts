/**
 * The embedded Noto fonts, and which of them draws each character: text is
 * split into runs of one font (Latin/Greek/Cyrillic, CJK, Hangul).
 */
import fs from "node:fs";
import path from "node:path";

export const FONTS_DIR = path.join(process.cwd(), "assets", "fonts");
const FONT_FILES = {
  latin: "NotoSans-Regular.ttf",
  latinBold: "NotoSans-Bold.ttf",
  cjk: "NotoSansSC-Regular.ttf",
  hangul: "NotoSansKR-Hangul.ttf",
} as const;
export type FontName = keyof typeof FONT_FILES;
type Face = "latin" | "cjk" | "hangul";

let fontBuffers: Record<FontName, Buffer> | undefined;

/** Read once per process; pdfkit parses them per document and embeds only the glyphs used. */
function fonts(): Record<FontName, Buffer> {
  fontBuffers ??= Object.fromEntries(
    Object.entries(FONT_FILES).map(([name, file]) => [name, fs.readFileSync(path.join(FONTS_DIR, file))]),
  ) as Record<FontName, Buffer>;
  return fontBuffers;
}

/** Makes every font available to `doc` under its FontName. */
export function registerFonts(doc: PDFKit.PDFDocument): void {
  for (const [name, data] of Object.entries(fonts())) doc.registerFont(name, data);
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
export const LATIN_FACE_ONLY = new RegExp(`^[${LATIN_FACE.map(([a, b]) => `\\u${hex4(a)}-\\u${hex4(b)}`).join("")}]*$`);

function hex4(n: number): string {
  return n.toString(16).padStart(4, "0");
}

/** Which font draws a code point: Noto Sans for Latin/Greek/Cyrillic and common symbols, Noto Sans SC for CJK, the Hangul subset for Korean. */
function faceOf(cp: number): Face {
  if (cp < 0x0530) return "latin";
  if (
    (cp >= 0x1100 && cp <= 0x11ff) ||
    (cp >= 0x3130 && cp <= 0x318f) ||
    (cp >= 0xa960 && cp <= 0xa97f) ||
    (cp >= 0xac00 && cp <= 0xd7ff)
  ) {
    return "hangul";
  }
  return LATIN_FACE.some(([a, b]) => cp >= a && cp <= b) ? "latin" : "cjk";
}

type Run = { face: Face; text: string };

export function fontName(face: Face, style: { bold?: boolean }): FontName {
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
