/** The exports page's summary numbers: total, completed, in progress, failed and downloads. */
import { formatNumber } from "@/lib/format";
import type { ExportStats } from "./types";

export function SummaryCards({ stats }: { stats: ExportStats }) {
  const cards = [
    { label: "Total exports", value: stats.total, tone: "text-slate-900" },
    { label: "Completed", value: stats.completed, tone: "text-emerald-800" },
    { label: "In progress", value: stats.in_progress, tone: "text-blue-800" },
    { label: "Failed", value: stats.failed, tone: "text-red-800" },
    { label: "Downloads", value: stats.downloads, tone: "text-slate-900" },
  ];
  return (
    <dl className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-5" data-testid="export-stats">
      {cards.map((c) => (
        <div key={c.label} className="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200 last:col-span-2 sm:last:col-span-1">
          <dt className="text-sm font-medium text-slate-600">{c.label}</dt>
          <dd className={`mt-1 text-2xl font-semibold tabular-nums ${c.tone}`}>{formatNumber(c.value)}</dd>
        </div>
      ))}
    </dl>
  );
}
