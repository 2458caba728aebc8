/**
 * Takeoff map pages of the PDF (SPEC §12.4): after the Project Summary, one
 * page per drawing page with measurements, drawn from the format-free
 * primitives of lib/takeoff/map (the SVG route draws the same groups).
 *
 * Memory: rows arrive in By-Page order and only one page's measurements are
 * held at a time (the grouping below), never the whole export's geometry.
 * Each page is exactly one PDF page (the legend has a bounded height), so the
 * dry run only has to count pages.
 */
import { layoutMap, mapTitle, type Box, type MapCondition, type MapGroup, type MapMeasurement, type PageNaming } from "@/lib/takeoff/map";
import { formatInteger, formatNumber2 } from "../text-format";
import type { SourceCondition, SourceMeasurement } from "../types";
import { GREY, MARGIN, RULE, type Style } from "./layout";
import type { PageContent } from "./page-content";
import type { Typesetter } from "./typesetter";

/** One drawing page's measurements (none kept when only counting). */
export type MapPageRows = { naming: Omit<PageNaming, "documentName"> & { documentName: string }; measurements: MapMeasurement[] };

/**
 * Groups By-Page rows into drawing pages, one page held at a time. Rows
 * without a page (no drawing) are skipped. `keep: false` yields pages
 * without their measurements (the dry run counts pages).
 */
export async function* mapPages(rows: AsyncIterable<SourceMeasurement[]>, keep = true): AsyncGenerator<MapPageRows> {
  let key: string | null = null;
  let current: MapPageRows | null = null;
  for await (const batch of rows) {
    for (let i = 0; i < batch.length; i++) {
      const m = batch[i];
      if (m.documentId === null) continue;
      const k = `${m.documentId}\u0000${m.pageNumber ?? ""}\u0000${m.sheetNumber ?? ""}\u0000${m.sheetTitle ?? ""}`;
      if (k !== key) {
        if (current) yield current;
        key = k;
        current = {
          naming: { documentName: m.documentName ?? "", pageNumber: m.pageNumber, sheetNumber: m.sheetNumber, sheetTitle: m.sheetTitle },
          measurements: [],
        };
      }
      if (keep)
        current!.measurements.push({
          conditionId: m.conditionId,
          geometryType: m.geometryType,
          geometry: m.geometry,
          quantity: m.quantity,
        });
    }
  }
  if (current) yield current;
}

const TITLE: Style = { size: 13, bold: true };
const LEGEND: Style = { size: 8 };
const LEGEND_HEAD: Style = { size: 8, bold: true, color: GREY };
const LEGEND_ROW = 13;
const TITLE_H = 22;
/** The legend takes at most this share of the room below the title; the drawing gets the rest. */
const LEGEND_SHARE = 0.32;
const GAP = 10;
const AREA_OPACITY = 0.25;
const MARKER_RADIUS = 2.5;

/** Room kept between the drawing and its frame. */
export const MAP_PADDING = 6;

/**
 * Where a map page's drawing goes, and the legend's shape: one column, two
 * when the conditions on the page need more rows than the legend's share
 * of the page; rows beyond that are summed up in a last line.
 */
export function mapBox(
  area: { top: number; bottom: number; width: number },
  legendCount: number,
): { box: Box; columns: number; rows: number } {
  const room = area.bottom - area.top - TITLE_H;
  const maxRows = Math.max(2, Math.floor((room * LEGEND_SHARE) / LEGEND_ROW) - 1);
  const columns = legendCount > maxRows ? 2 : 1;
  const rows = Math.max(1, Math.min(Math.ceil(legendCount / columns), maxRows));
  const legendH = LEGEND_ROW * (rows + 1);
  return { box: { x: MARGIN, y: area.top + TITLE_H, width: area.width - 2 * MARGIN, height: room - legendH - GAP }, columns, rows };
}

export type MapPageDeps = { doc: PDFKit.PDFDocument; content: PageContent; typeset: Typesetter };

/**
 * Draws one map page's title, drawing and legend between `top` and `bottom`
 * (the footer is the report's). `width`: the page width.
 */
export function drawMapPage(
  deps: MapPageDeps,
  page: MapPageRows,
  conditions: readonly SourceCondition[],
  area: { top: number; bottom: number; width: number },
): void {
  const { doc, content, typeset } = deps;
  const contentWidth = area.width - 2 * MARGIN;
  typeset.draw(typeset.line(mapTitle(page.naming)), MARGIN, area.top + 15, TITLE, contentWidth);
  const mapConditions: MapCondition[] = conditions.map((c) => ({ id: c.id, name: c.name, color: c.color, unit: c.unit }));

  // The legend's height is known from the conditions on the page, before anything is fitted.
  const present = new Set<string>();
  for (const m of page.measurements) present.add(m.conditionId);
  const { box, columns, rows } = mapBox(area, mapConditions.filter((c) => present.has(c.id)).length);

  const { groups, fit } = layoutMap({ conditions: mapConditions, measurements: page.measurements }, box, MAP_PADDING);

  // The frame of the drawing area.
  content.hline(box.x, box.x + box.width, box.y, 0.5, RULE);
  content.hline(box.x, box.x + box.width, box.y + box.height, 0.5, RULE);
  if (!fit) {
    const text = "No drawable geometry on this page";
    const w = typeset.width(text, { size: 10, color: GREY });
    typeset.draw(text, box.x + (box.width - w) / 2, box.y + box.height / 2, { size: 10, color: GREY }, w + 1);
  } else {
    drawGroups(doc, content, groups, box);
  }

  drawLegend(typeset, content, groups, { x: MARGIN, y: box.y + box.height + GAP, width: contentWidth }, columns, rows);
}

