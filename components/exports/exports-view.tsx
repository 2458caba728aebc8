"use client";
/**
 * The exports page body: summary cards, filters and search, the table and
 * cursor pagination — all view state in the URL so a view can be shared.
 * SWR polls about every 2 s only while something is pending or processing;
 * a toast tells when an export completes (with Download) or fails (with its
 * message), and the server-rendered summary numbers are refreshed then.
 */
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import useSWR from "swr";
import { buttonClass, inputClass } from "@/components/ui/button";
import { RelativeTime } from "@/components/ui/relative-time";
import { EXPORT_FORMATS, EXPORT_STATUSES, EXPORT_TYPES, isActive } from "@/lib/exports/model";
import { fetcher } from "@/lib/fetcher";
import { formatBytes, formatNumber } from "@/lib/format";
import { ExportActionButtons, useExportActions } from "./export-actions";
import { PAGE_SIZE, filtersToParams, hasFilters, listKey, parseFilters, type ExportFilters } from "./query";
import { StatusBadge } from "./status-badge";
import { FORMAT_LABELS, STATUS_LABELS, TYPE_LABELS, formatLabel, type ExportItem, type ExportList, type ExportStats } from "./types";
import { useExportStatusToasts } from "./use-export-status-toasts";

const POLL_MS = 2000;

type Props = {
  stats: ExportStats;
  /** Names of the user's documents and projects by id, for the Source column. */
  sources: Record<string, string>;
  /** A few documents to suggest when there is nothing yet. */
  suggestions: { id: string; name: string; project: string }[];
};

function SummaryCards({ stats }: { stats: ExportStats }) {
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

function Expires({ item }: { item: ExportItem }) {
  if (item.status === "expired") return <span className="font-medium text-slate-700">expired</span>;
  if (!item.expires_at) return <span className="text-slate-600">—</span>;
  // Past its time but not yet swept by the cleanup job: already expired for the user.
  return <RelativeTime iso={item.expires_at} pastLabel="expired" />;
}

function Source({ item, sources }: { item: ExportItem; sources: Record<string, string> }) {
  const doc = item.type === "document_export" && item.document_id;
  const id = doc ? item.document_id! : item.project_id;
  const href = doc ? `/dashboard/documents/${id}` : `/dashboard/projects/${id}`;
  return (
    <span className="text-xs text-slate-600">
      {doc ? "Document" : "Project"}:{" "}
      <Link href={href} className="text-slate-700 underline decoration-slate-400 underline-offset-2 hover:text-blue-800">
        {sources[id] ?? (doc ? "document" : "project")}
      </Link>
    </span>
  );
}

/** The search box keeps its own text and writes it to the URL after a pause in typing. */
function SearchBox({ value, onSearch }: { value: string; onSearch: (q: string) => void }) {
  const [text, setText] = useState(value);
  const [lastValue, setLastValue] = useState(value);
  if (value !== lastValue) {
    // The URL changed from elsewhere (Clear filters, back): follow it.
    setLastValue(value);
    setText(value);
  }
  useEffect(() => {
    if (text.trim() === value) return;
    const timer = setTimeout(() => onSearch(text.trim()), 350);
    return () => clearTimeout(timer);
  }, [text, value, onSearch]);
  return (
    <div className="col-span-3 lg:col-span-1">
      <label htmlFor="export-search" className="block text-sm font-medium text-slate-800">
        Search by name
      </label>
      <input
        id="export-search"
        type="search"
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter") onSearch(text.trim());
        }}
        placeholder="e.g. Structural Set"
        maxLength={200}
        autoComplete="off"
        className={`mt-1 ${inputClass}`}
      />
    </div>
  );
}

function FilterSelect<T extends string>({ id, label, value, options, labels, onChange }: { id: string; label: string; value: T | undefined; options: readonly T[]; labels: Record<T, string>; onChange: (v: T | undefined) => void }) {
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      <select id={id} value={value ?? ""} onChange={(e) => onChange((e.target.value || undefined) as T | undefined)} className={`mt-1 ${inputClass} px-2 sm:px-3`}>
        <option value="">All</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {labels[o]}
          </option>
        ))}
      </select>
    </div>
  );
}

