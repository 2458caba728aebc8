"use client";
/**
 * The exports page body: summary cards, filters and search, the table and
 * cursor pagination — all view state in the URL so a view can be shared.
 * SWR polls about every 2 s only while something is pending or processing;
 * a toast tells when an export completes (with Download) or fails (with its
 * message), and the server-rendered summary numbers are refreshed then.
 */
import { useRouter } from "next/navigation";
import { useCallback, useEffect } from "react";
import useSWR from "swr";
import { isActive } from "@/lib/exports/model";
import { fetcher } from "@/lib/fetcher";
import { DownloadsChart, useDownloadStats } from "./downloads-chart";
import { useExportActions } from "./export-actions";
import { ExportsFilterBar } from "./exports-filter-bar";
import { NoExportsYet, NoMatchingExports, type Suggestion } from "./exports-empty";
import { ExportsPagination } from "./exports-pagination";
import { ExportsTable } from "./exports-table";
import { listKey } from "./query";
import { SummaryCards } from "./summary-cards";
import type { ExportList, ExportStats } from "./types";
import { useExportFilters } from "./use-export-filters";
import { useExportStatusToasts } from "./use-export-status-toasts";

const POLL_MS = 2000;

type Props = {
  stats: ExportStats;
  /** Names of the user's documents and projects by id, for the Source column. */
  sources: Record<string, string>;
  /** A few documents to suggest when there is nothing yet. */
  suggestions: Suggestion[];
};

export function ExportsView({ stats, sources, suggestions }: Props) {
  const router = useRouter();
  const { filters, filtered, offset, setFilter, clear, nextPage, previousPage } = useExportFilters();

  const { data, error, isLoading, mutate } = useSWR<ExportList>(listKey(filters), fetcher, {
    keepPreviousData: true,
    refreshInterval: (d) => (d?.exports.some((e) => isActive(e.status)) ? POLL_MS : 0),
  });

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

  // Downloads per day (SPEC §14.4); refreshed with the list after every action and download.
  const { data: downloadStats, error: statsError, mutate: mutateStats } = useDownloadStats();

  const onChanged = useCallback(() => {
    void mutate();
    void mutateStats();
    router.refresh();
  }, [mutate, mutateStats, router]);
  const { act, busy, downloaded, dialog } = useExportActions({ onChanged });

  const paged = Boolean(filters.cursor);

  return (
    <div className="space-y-5">
      <SummaryCards stats={stats} />

      <DownloadsChart stats={downloadStats} error={statsError} />

      <ExportsFilterBar filters={filters} canClear={filtered || paged} onChange={setFilter} onClear={clear} />

      <section aria-labelledby="exports-heading" aria-busy={isLoading}>
        <h2 id="exports-heading" className="sr-only">
          Export history
        </h2>
        {error && !data && (
          <p role="alert" className="rounded-md bg-red-50 p-4 text-sm text-red-800 ring-1 ring-red-200">
            Could not load exports: {error.message}{" "}
            <button type="button" onClick={clear} className="font-semibold underline">
              Start over
            </button>
          </p>
        )}
        {!data && !error && <p className="rounded-lg bg-white p-6 text-sm text-slate-600 ring-1 ring-slate-200">Loading exports…</p>}
        {data &&
          data.exports.length === 0 &&
          (filtered || paged ? <NoMatchingExports filtered={filtered} onClear={clear} /> : <NoExportsYet suggestions={suggestions} />)}
        {data && data.exports.length > 0 && (
          <>
            <ExportsTable exports={data.exports} sources={sources} filtered={filtered} act={act} busy={busy} onDownload={downloaded} />
            <ExportsPagination
              shown={data.exports.length}
              total={data.total}
              offset={offset}
              hasPrevious={paged}
              nextCursor={data.next_cursor}
              onPrevious={previousPage}
              onNext={nextPage}
            />
          </>
        )}
      </section>
      {dialog}
    </div>
  );
}
