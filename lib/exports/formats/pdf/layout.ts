/**
 * Page geometry, text styles and table columns of the report, and the Pager:
 * every line has a fixed height, so the same layout code can run once to
 * count pages and once to draw them.
 */
import type { NormalisedOptions } from "../../schemas";

export const MARGIN = 40;
const FOOTER_GAP = 44; // content stops this far above the bottom edge
export const ROW_H = 14;
export const HEADER_H = 16;
export const BODY = 8; // table font size
export const GREY = "#6B7280";
export const INK = "#111827";
export const RULE = "#D1D5DB";
export const STRIPE = "#F3F4F6";
export const HEADER_FILL = "#E5E7EB";
export const BODY_STYLE: Style = { size: BODY };
export const FOOTER_STYLE: Style = { size: 7, color: GREY };
/** How many pages pdfkit's word-layout cache may span before it is cleared (bounded memory, most reuse kept). */
export const LAYOUT_CACHE_PAGES = 25;

export type Style = { size: number; bold?: boolean; color?: string };
export type Align = "left" | "right";
export type Col = { header: string; share: number; align?: Align };

export const MEASUREMENT_COLUMNS: Col[] = [
  { header: "Page", share: 0.1 },
  { header: "Sheet #", share: 0.22 },
  { header: "Geometry", share: 0.2 },
  { header: "Quantity", share: 0.28, align: "right" },
  { header: "Unit", share: 0.2 },
];

/** Width and height in points of the page the options ask for. */
export function pageSize(options: NormalisedOptions): [number, number] {
  const [w, h] = options.page_size === "a4" ? [595.28, 841.89] : [612, 792];
  return options.orientation === "landscape" ? [h, w] : [w, h];
}

/** What the Pager needs of the report: the page height, and a new page's furniture drawn. */
type Pages = { readonly height: number; startPage(page: number, total: number): void };

/** Pages and the vertical cursor; draws only when it knows the page count (pass 2). */
export class Pager {
  page = 0;
  y = 0;

  constructor(
    private readonly report: Pages,
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
