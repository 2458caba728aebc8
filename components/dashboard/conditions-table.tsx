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

function Swatch({ color }: { color: string | null }) {
  return (
    <span
      aria-hidden="true"
      className="inline-block h-3 w-3 shrink-0 rounded-sm ring-1 ring-slate-300"
      style={{ backgroundColor: color ?? "#94a3b8" }}
    />
  );
}

/**
 * Below `sm` a table this wide scrolled sideways and hid its cost columns
 * with nothing to say they were there; there each condition is a card with
 * every figure, labelled. Only one of the two is displayed (the other is
 * display: none, so screen readers meet it once).
 */
function ConditionCards({ conditions, caption, withCosts }: { conditions: ConditionRow[]; caption: string; withCosts: boolean }) {
  const figure = "min-w-0";
  return (
    <ul aria-label={caption} className="divide-y divide-slate-200 sm:hidden" data-testid="condition-cards">
      {conditions.map((c) => (
        <li key={c.id} className="px-4 py-3 text-sm">
          <p className="flex items-start gap-2 font-medium text-slate-900">
            <span className="mt-1 flex">
              <Swatch color={c.color} />
            </span>
            <span className="min-w-0">
              {c.name}
              <span className="font-normal text-slate-600 capitalize"> · {c.measurement_type}</span>
              {c.description && <span className="block text-xs font-normal text-slate-600">{c.description}</span>}
            </span>
          </p>
          <dl className="mt-2 grid grid-cols-2 gap-x-4 gap-y-2 pl-5">
            <div className={figure}>
              <dt className="text-xs text-slate-600">Quantity</dt>
              <dd className="tabular-nums">
                {formatQuantity(c.total_quantity)} {c.unit}
              </dd>
            </div>
            <div className={figure}>
              <dt className="text-xs text-slate-600">Measurements</dt>
              <dd className="tabular-nums">{formatNumber(c.measurement_count)}</dd>
            </div>
            {withCosts && (
              <div className={figure}>
                <dt className="text-xs text-slate-600">Unit cost</dt>
                <dd className="tabular-nums">{c.costs?.unit_cost != null ? formatMoney(c.costs.unit_cost) : "—"}</dd>
              </div>
            )}
            {withCosts && (
              <div className={figure}>
                <dt className="text-xs text-slate-600">Total w/ markup</dt>
                <dd className="tabular-nums">{c.costs?.total_with_markup != null ? formatMoney(c.costs.total_with_markup) : "—"}</dd>
              </div>
            )}
          </dl>
        </li>
      ))}
    </ul>
  );
}

/** `costs` off for a document: a condition's costs belong to the whole project, not to one drawing set. */
export function ConditionsTable({ conditions, caption, costs = true }: { conditions: ConditionRow[]; caption: string; costs?: boolean }) {
  const withCosts = costs && conditions.some((c) => c.costs);
  if (conditions.length === 0) return <p className="p-4 text-sm text-slate-600">No conditions with measurements.</p>;
  return (
    <>
      <ConditionCards conditions={conditions} caption={caption} withCosts={withCosts} />
      {/* From sm up; focusable so keyboard users can still scroll it sideways if a narrow window needs it. */}
      <div className="hidden overflow-x-auto sm:block" tabIndex={0} role="region" aria-label={caption}>
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
                    <Swatch color={c.color} />
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
                  <td className="px-3 py-2.5 text-right tabular-nums">
                    {c.costs?.unit_cost != null ? formatMoney(c.costs.unit_cost) : "—"}
                  </td>
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
    </>
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