/** The shapes through pdfkit's vector API, in a saved graphics state so the page content's state stays true. */
function drawGroups(doc: PDFKit.PDFDocument, content: PageContent, groups: MapGroup[], box: Box): void {
  content.flush();
  doc.save();
  // Strokes and markers at the edge stay inside the drawing area.
  doc.rect(box.x, box.y, box.width, box.height).clip();
  doc.lineJoin("round").lineCap("round");
  for (const g of groups) {
    doc.fillColor(g.color).strokeColor(g.color);
    if (g.areas.length || g.circles.length) {
      for (const ring of g.areas) {
        doc.moveTo(ring[0].x, ring[0].y);
        for (let i = 1; i < ring.length; i++) doc.lineTo(ring[i].x, ring[i].y);
        doc.closePath();
      }
      for (const c of g.circles) doc.circle(c.center.x, c.center.y, Math.max(c.radius, 0.25));
      doc.lineWidth(1).fillOpacity(AREA_OPACITY).strokeOpacity(1).fillAndStroke(g.color, g.color, "nonzero");
    }
    if (g.paths.length) {
      for (const path of g.paths) {
        doc.moveTo(path[0].x, path[0].y);
        for (let i = 1; i < path.length; i++) doc.lineTo(path[i].x, path[i].y);
      }
      doc.lineWidth(1.5).strokeOpacity(1).stroke(g.color);
    }
    if (g.markers.length) {
      for (const m of g.markers) doc.circle(m.x, m.y, MARKER_RADIUS);
      doc.lineWidth(0.5).fillOpacity(1).strokeOpacity(1).fillAndStroke(g.color, "#ffffff");
    }
  }
  doc.restore();
}

/** Swatch, name, quantity with unit and count per condition; a last line says how many did not fit. */
function drawLegend(
  typeset: Typesetter,
  content: PageContent,
  groups: MapGroup[],
  at: { x: number; y: number; width: number },
  columns: number,
  rows: number,
): void {
  const gutter = 16;
  const colWidth = (at.width - gutter * (columns - 1)) / columns;
  const nameW = colWidth * 0.5;
  const qtyW = colWidth * 0.32;
  const countW = colWidth - nameW - qtyW;
  const slots = rows * columns;
  const shown = groups.length > slots ? slots - 1 : groups.length;
  for (let col = 0; col < columns; col++) {
    const x = at.x + col * (colWidth + gutter);
    typeset.draw("Condition", x + 12, at.y + 9, LEGEND_HEAD, nameW - 14);
    typeset.draw("Quantity", x + nameW, at.y + 9, LEGEND_HEAD, qtyW - 4, "right");
    typeset.draw("Count", x + nameW + qtyW, at.y + 9, LEGEND_HEAD, countW, "right");
  }
  for (let i = 0; i < Math.min(groups.length, slots); i++) {
    const col = Math.floor(i / rows);
    const row = i % rows;
    const x = at.x + col * (colWidth + gutter);
    const baseline = at.y + LEGEND_ROW * (row + 1) + 9;
    if (i === shown) {
      const more = groups.length - shown;
      typeset.draw(
        `+ ${formatInteger(more)} more condition${more === 1 ? "" : "s"} (see the Project Summary)`,
        x + 12,
        baseline,
        { size: 8, color: GREY },
        colWidth - 12,
      );
      break;
    }
    const g = groups[i];
    content.rect(x, baseline - 7, 8, 8, g.color);
    typeset.draw(typeset.line(g.name), x + 12, baseline, LEGEND, nameW - 14);
    typeset.draw(`${formatNumber2(g.quantity)} ${typeset.line(g.unit)}`, x + nameW, baseline, LEGEND, qtyW - 4, "right");
    typeset.draw(formatInteger(g.count), x + nameW + qtyW, baseline, LEGEND, countW, "right");
  }
}

/** What the map pages need of the Pager (layout.ts). */
type MapPager = { readonly drawing: boolean; y: number; readonly bottom: number; newPage(): void };

/**
 * The map pages, one per drawing page in `rows` (By-Page order). The dry run
 * (`p.drawing` false) counts pages without keeping geometry. `afterPage`
 * lets the output drain (and a cancellation be noticed) between pages.
 * Afterwards the cursor is at the bottom, so what follows starts a new page.
 */
export async function mapSection(
  p: MapPager,
  rows: AsyncIterable<SourceMeasurement[]>,
  deps: MapPageDeps,
  conditions: readonly SourceCondition[],
  width: number,
  afterPage: () => Promise<void>,
): Promise<void> {
  let drawn = 0;
  for await (const page of mapPages(rows, p.drawing)) {
    p.newPage();
    if (p.drawing) {
      drawMapPage(deps, page, conditions, { top: p.y, bottom: p.bottom, width });
      await afterPage();
    }
    drawn++;
  }
  if (drawn) p.y = p.bottom;
}
