/**
 * A page's takeoff map as drawing primitives (SPEC §12.4), independent of
 * any output format: the SVG writer (svg.ts) and the PDF map pages consume
 * the same groups.
 *
 *   const prepared = prepareMap({ conditions, measurements });
 *   const fit = prepared.extent && fitExtent(prepared.extent, box, padding);
 *   const groups = drawMap(prepared, fit);
 */
import { fitExtent, project, type Box, type Fit } from "./fit";
import { conditionColor, legendRows, type ConditionTotals, type LegendRow, type MapCondition } from "./legend";
import { extendExtent, toShape, type Extent, type Pt, type Shape } from "./shapes";

export type MapMeasurement = { conditionId: string; geometryType: string; geometry: unknown; quantity: number };

export type PreparedMap = {
  /** Conditions with at least one measurement on the page, in the given order, with their shapes in drawing coordinates. */
  conditions: { condition: MapCondition; color: string; shapes: Shape[] }[];
  /** The extent of every drawable shape, or null when nothing can be drawn. */
  extent: Extent | null;
  legend: LegendRow[];
  /** Measurements on the page (of the conditions given). */
  measurements: number;
  /** Measurements whose geometry could not be drawn (invalid, non-finite, out of range, unknown type). */
  skipped: number;
};

/** One condition's shapes in output coordinates, grouped so a renderer can draw each kind as one path. */
export type MapGroup = {
  conditionId: string;
  name: string;
  color: string;
  unit: string;
  quantity: number;
  count: number;
  /** Closed rings (polygons, rotated rectangles), each turning clockwise: fill at ~25 % opacity and stroke. */
  areas: Pt[][];
  /** Open paths (lines, polylines): stroke only. */
  paths: Pt[][];
  /** Circles: fill and stroke like areas. */
  circles: { center: Pt; radius: number }[];
  /** Points: a marker of fixed output size. */
  markers: Pt[];
};

/** Reads the measurements into shapes, the extent and the legend. Measurements of conditions not listed are ignored. */
export function prepareMap(input: { conditions: readonly MapCondition[]; measurements: Iterable<MapMeasurement> }): PreparedMap {
  const slots = new Map<string, { shapes: Shape[]; totals: ConditionTotals }>();
  for (const c of input.conditions) slots.set(c.id, { shapes: [], totals: { quantity: 0, count: 0 } });
  let extent: Extent | null = null;
  let measurements = 0;
  let skipped = 0;
  for (const m of input.measurements) {
    const slot = slots.get(m.conditionId);
    if (!slot) continue;
    measurements++;
    slot.totals.count++;
    if (typeof m.quantity === "number" && Number.isFinite(m.quantity)) slot.totals.quantity += m.quantity;
    const shape = toShape(m.geometryType, m.geometry);
    if (!shape) {
      skipped++;
      continue;
    }
    slot.shapes.push(shape);
    extent = extendExtent(extent, shape);
  }
  const totals = new Map([...slots].map(([id, s]) => [id, s.totals]));
  const conditions = input.conditions
    .map((condition) => ({ condition, color: conditionColor(condition.color, condition.id), shapes: slots.get(condition.id)!.shapes }))
    .filter((c) => slots.get(c.condition.id)!.totals.count > 0);
  return { conditions, extent, legend: legendRows(input.conditions, totals), measurements, skipped };
}

/** The prepared shapes in output coordinates; empty groups when nothing could be drawn (fit null). */
export function drawMap(prepared: PreparedMap, fit: Fit | null): MapGroup[] {
  const byId = new Map(prepared.legend.map((r) => [r.conditionId, r]));
  return prepared.conditions.map(({ condition, color, shapes }) => {
    const row = byId.get(condition.id);
    const group: MapGroup = {
      conditionId: condition.id,
      name: condition.name,
      color,
      unit: condition.unit,
      quantity: row?.quantity ?? 0,
      count: row?.count ?? 0,
      areas: [],
      paths: [],
      circles: [],
      markers: [],
    };
    if (!fit) return group;
    const at = (p: Pt) => project(fit, p);
    for (const s of shapes) {
      switch (s.kind) {
        case "area":
          group.areas.push(s.ring.map(at));
          break;
        case "path":
          group.paths.push(s.points.map(at));
          break;
        case "circle":
          group.circles.push({ center: at(s.center), radius: s.radius * fit.scale });
          break;
        case "marker":
          group.markers.push(at(s.at));
          break;
      }
    }
    return group;
  });
}

/** prepareMap + fitExtent + drawMap in one call, for a renderer with a fixed box (a PDF page's printable area). */
export function layoutMap(
  input: { conditions: readonly MapCondition[]; measurements: Iterable<MapMeasurement> },
  box: Box,
  padding = 0,
): { prepared: PreparedMap; fit: Fit | null; groups: MapGroup[] } {
  const prepared = prepareMap(input);
  const fit = prepared.extent ? fitExtent(prepared.extent, box, padding) : null;
  return { prepared, fit, groups: drawMap(prepared, fit) };
}