export function ExportsView({ stats, sources, suggestions }: Props) {
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const filters = useMemo(() => parseFilters(new URLSearchParams(searchParams.toString())), [searchParams]);
  const key = listKey(filters);

  // Cursors of the pages before this one, so Previous can go back.
  const [previousCursors, setPreviousCursors] = useState<(string | undefined)[]>([]);

  const { data, error, isLoading, mutate } = useSWR<ExportList>(key, fetcher, {
    keepPreviousData: true,
    refreshInterval: (d) => (d?.exports.some((e) => isActive(e.status)) ? POLL_MS : 0),
  });

  // The filters asked for last: two quick changes must not each start from the URL before either landed.
  const latest = useRef(filters);
  useEffect(() => {
    latest.current = filters;
  }, [filters]);
  const navigate = useCallback(
    (next: ExportFilters, keepPages = false) => {
      if (!keepPages) setPreviousCursors([]);
      latest.current = next;
      const qs = filtersToParams(next).toString();
      router.replace(qs ? `${pathname}?${qs}` : pathname, { scroll: false });
    },
    [router, pathname],
  );
  const setFilter = useCallback((patch: Partial<ExportFilters>) => navigate({ ...latest.current, ...patch, cursor: undefined }), [navigate]);

  // The summary numbers are rendered on the server: fetch them again when an export changes state.
  useExportStatusToasts(data?.exports, { onStatusChange: () => router.refresh() });

  // Something may be running that this filtered page does not show: keep the numbers moving.
  const pageHasActive = data?.exports.some((e) => isActive(e.status)) ?? false;
  useEffect(() => {
    if (stats.in_progress === 0 || pageHasActive) return;
    const timer = setInterval(() => {
      router.refresh();
      void mutate();
    }, POLL_MS * 2);
    return () => clearInterval(timer);
  }, [stats.in_progress, pageHasActive, router, mutate]);

  const onChanged = useCallback(() => {
    void mutate();
    router.refresh();
  }, [mutate, router]);
  const { act, busy, downloaded, dialog } = useExportActions({ onChanged });

  const onSearch = useCallback((q: string) => setFilter({ q: q || undefined }), [setFilter]);

  const offset = filters.cursor && previousCursors.length === 0 ? null : previousCursors.length * PAGE_SIZE;
  const filtered = hasFilters(filters);

  return (
    <div className="space-y-5">
      <SummaryCards stats={stats} />

      <section aria-labelledby="filters-heading" className="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
        <h2 id="filters-heading" className="sr-only">
          Filters
        </h2>
        <div className="grid grid-cols-3 items-end gap-3 lg:grid-cols-[minmax(0,2fr)_repeat(3,minmax(0,1fr))_auto]">
          <SearchBox value={filters.q ?? ""} onSearch={onSearch} />
          <FilterSelect id="filter-status" label="Status" value={filters.status} options={EXPORT_STATUSES} labels={STATUS_LABELS} onChange={(status) => setFilter({ status })} />
          <FilterSelect id="filter-format" label="Format" value={filters.format} options={EXPORT_FORMATS} labels={FORMAT_LABELS} onChange={(format) => setFilter({ format })} />
          <FilterSelect id="filter-type" label="Type" value={filters.type} options={EXPORT_TYPES} labels={TYPE_LABELS} onChange={(type) => setFilter({ type })} />
          {(filtered || filters.cursor) && (
            <div className="col-span-3 lg:col-span-1">
              <button type="button" onClick={() => navigate({})} className={buttonClass("secondary", "md", "w-full lg:w-auto")}>
                Clear filters
              </button>
            </div>
          )}
        </div>
      </section>

      <section aria-labelledby="exports-heading" aria-busy={isLoading}>
        <h2 id="exports-heading" className="sr-only">
          Export history
        </h2>
        {error && !data && (
          <p role="alert" className="rounded-md bg-red-50 p-4 text-sm text-red-800 ring-1 ring-red-200">
            Could not load exports: {error.message}{" "}
            <button type="button" onClick={() => navigate({})} className="font-semibold underline">
              Start over
            </button>
          </p>
        )}
        {!data && !error && <p className="rounded-lg bg-white p-6 text-sm text-slate-600 ring-1 ring-slate-200">Loading exports…</p>}
        {data && data.exports.length === 0 && !filtered && !filters.cursor && (
          <div className="rounded-lg border border-dashed border-slate-400 bg-white p-8 text-center" data-testid="exports-empty">
            <p className="text-lg font-semibold">No exports yet</p>
            <p className="mt-1 text-slate-700">Open a document or a project and press Export to make your first file.</p>
            {suggestions.length > 0 && (
              <ul className="mx-auto mt-4 max-w-md space-y-1 text-left text-sm">
                {suggestions.map((d) => (
                  <li key={d.id}>
                    <Link href={`/dashboard/documents/${d.id}`} className="font-medium text-blue-800 underline underline-offset-2">
                      {d.name}
                    </Link>{" "}
                    <span className="text-slate-600">in {d.project}</span>
                  </li>
                ))}
              </ul>
            )}
            <Link href="/dashboard" className={buttonClass("primary", "md", "mt-5")}>
              Browse documents
            </Link>
          </div>
        )}
        {data && data.exports.length === 0 && (filtered || filters.cursor) && (
          <div className="rounded-lg border border-dashed border-slate-400 bg-white p-8 text-center" data-testid="exports-no-match">
            <p className="font-semibold">No exports match {filtered ? "these filters" : "this page"}.</p>
            <button type="button" onClick={() => navigate({})} className={buttonClass("secondary", "md", "mt-3")}>
              Clear filters
            </button>
          </div>
        )}
        {data && data.exports.length > 0 && (
          <div className="rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
            <table className="w-full text-left text-sm" data-testid="exports-table">
              <caption className="sr-only">Exports, newest first{filtered ? ", filtered" : ""}</caption>
              <thead className="hidden border-b border-slate-200 bg-slate-50 text-xs font-semibold tracking-wide text-slate-700 uppercase lg:table-header-group">
                <tr>
                  <th scope="col" className="px-3 py-2.5">Name</th>
                  <th scope="col" className="px-3 py-2.5">Format</th>
                  <th scope="col" className="px-3 py-2.5">Status</th>
                  <th scope="col" className="px-3 py-2.5 text-right">Records</th>
                  <th scope="col" className="px-3 py-2.5 text-right">Size</th>
                  <th scope="col" className="px-3 py-2.5">Created</th>
                  <th scope="col" className="px-3 py-2.5">Expires</th>
                  <th scope="col" className="px-3 py-2.5 text-right">Downloads</th>
                  <th scope="col" className="px-3 py-2.5">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-200">
                {data.exports.map((e) => (
                  <ExportRow key={e.id} item={e} sources={sources} act={act} busy={busy} onDownload={downloaded} />
                ))}
              </tbody>
            </table>
          </div>
        )}
        {data && data.exports.length > 0 && (
          <nav aria-label="Pagination" className="mt-3 flex flex-wrap items-center justify-between gap-3 text-sm text-slate-700">
            <p aria-live="polite">
              {offset === null
                ? `Showing ${formatNumber(data.exports.length)} of ${formatNumber(data.total)}`
                : `Showing ${formatNumber(offset + 1)}–${formatNumber(offset + data.exports.length)} of ${formatNumber(data.total)}`}
            </p>
            <div className="flex gap-2">
              <button
                type="button"
                disabled={!filters.cursor}
                onClick={() => {
                  const prev = previousCursors.slice(0, -1);
                  const cursor = previousCursors[previousCursors.length - 1];
                  setPreviousCursors(prev);
                  navigate({ ...filters, cursor }, true);
                }}
                className={buttonClass("secondary")}
              >
                {filters.cursor && previousCursors.length === 0 ? "First page" : "Previous"}
              </button>
              <button
                type="button"
                disabled={!data.next_cursor}
                onClick={() => {
                  setPreviousCursors((p) => [...p, filters.cursor]);
                  navigate({ ...filters, cursor: data.next_cursor ?? undefined }, true);
                }}
                className={buttonClass("secondary")}
              >
                Next
              </button>
            </div>
          </nav>
        )}
      </section>
      {dialog}
    </div>
  );
}

