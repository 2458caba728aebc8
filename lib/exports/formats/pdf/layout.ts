/**
 * Page geometry, text styles and table columns of the report, and the Pager:
 * every line has a fixed height, so the same layout code can run once to
 * count pages and once to draw them.
 */
import type { NormalisedOptions } from "../../schemas";
import { tableHeader, type ColumnId } from "../columns";

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

/**
 * How wide each measurement column is, relative to the others, and its
 * alignment. The five of the §6.3 table add up to 1: alone they keep exactly
 * the widths they always had.
 */
const COLUMN_WEIGHTS: Record<ColumnId, { weight: number; align?: Align }> = {
  condition: { weight: 0.3 },
  document: { weight: 0.28 },
  page: { weight: 0.1 },
  sheet_number: { weight: 0.22 },
  sheet_title: { weight: 0.3 },
  geometry_type: { weight: 0.2 },
  quantity: { weight: 0.28, align: "right" },
  unit: { weight: 0.2 },
  coordinates: { weight: 0.6 },
  verified: { weight: 0.14 },
  ai_generated: { weight: 0.16 },
  notes: { weight: 0.45 },
  measurement_id: { weight: 0.55 },
  condition_id: { weight: 0.55 },
  building: { weight: 0.22 },
  area: { weight: 0.22 },
  elevation: { weight: 0.18 },
  category: { weight: 0.22 },
  scope: { weight: 0.22 },
  color: { weight: 0.15 },
  unit_cost: { weight: 0.2, align: "right" },
  extended_cost: { weight: 0.24, align: "right" },
};

/** The condition table's columns for a list of ids, sharing the content width by weight. */
export function measurementColumns(ids: readonly ColumnId[]): Col[] {
  const total = ids.reduce((sum, id) => sum + COLUMN_WEIGHTS[id].weight, 0);
  // Weights that already add up to 1 are the shares (the §6.3 table, unchanged to the last bit).
  const scale = Math.abs(total - 1) < 1e-9 ? 1 : 1 / total;
  return ids.map((id) => {
    const { weight, align } = COLUMN_WEIGHTS[id];
    const col: Col = { header: tableHeader(id), share: scale === 1 ? weight : weight * scale };
    if (align) col.align = align;
    return col;
  });
}

/** The §6.3 table of a document export. */
export const MEASUREMENT_COLUMNS: Col[] = measurementColumns(["page", "sheet_number", "geometry_type", "quantity", "unit"]);

/** A condition colour PDF can draw (`#RRGGBB`), else null (no swatch). */
export function swatchColour(color: string | null): string | null {
  return color && /^#[0-9a-f]{6}$/i.test(color) ? color : null;
}

/** Side of the colour square drawn beside a condition name, and the room it takes before the name. */
export const SWATCH = 7;
export const SWATCH_GAP = 11;

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
