/** The per-condition takeoff summary of a project or document: quantity, count and (when present) costs. */
import { formatMoney, formatNumber, formatQuantity } from "@/lib/format";

export type ConditionRow = {
  id: string;
  name: string;
  description: string | null;
  measurement_type: string;
  unit: string;
  color: string | null;
  scope: string | null;
  total_quantity: number;
  measurement_count: number;
  costs: { unit_cost: number | null; total_with_markup: number | null } | null;
};

/** `costs` off for a document: a condition's costs belong to the whole project, not to one drawing set. */
export function ConditionsTable({ conditions, caption, costs = true }: { conditions: ConditionRow[]; caption: string; costs?: boolean }) {
  const withCosts = costs && conditions.some((c) => c.costs);
  if (conditions.length === 0) return <p className="p-4 text-sm text-slate-600">No conditions with measurements.</p>;
  return (
    // Focusable so keyboard users can scroll it sideways on a phone.
    <div className="overflow-x-auto" tabIndex={0} role="region" aria-label={caption}>
      <table className="w-full min-w-[36rem] text-left text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="border-b border-slate-200 bg-slate-50 text-xs font-semibold tracking-wide text-slate-700 uppercase">
          <tr>
            <th scope="col" className="px-4 py-2.5">
              Condition
            </th>
            <th scope="col" className="px-3 py-2.5">
              Type
            </th>
            <th scope="col" className="px-3 py-2.5 text-right">
              Quantity
            </th>
            <th scope="col" className="px-3 py-2.5 text-right">
              Measurements
            </th>
            {withCosts && (
              <th scope="col" className="px-3 py-2.5 text-right">
                Unit cost
              </th>
            )}
            {withCosts && (
              <th scope="col" className="px-4 py-2.5 text-right">
                Total w/ markup
              </th>
            )}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-200">
          {conditions.map((c) => (
            <tr key={c.id}>
              <th scope="row" className="px-4 py-2.5 font-medium text-slate-900">
                <span className="flex items-center gap-2">
                  <span
                    aria-hidden="true"
                    className="h-3 w-3 shrink-0 rounded-sm ring-1 ring-slate-300"
                    style={{ backgroundColor: c.color ?? "#94a3b8" }}
                  />
                  <span>
                    {c.name}
                    {c.description && <span className="block text-xs font-normal text-slate-600">{c.description}</span>}
                  </span>
                </span>
              </th>
              <td className="px-3 py-2.5 text-slate-700 capitalize">{c.measurement_type}</td>
              <td className="px-3 py-2.5 text-right tabular-nums whitespace-nowrap">
                {formatQuantity(c.total_quantity)} {c.unit}
              </td>
              <td className="px-3 py-2.5 text-right tabular-nums">{formatNumber(c.measurement_count)}</td>
              {withCosts && (
                <td className="px-3 py-2.5 text-right tabular-nums">{c.costs?.unit_cost != null ? formatMoney(c.costs.unit_cost) : "—"}</td>
              )}
              {withCosts && (
                <td className="px-4 py-2.5 text-right tabular-nums">
                  {c.costs?.total_with_markup != null ? formatMoney(c.costs.total_with_markup) : "—"}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** "1,234.5 SF · 88 LF": totals by unit. */
export function UnitTotals({ byUnit }: { byUnit: Record<string, { count: number; total_quantity: number }> }) {
  const entries = Object.entries(byUnit);
  if (entries.length === 0) return <span>—</span>;
  return (
    <ul className="flex flex-wrap gap-x-4 gap-y-1">
      {entries.map(([unit, v]) => (
        <li key={unit} className="tabular-nums">
          <span className="font-semibold">{formatQuantity(v.total_quantity)}</span> {unit}{" "}
          <span className="text-slate-600">({formatNumber(v.count)})</span>
        </li>
      ))}
    </ul>
  );
}
