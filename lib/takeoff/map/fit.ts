/**
 * Fitting a page's geometry into a target box: one uniform scale (the
 * drawing keeps its aspect ratio), y still growing downward, the extent
 * centred in the box. Coordinates are moved to the extent's corner before
 * scaling, so drawings far from the origin keep their precision.
 */
import type { Extent, Pt } from "./shapes";

export type Box = { x: number; y: number; width: number; height: number };

export type Fit = {
  /** Output units per drawing unit. */
  scale: number;
  /** Where the extent lands inside the box. */
  content: Box;
  extent: Extent;
};

/**
 * The scale and placement that fit `extent` into `box` less `padding` on
 * every side. A zero width or height (one point, a straight horizontal line)
 * is fitted by the other dimension; a single point gets scale 1, centred.
 */
export function fitExtent(extent: Extent, box: Box, padding = 0): Fit {
  const availW = Math.max(box.width - 2 * padding, 1);
  const availH = Math.max(box.height - 2 * padding, 1);
  const w = extent.maxX - extent.minX;
  const h = extent.maxY - extent.minY;
  let scale = Math.min(w > 0 ? availW / w : Infinity, h > 0 ? availH / h : Infinity);
  if (!Number.isFinite(scale) || scale <= 0) scale = 1;
  const width = w > 0 ? w * scale : 0;
  const height = h > 0 ? h * scale : 0;
  return {
    scale,
    extent,
    content: { x: box.x + (box.width - width) / 2, y: box.y + (box.height - height) / 2, width, height },
  };
}

/** A drawing point in output coordinates. */
export function project(fit: Fit, p: Pt): Pt {
  return {
    x: fit.content.x + (p.x - fit.extent.minX) * fit.scale,
    y: fit.content.y + (p.y - fit.extent.minY) * fit.scale,
  };
}
