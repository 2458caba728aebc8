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

/** Colours for conditions without one (or with a malformed one), picked by the condition's place in the list. */
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

/** The colour a condition is drawn in: its own when it is `#RRGGBB`, else a fallback (never text that could escape an attribute). */
export function conditionColor(color: string | null | undefined, index: number): string {
  if (color && /^#[0-9a-f]{6}$/i.test(color)) return color.toLowerCase();
  return FALLBACK_COLORS[((index % FALLBACK_COLORS.length) + FALLBACK_COLORS.length) % FALLBACK_COLORS.length];
}

/** Legend rows for the conditions that have measurements in `totals`. */
export function legendRows(conditions: readonly MapCondition[], totals: ReadonlyMap<string, ConditionTotals>): LegendRow[] {
  const rows: LegendRow[] = [];
  conditions.forEach((c, i) => {
    const t = totals.get(c.id);
    if (!t || t.count === 0) return;
    rows.push({ conditionId: c.id, name: c.name, color: conditionColor(c.color, i), unit: c.unit, quantity: t.quantity, count: t.count });
  });
  return rows;
}