const CELL = "flex items-baseline justify-between gap-4 py-1 before:text-xs before:font-semibold before:text-slate-600 before:content-[attr(data-label)] lg:table-cell lg:px-3 lg:py-3 lg:align-top lg:before:content-none";

function ExportRow({
  item: e,
  sources,
  act,
  busy,
  onDownload,
}: {
  item: ExportItem;
  sources: Record<string, string>;
  act: ReturnType<typeof useExportActions>["act"];
  busy: string | null;
  onDownload: () => void;
}) {
  return (
    <tr data-testid="export-row" data-export-id={e.id} data-status={e.status} className="block px-4 py-3 lg:table-row lg:p-0">
      <td className="block pb-2 lg:table-cell lg:min-w-52 lg:px-3 lg:py-3 lg:align-top">
        <Link href={`/dashboard/exports/${e.id}`} className="font-semibold break-words text-slate-900 hover:text-blue-800 hover:underline">
          {e.name}
        </Link>
        <div className="mt-0.5">
          <Source item={e} sources={sources} />
        </div>
      </td>
      <td data-label="Format" className={CELL}>
        <span className="font-medium">{formatLabel(e.format)}</span>
      </td>
      <td data-label="Status" className={CELL}>
        <div className="text-right lg:text-left">
          <StatusBadge item={e} />
          {e.status === "failed" && e.error_message && <p className="mt-1 max-w-56 text-xs break-words text-red-800">{e.error_message}</p>}
        </div>
      </td>
      <td data-label="Records" className={`${CELL} tabular-nums whitespace-nowrap lg:text-right`}>
        {formatNumber(e.records_count)}
        {isActive(e.status) && e.rows_total ? <span className="text-slate-600"> / {formatNumber(e.rows_total)}</span> : null}
      </td>
      <td data-label="Size" className={`${CELL} tabular-nums whitespace-nowrap lg:text-right`}>
        {formatBytes(e.file_size)}
      </td>
      <td data-label="Created" className={`${CELL} whitespace-nowrap`}>
        <RelativeTime iso={e.created_at} />
      </td>
      <td data-label="Expires" className={`${CELL} whitespace-nowrap`}>
        <Expires item={e} />
      </td>
      <td data-label="Downloads" className={`${CELL} tabular-nums lg:text-right`}>
        {formatNumber(e.download_count)}
      </td>
      <td className="block pt-2 lg:table-cell lg:w-px lg:px-3 lg:py-3 lg:align-top">
        <ExportActionButtons item={e} act={act} busy={busy} onDownload={onDownload} />
      </td>
    </tr>
  );
}
