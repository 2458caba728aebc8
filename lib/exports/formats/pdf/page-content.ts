import { PageBytes } from "./page-bytes";
import { addPageContent, fontOnPage, type PdfkitFont } from "./pdfkit-internals";
import type { PlainText } from "./plain-text";

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

/**
 * The current page's operators, handed to pdfkit in one piece when the page
 * is done or before pdfkit draws something itself (pdfkit's own drawing calls
 * make a string and a buffer per operator). Coordinates are pdfkit's: y grows
 * downwards (its page transform flips the page), so text uses a flipped text
 * matrix to stand upright.
 */
export class PageContent {
  private readonly bytes = new PageBytes();
  private inText = false;
  private fillColor = "";
  private font: PdfkitFont | null = null;
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
  text(plain: PlainText, size: number, color: string, x: number, baseline: number, text: string): void {
    const b = this.bytes;
    if (!this.inText) {
      b.ascii("BT\n");
      this.inText = true;
    }
    this.fill(color);
    const font = plain.font;
    if (font !== this.font || size !== this.size) {
      b.ascii(`/${fontOnPage(this.doc, font)} `);
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
    if (this.bytes.length) addPageContent(this.doc, this.bytes.take());
  }

  private endText(): void {
    if (this.inText) {
      this.bytes.ascii("ET\n");
      this.inText = false;
    }
  }
}
