/** Status badge with a progress bar and step text while an export runs. */
import type { ExportItem } from "./types";

const STYLES: Record<string, string> = {
  pending: "bg-amber-100 text-amber-900",
  processing: "bg-blue-100 text-blue-900",
  completed: "bg-emerald-100 text-emerald-900",
  failed: "bg-red-100 text-red-900",
  cancelled: "bg-slate-200 text-slate-800",
  expired: "bg-slate-200 text-slate-800",
};

export function StatusBadge({ item }: { item: Pick<ExportItem, "status" | "progress" | "progress_step"> }) {
  const active = item.status === "pending" || item.status === "processing";
  return (
    <div className="min-w-28" data-testid="export-status" data-status={item.status}>
      <span className={`inline-block rounded-full px-2 py-0.5 text-xs font-semibold capitalize ${STYLES[item.status] ?? ""}`}>{item.status}</span>
      {active && (
        <div className="mt-1">
          <div
            className="h-1.5 w-full overflow-hidden rounded bg-slate-200"
            role="progressbar"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={item.progress}
            aria-label="Export progress"
          >
            <div className="h-full bg-blue-600 transition-all" style={{ width: `${Math.max(3, item.progress)}%` }} />
          </div>
          <p className="mt-0.5 text-xs text-slate-600">
            {item.progress_step ?? "Queued"} · {item.progress}%
          </p>
        </div>
      )}
    </div>
  );
}
