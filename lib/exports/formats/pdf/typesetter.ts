/**
 * Lines of text on the page: measured, cut to fit, wrapped, and drawn run by
 * run in the font of each script. Latin runs go glyph by glyph through
 * PlainText into the page content; whatever needs shaping goes through pdfkit.
 */
import type { XmlTextCleaner } from "../../sanitize";
import { fontName, fontRuns, LATIN_FACE_ONLY, type FontName } from "./fonts";
import { BODY, INK, type Align, type Style } from "./layout";
import type { PageContent } from "./page-content";
import { currentFont } from "./pdfkit-internals";
import { LATIN_FACE_SCRIPTS, PlainText } from "./plain-text";

export class Typesetter {
  private font = "";
  private size = 0;
  private readonly plain = new Map<FontName, PlainText>();

  constructor(
    private readonly doc: PDFKit.PDFDocument,
    private readonly content: PageContent,
    private readonly cleaner: XmlTextCleaner,
  ) {}

  /** One line of text: control characters removed, line breaks flattened. */
  line(value: string): string {
    return this.cleaner.clean(value).replace(/[\r\n\t]+/g, " ");
  }

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
  private plainText(name: FontName): PlainText | null {
    if (name !== "latin" && name !== "latinBold") return null;
    let p = this.plain.get(name);
    if (!p) {
      this.use(name, this.size || BODY);
      p = new PlainText(currentFont(this.doc), LATIN_FACE_SCRIPTS);
      this.plain.set(name, p);
    }
    return p;
  }

  width(text: string, style: Style): number {
    if (LATIN_FACE_ONLY.test(text)) {
      const plain = this.plainText(fontName("latin", style))!.width(text);
      if (plain !== null) return (plain * style.size) / 1000;
    }
    let w = 0;
    for (const run of fontRuns(text)) {
      const name = fontName(run.face, style);
      const plain = this.plainText(name)?.width(run.text);
      if (plain != null) w += (plain * style.size) / 1000;
      else {
        this.use(name, style.size);
        w += this.doc.widthOfString(run.text);
      }
    }
    return w;
  }

  /** `text` cut with an ellipsis so that it fits `max` points. */
  fit(text: string, style: Style, max: number): string {
    // Cheap bound first: no glyph here is wider than 1.1 em.
    if (text.length * style.size * 1.1 <= max || this.width(text, style) <= max) return text;
    const chars = Array.from(text);
    let lo = 0;
    let hi = chars.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (this.width(chars.slice(0, mid).join("").trimEnd() + "…", style) <= max) lo = mid;
      else hi = mid - 1;
    }
    return chars.slice(0, lo).join("").trimEnd() + "…";
  }

  /** Draws one line with its baseline at `baseline`, cut to `max` points. */
  draw(text: string, x: number, baseline: number, style: Style, max: number, align: Align = "left"): void {
    const fitted = this.fit(text, style, max);
    if (!fitted) return;
    const color = style.color ?? INK;
    if (LATIN_FACE_ONLY.test(fitted)) {
      // One Latin run, as nearly every cell is: measured and written without a string in between.
      const plain = this.plainText(fontName("latin", style))!;
      const width = plain.width(fitted);
      if (width !== null) {
        const left = align === "right" ? x + max - (width * style.size) / 1000 : x;
        this.content.text(plain, style.size, color, left, baseline, fitted);
        return;
      }
    }
    let cx = align === "right" ? x + max - this.width(fitted, style) : x;
    for (const run of fontRuns(fitted)) {
      const name = fontName(run.face, style);
      const plain = this.plainText(name);
      const width = plain?.width(run.text);
      if (plain && width != null) {
        this.content.text(plain, style.size, color, cx, baseline, run.text);
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
  wrap(value: string, style: Style, max: number, maxLines: number): string[] {
    const lines: string[] = [];
    for (const paragraph of this.cleaner.clean(value).split(/\r?\n|\r/)) {
      const tokens = paragraph.match(
        /\s+|[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]|[^\s\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]+/g,
      ) ?? [""];
      let current = "";
      for (const token of tokens) {
        const next = current + token;
        if (!current || this.width(next.trimEnd(), style) <= max) current = next;
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
}
