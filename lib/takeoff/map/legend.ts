/**
 * The legend of a map: one row per condition drawn on the page, in the
 * order the conditions are given (sort order, then name), with the quantity
 * and count of its measurements on this page.
 */

export type MapCondition = { id: string; name: string; color: string | null; unit: string };

export type LegendRow = {
  conditionId: string;
  name: string;
  /** `#rrggbb`, never empty (see conditionColor). */
  color: string;
  unit: string;
  /** Sum of the finite quantities of the condition's measurements on this page. */
  quantity: number;
  count: number;
};

export type ConditionTotals = { quantity: number; count: number };

/** Colours for conditions without one (or with a malformed one). */
export const FALLBACK_COLORS = [
  "#2563eb",
  "#dc2626",
  "#16a34a",
  "#9333ea",
  "#ea580c",
  "#0891b2",
  "#ca8a04",
  "#db2777",
  "#4b5563",
  "#65a30d",
];

/**
 * The colour a condition is drawn in: its own when it is `#RRGGBB`, else a
 * fallback picked from its id, so the SVG, the dashboard's legend and a
 * filtered map agree (never text that could escape an attribute).
 */
export function conditionColor(color: string | null | undefined, conditionId: string): string {
  if (color && /^#[0-9a-f]{6}$/i.test(color)) return color.toLowerCase();
  let h = 0x811c9dc5;
  for (let i = 0; i < conditionId.length; i++) h = Math.imul(h ^ conditionId.charCodeAt(i), 0x01000193);
  return FALLBACK_COLORS[(h >>> 0) % FALLBACK_COLORS.length];
}

/** Legend rows for the conditions that have measurements in `totals`. */
export function legendRows(conditions: readonly MapCondition[], totals: ReadonlyMap<string, ConditionTotals>): LegendRow[] {
  const rows: LegendRow[] = [];
  for (const c of conditions) {
    const t = totals.get(c.id);
    if (!t || t.count === 0) continue;
    rows.push({
      conditionId: c.id,
      name: c.name,
      color: conditionColor(c.color, c.id),
      unit: c.unit,
      quantity: t.quantity,
      count: t.count,
    });
  }
  return rows;
}
