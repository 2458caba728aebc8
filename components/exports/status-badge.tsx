/** Status badge, with a progress bar and the current step while an export is queued or running. */
import { isActive, type ExportStatus } from "@/lib/exports/model";
import { STATUS_LABELS, type ExportItem } from "./types";

const STYLES: Record<ExportStatus, { badge: string; dot: string }> = {
  pending: { badge: "bg-amber-50 text-amber-900 ring-amber-300", dot: "bg-amber-500" },
  processing: { badge: "bg-blue-50 text-blue-900 ring-blue-300", dot: "bg-blue-600 animate-pulse" },
  completed: { badge: "bg-emerald-50 text-emerald-900 ring-emerald-300", dot: "bg-emerald-600" },
  failed: { badge: "bg-red-50 text-red-900 ring-red-300", dot: "bg-red-600" },
  cancelled: { badge: "bg-slate-100 text-slate-800 ring-slate-300", dot: "bg-slate-500" },
  expired: { badge: "bg-slate-100 text-slate-800 ring-slate-300", dot: "bg-slate-400" },
};

export function StatusPill({ status }: { status: string }) {
  const style = STYLES[status as ExportStatus] ?? STYLES.cancelled;
  return (
    <span className={`inline-flex items-center gap-1.5 rounded-full px-2 py-0.5 text-xs font-semibold ring-1 ring-inset ${style.badge}`}>
      <span aria-hidden="true" className={`h-1.5 w-1.5 rounded-full ${style.dot}`} />
      {STATUS_LABELS[status as ExportStatus] ?? status}
    </span>
  );
}

export function ProgressBar({ value, label }: { value: number; label: string }) {
  const pct = Math.max(0, Math.min(100, Math.round(value)));
  return (
    <div
      className="h-1.5 w-full overflow-hidden rounded-full bg-slate-200"
      role="progressbar"
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={pct}
      aria-label={label}
    >
      {/* A sliver even at 0 % shows that something is under way. */}
      <div className="h-full rounded-full bg-blue-700 transition-[width] duration-500" style={{ width: `${Math.max(3, pct)}%` }} />
    </div>
  );
}

export function StatusBadge({ item }: { item: Pick<ExportItem, "status" | "progress" | "progress_step" | "name"> }) {
  const active = isActive(item.status);
  return (
    <div className="min-w-32" data-testid="export-status" data-status={item.status}>
      <StatusPill status={item.status} />
      {active && (
        <div className="mt-1.5 max-w-44">
          <ProgressBar value={item.progress} label={`Progress of ${item.name}`} />
          <p className="mt-1 text-xs text-slate-700" data-testid="export-step">
            {item.progress_step ?? (item.status === "pending" ? "Queued" : "Working")} ·{" "}
            <span className="tabular-nums">{item.progress}%</span>
          </p>
        </div>
      )}
    </div>
  );
}
