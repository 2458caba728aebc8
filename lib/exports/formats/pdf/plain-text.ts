import type { PageBytes } from "./page-bytes";
import { fontkitFont, fontScale, includeGlyph, type FontkitFont, type FontkitGlyph, type PdfkitFont } from "./pdfkit-internals";

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
  private readonly fontkit: FontkitFont;
  /** Font units to 1/1000 em. */
  private readonly scale: number;

  constructor(
    readonly font: PdfkitFont,
    private readonly scripts: readonly string[],
  ) {
    this.fontkit = fontkitFont(font);
    this.scale = fontScale(font);
  }

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
      if (c.gid < 0) c.gid = includeGlyph(this.font, c.glyph);
      out.hex4(c.gid);
      prev = cp;
    }
    out.ascii(">]");
  }

  private char(cp: number): CharGlyph | null {
    let c = this.chars.get(cp);
    if (c === undefined) {
      const glyph = this.fontkit.glyphForCodePoint(cp);
      c = this.kerning(String.fromCodePoint(cp), [glyph]) === 0 ? { glyph, width: glyph.advanceWidth * this.scale, gid: -1 } : null;
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
      const run = this.fontkit.layout(text, undefined, script);
      if (run.glyphs.length !== glyphs.length) return null;
      for (let i = 0; i < glyphs.length; i++) {
        const p = run.positions[i];
        if (run.glyphs[i].id !== glyphs[i].id || p.yAdvance || p.xOffset || p.yOffset) return null;
        if (i > 0 && p.xAdvance !== glyphs[i].advanceWidth) return null;
      }
      const k = (run.positions[0].xAdvance - glyphs[0].advanceWidth) * this.scale;
      if (kern !== null && k !== kern) return null;
      kern = k;
    }
    return kern;
  }
}
