/**
 * Geometry (SPEC §6.6) read defensively into drawing shapes. The stored jsonb
 * was validated at import, but a map must never break on a bad row: anything
 * that is not a finite, sane shape is skipped (and counted) instead.
 */

export type Pt = { x: number; y: number };

/** A shape in drawing-sheet coordinates (y grows downward). */
export type Shape =
  /** Polygons and rectangles (rotation applied): closed, filled and stroked. */
  | { kind: "area"; ring: Pt[] }
  /** Lines and polylines: open, stroked. */
  | { kind: "path"; points: Pt[] }
  | { kind: "circle"; center: Pt; radius: number }
  /** Points: a marker of a fixed size on the output, whatever the scale. */
  | { kind: "marker"; at: Pt };

export type Extent = { minX: number; minY: number; maxX: number; maxY: number };

/**
 * Coordinates beyond this are treated as invalid: far enough out for any
 * real drawing (or state-plane coordinates), near enough that widths and
 * scales stay finite and precise in float64.
 */
export const MAX_COORDINATE = 1e12;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const sane = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && Math.abs(v) <= MAX_COORDINATE;

function point(v: unknown): Pt | null {
  if (!isObject(v) || !sane(v.x) || !sane(v.y)) return null;
  return { x: v.x, y: v.y };
}

function points(v: unknown, min: number): Pt[] | null {
  if (!isObject(v) || !Array.isArray(v.points) || v.points.length < min) return null;
  const out: Pt[] = new Array(v.points.length);
  for (let i = 0; i < v.points.length; i++) {
    const p = point(v.points[i]);
    if (!p) return null;
    out[i] = p;
  }
  return out;
}

/** Twice the signed area; positive when the ring turns clockwise on a y-down drawing. */
function signedArea2(ring: Pt[]): number {
  let a = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) a += ring[j].x * ring[i].y - ring[i].x * ring[j].y;
  return a;
}

/**
 * Every ring turns the same way, so a renderer can draw all areas of a
 * condition as one path with the non-zero rule: overlaps join instead of
 * cutting holes.
 */
function clockwise(ring: Pt[]): Pt[] {
  return signedArea2(ring) < 0 ? ring.reverse() : ring;
}

/**
 * The corners of a rectangle rotated clockwise by `rotation` degrees about
 * its centre, on a drawing whose y axis points down.
 */
export function rectangleCorners(x: number, y: number, width: number, height: number, rotation = 0): Pt[] {
  // Negative sizes (not allowed at import, but harmless) span the other way.
  const x0 = Math.min(x, x + width);
  const y0 = Math.min(y, y + height);
  const w = Math.abs(width);
  const h = Math.abs(height);
  const corners = [
    { x: x0, y: y0 },
    { x: x0 + w, y: y0 },
    { x: x0 + w, y: y0 + h },
    { x: x0, y: y0 + h },
  ];
  const turns = (((rotation % 360) + 360) % 360) / 90;
  if (turns === 0) return corners;
  const cx = x0 + w / 2;
  const cy = y0 + h / 2;
  // Exact for quarter turns, so a 90° rectangle's corners land on whole numbers.
  const quarter = Number.isInteger(turns);
  const rad = (rotation * Math.PI) / 180;
  const cos = quarter ? [1, 0, -1, 0][turns] : Math.cos(rad);
  const sin = quarter ? [0, 1, 0, -1][turns] : Math.sin(rad);
  // With y down, (x, y) → (x cos − y sin, x sin + y cos) turns clockwise on screen.
  return corners.map((p) => {
    const dx = p.x - cx;
    const dy = p.y - cy;
    return { x: cx + dx * cos - dy * sin, y: cy + dx * sin + dy * cos };
  });
}

/** The shape of one measurement, or null when its geometry cannot be drawn. */
export function toShape(type: string, geometry: unknown): Shape | null {
  switch (type) {
    case "line": {
      if (!isObject(geometry)) return null;
      const start = point(geometry.start);
      const end = point(geometry.end);
      return start && end ? { kind: "path", points: [start, end] } : null;
    }
    case "polyline": {
      const pts = points(geometry, 2);
      return pts ? { kind: "path", points: pts } : null;
    }
    case "polygon": {
      const pts = points(geometry, 3);
      return pts ? { kind: "area", ring: clockwise(pts) } : null;
    }
    case "rectangle": {
      if (!isObject(geometry)) return null;
      const { x, y, width, height } = geometry;
      const rotation = geometry.rotation ?? 0;
      if (!sane(x) || !sane(y) || !sane(width) || !sane(height) || !sane(rotation)) return null;
      if (!sane(x + width) || !sane(y + height)) return null;
      return { kind: "area", ring: clockwise(rectangleCorners(x, y, width, height, rotation)) };
    }
    case "circle": {
      if (!isObject(geometry)) return null;
      const center = point(geometry.center);
      const radius = geometry.radius;
      if (!center || !sane(radius) || radius < 0) return null;
      if (!sane(center.x - radius) || !sane(center.x + radius) || !sane(center.y - radius) || !sane(center.y + radius)) return null;
      return { kind: "circle", center, radius };
    }
    case "point": {
      const at = point(geometry);
      return at ? { kind: "marker", at } : null;
    }
    default:
      return null;
  }
}

/** Grows `extent` (or starts one) to cover `shape`. Hot: runs once per measurement, so no closures or copies. */
export function extendExtent(extent: Extent | null, shape: Shape): Extent {
  const e = extent ?? { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
  switch (shape.kind) {
    case "area":
    case "path": {
      const pts = shape.kind === "area" ? shape.ring : shape.points;
      for (let i = 0; i < pts.length; i++) {
        const { x, y } = pts[i];
        if (x < e.minX) e.minX = x;
        if (x > e.maxX) e.maxX = x;
        if (y < e.minY) e.minY = y;
        if (y > e.maxY) e.maxY = y;
      }
      break;
    }
    case "circle": {
      const { center, radius } = shape;
      e.minX = Math.min(e.minX, center.x - radius);
      e.maxX = Math.max(e.maxX, center.x + radius);
      e.minY = Math.min(e.minY, center.y - radius);
      e.maxY = Math.max(e.maxY, center.y + radius);
      break;
    }
    case "marker":
      e.minX = Math.min(e.minX, shape.at.x);
      e.maxX = Math.max(e.maxX, shape.at.x);
      e.minY = Math.min(e.minY, shape.at.y);
      e.maxY = Math.max(e.maxY, shape.at.y);
      break;
  }
  return e;
}
