/**
 * The takeoff map as an SVG document (GET /api/pages/{id}/takeoff.svg). Each
 * condition is one <g> with a <title> and at most three <path>s (areas and
 * circles, lines, point markers), so a page of 10,000 shapes is a handful of
 * elements. Strokes and markers keep their size on screen at any zoom
 * (`vector-effect="non-scaling-stroke"`), so the same file serves as a
 * thumbnail and as the large view.
 */
import { formatQuantity } from "@/lib/format";
import { fitExtent, type Fit } from "./fit";
import { drawMap, type MapGroup, type PreparedMap } from "./map";
import type { Pt } from "./shapes";

/** The largest drawing area, in output units (CSS px at 100 %). */
export const SVG_DRAWING_SIZE = 1000;
const MARGIN = 24;
const MIN_WIDTH = 320;
const MIN_HEIGHT = 200;
const LEGEND_MIN_WIDTH = 640;
const LEGEND_ROW = 24;
const LEGEND_NAME_MAX = 48;
const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";

// XML 1.0 allows tab, LF, CR and most of the BMP; lone surrogates and other control characters would make the file unreadable.
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const ENTITY: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };

/** Text for element content or a quoted attribute. */
export function escapeXml(text: string): string {
  return text.replace(NOT_XML, "\uFFFD").replace(/[&<>"']/g, (c) => ENTITY[c]);
}

/**
 * Path coordinates are whole tenths of an output unit, drawn inside a
 * `scale(0.1)` group: a tenth of a pixel at 100 % is plenty, and integers
 * print about three times faster than decimals (10,000 shapes).
 */
const PATH_SCALE = 10;
function n(v: number): number {
  return Math.round(v * PATH_SCALE);
}

function ringData(pts: Pt[], close: boolean): string {
  if (pts.length < 2) return "";
  // String concatenation (V8 ropes) beats collecting parts in an array here.
  let d = "M" + n(pts[0].x) + " " + n(pts[0].y) + "L" + n(pts[1].x) + " " + n(pts[1].y);
  for (let i = 2; i < pts.length; i++) d += " " + n(pts[i].x) + " " + n(pts[i].y);
  return close ? d + "Z" : d;
}

/** Areas and circles of one condition as path data; every ring turns clockwise, so overlaps join under the non-zero rule. */
export function areaPathData(group: MapGroup): string {
  let d = "";
  for (const ring of group.areas) d += ringData(ring, true);
  for (const c of group.circles) {
    const r = n(c.radius);
    const w = n(2 * c.radius);
    // Two half-circle arcs, clockwise on screen (sweep flag 1).
    d += `M${n(c.center.x - c.radius)} ${n(c.center.y)}a${r} ${r} 0 1 1 ${w} 0a${r} ${r} 0 1 1 -${w} 0Z`;
  }
  return d;
}

export function linePathData(group: MapGroup): string {
  let d = "";
  for (const p of group.paths) d += ringData(p, false);
  return d;
}

/** Zero-length subpaths with round caps: a dot of the stroke's width wherever the map is shown. */
export function markerPathData(group: MapGroup): string {
  let d = "";
  for (const p of group.markers) d += "M" + n(p.x) + " " + n(p.y) + "h0";
  return d;
}

function plural(count: number, word: string) {
  return `${count.toLocaleString("en-US")} ${word}${count === 1 ? "" : "s"}`;
}

/** "Floor Slab — 1,500 SF (3 measurements)" */
export function groupLabel(g: { name: string; quantity: number; unit: string; count: number }): string {
  return `${g.name} — ${formatQuantity(g.quantity)} ${g.unit} (${plural(g.count, "measurement")})`;
}

function truncate(text: string, max: number) {
  const chars = Array.from(text);
  return chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : text;
}

export type SvgOptions = {
  /** The document's <title>: what the map shows (document and sheet). */
  title: string;
  /** Draw the legend below the map (default true). */
  legend?: boolean;
};

/** The SVG document of a prepared map. */
export function renderMapSvg(prepared: PreparedMap, options: SvgOptions): string {
  const withLegend = options.legend ?? true;
  const minWidth = withLegend && prepared.legend.length > 0 ? LEGEND_MIN_WIDTH : MIN_WIDTH;

  let width: number;
  let drawingHeight: number;
  let fit: Fit | null = null;
  if (prepared.extent) {
    const natural = fitExtent(prepared.extent, { x: 0, y: 0, width: SVG_DRAWING_SIZE, height: SVG_DRAWING_SIZE }).content;
    width = Math.ceil(Math.max(natural.width + 2 * MARGIN, minWidth));
    drawingHeight = Math.ceil(Math.max(natural.height + 2 * MARGIN, MIN_HEIGHT));
    // The same scale as `natural` (the binding dimension keeps its size), centred in the wider or taller area.
    fit = fitExtent(prepared.extent, { x: MARGIN, y: MARGIN, width: width - 2 * MARGIN, height: drawingHeight - 2 * MARGIN });
  } else {
    width = Math.max(LEGEND_MIN_WIDTH, minWidth);
    drawingHeight = 360;
  }
  const rows = withLegend ? prepared.legend : [];
  const legendHeight = rows.length ? 16 + 28 + rows.length * LEGEND_ROW + 12 : 0;
  const height = drawingHeight + legendHeight;

  const out: string[] = [];
  out.push('<?xml version="1.0" encoding="UTF-8"?>\n');
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="map-title" font-family="${escapeXml(FONT)}">\n`,
  );
  out.push(`<title id="map-title">${escapeXml(options.title)}</title>\n`);
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>\n`);

  if (!fit) {
    const message = prepared.measurements === 0 ? "No measurements on this page" : "No drawable geometry on this page";
    out.push(
      `<text x="${width / 2}" y="${drawingHeight / 2}" text-anchor="middle" dominant-baseline="middle" font-size="16" fill="#475569">${message}</text>\n`,
    );
  }

  out.push(`<g transform="scale(${1 / PATH_SCALE})">\n`);
  for (const g of drawMap(prepared, fit)) {
    out.push(`<g id="c-${escapeXml(g.conditionId)}" data-condition-id="${escapeXml(g.conditionId)}">`);
    out.push(`<title>${escapeXml(groupLabel(g))}</title>`);
    const area = areaPathData(g);
    if (area) {
      out.push(
        `<path d="${area}" fill="${g.color}" fill-opacity="0.25" stroke="${g.color}" stroke-width="1.5" stroke-linejoin="round" vector-effect="non-scaling-stroke"/>`,
      );
    }
    const lines = linePathData(g);
    if (lines) {
      out.push(
        `<path d="${lines}" fill="none" stroke="${g.color}" stroke-width="2" stroke-linejoin="round" stroke-linecap="round" vector-effect="non-scaling-stroke"/>`,
      );
    }
    const markers = markerPathData(g);
    if (markers) {
      out.push(
        `<path d="${markers}" fill="none" stroke="${g.color}" stroke-width="8" stroke-linecap="round" vector-effect="non-scaling-stroke"/>`,
      );
    }
    out.push("</g>\n");
  }
  out.push("</g>\n");

  if (rows.length) {
    const top = drawingHeight + 16;
    out.push(`<g id="legend" font-size="14" fill="#0f172a">\n`);
    out.push(`<line x1="${MARGIN}" y1="${drawingHeight}" x2="${width - MARGIN}" y2="${drawingHeight}" stroke="#cbd5e1"/>\n`);
    out.push(`<text x="${MARGIN}" y="${top + 14}" font-weight="600">Legend</text>\n`);
    rows.forEach((r, i) => {
      const y = top + 28 + i * LEGEND_ROW;
      out.push(
        `<rect x="${MARGIN}" y="${y + 3}" width="14" height="14" rx="2" fill="${r.color}" fill-opacity="0.25" stroke="${r.color}" stroke-width="1.5"/>`,
      );
      out.push(
        `<text x="${MARGIN + 22}" y="${y + 15}">${escapeXml(truncate(r.name, LEGEND_NAME_MAX))}<tspan fill="#475569"> — ${escapeXml(
          `${formatQuantity(r.quantity)} ${r.unit}`,
        )} · ${plural(r.count, "measurement")}</tspan></text>\n`,
      );
    });
    out.push("</g>\n");
  }
  out.push("</svg>\n");
  return out.join("");
}
