/** The legend of a page's takeoff map: swatch, condition, quantity on the page with its unit, and count (SPEC §12.4). */
import type { LegendRow } from "@/lib/takeoff/map";
import { formatNumber, formatQuantity } from "@/lib/format";

export function MapLegend({ rows, caption }: { rows: LegendRow[]; caption: string }) {
  return (
    <table className="w-full text-left text-sm">
      <caption className="pb-2 text-left text-sm font-semibold">{caption}</caption>
      <thead className="border-b border-slate-200 text-xs font-semibold tracking-wide text-slate-700 uppercase">
        <tr>
          <th scope="col" className="py-1.5 pr-2">
            Condition
          </th>
          <th scope="col" className="px-2 py-1.5 text-right">
            Quantity
          </th>
          <th scope="col" className="py-1.5 pl-2 text-right">
            Count
          </th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-200">
        {rows.map((r) => (
          <tr key={r.conditionId} data-testid="legend-row">
            <td className="py-1.5 pr-2">
              <span className="flex items-start gap-2">
                <span
                  aria-hidden="true"
                  className="mt-0.5 inline-block size-3.5 shrink-0 rounded-sm border-2"
                  style={{ borderColor: r.color, backgroundColor: `${r.color}40` }}
                />
                <span className="break-words">{r.name}</span>
              </span>
            </td>
            <td className="px-2 py-1.5 text-right whitespace-nowrap tabular-nums">
              {formatQuantity(r.quantity)} {r.unit}
            </td>
            <td className="py-1.5 pl-2 text-right tabular-nums">{formatNumber(r.count)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
