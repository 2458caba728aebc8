/**
 * SPEC §12.3 `group_by`: the summary's conditions grouped by a condition
 * field, in order of each value's first condition (empty value last), with
 * the sums a Subtotal row shows. Shared by the Excel Summary and the PDF summary.
 */
import { roundTotal } from "../sanitize";
import type { NormalisedOptions } from "../schemas";
import type { SourceCondition } from "./types";

export type GroupField = Exclude<NonNullable<NormalisedOptions["group_by"]>, "none">;

export const NO_GROUP_LABEL = "(none)";

export type ConditionGroup = {
  /** The field's value, or null for conditions without one (shown as `(none)`). */
  value: string | null;
  conditions: SourceCondition[];
  /** The unit every condition of the group shares, or null when they differ. */
  unit: string | null;
  /** Sum of the conditions' totals; null when the units differ. */
  quantity: number | null;
  measurementCount: number;
  material: number | null;
  labor: number | null;
  totalCost: number | null;
  totalWithMarkup: number | null;
};

/** The field to group by, or null for none (or older exports without the option). */
export function groupField(options: NormalisedOptions): GroupField | null {
  return options.group_by && options.group_by !== "none" ? options.group_by : null;
}

/** A sum of the values present, rounded like a total; null when none is present. */
function sumOf(conditions: SourceCondition[], pick: (c: SourceCondition) => number | null | undefined): number | null {
  let sum: number | null = null;
  for (const c of conditions) {
    const v = pick(c);
    if (v !== null && v !== undefined) sum = (sum ?? 0) + v;
  }
  return sum === null ? null : roundTotal(sum);
}

export function groupConditions(conditions: SourceCondition[], field: GroupField): ConditionGroup[] {
  const groups = new Map<string | null, SourceCondition[]>();
  for (const c of conditions) {
    const raw = c[field];
    const value = raw !== null && raw.trim() !== "" ? raw : null;
    let list = groups.get(value);
    if (!list) groups.set(value, (list = []));
    list.push(c);
  }
  const ordered = [...groups.entries()].sort(([a], [b]) => Number(a === null) - Number(b === null));
  return ordered.map(([value, list]) => {
    const unit = list.every((c) => c.unit === list[0].unit) ? list[0].unit : null;
    return {
      value,
      conditions: list,
      unit,
      quantity: unit === null ? null : roundTotal(list.reduce((s, c) => s + c.totalQuantity, 0)),
      measurementCount: list.reduce((s, c) => s + c.measurementCount, 0),
      material: sumOf(list, (c) => c.costs?.material_cost),
      labor: sumOf(list, (c) => c.costs?.labor_cost),
      totalCost: sumOf(list, (c) => c.costs?.total_cost),
      totalWithMarkup: sumOf(list, (c) => c.costs?.total_with_markup),
    };
  });
}
