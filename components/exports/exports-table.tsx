"use client";
/**
 * The exports table: one row per export with its source, format, status and
 * progress, records, size, times, downloads and actions. Below the lg
 * breakpoint each row is a card whose cells label themselves (data-label).
 */
import Link from "next/link";
import { RelativeTime } from "@/components/ui/relative-time";
import { formatBytes, formatNumber } from "@/lib/format";
import { isActive } from "@/lib/exports/model";
import { ExportActionButtons, type ExportAction } from "./export-actions";
import { StatusBadge } from "./status-badge";
import { formatLabel, type ExportItem } from "./types";
import { ScheduleLink } from "@/components/schedules/schedule-link";

type Actions = { act: (e: ExportItem, action: ExportAction) => void; busy: string | null };

type Props = Actions & {
  exports: ExportItem[];
  /** Names of the user's documents and projects by id, for the Source line. */
  sources: Record<string, string>;
  /** Whether filters narrow the list (the caption says so). */
  filtered: boolean;
  onDownload: () => void;
};

export function ExportsTable({ exports, sources, filtered, act, busy, onDownload }: Props) {
  return (
    <div className="rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
      <table className="w-full text-left text-sm" data-testid="exports-table">
        <caption className="sr-only">Exports, newest first{filtered ? ", filtered" : ""}</caption>
        <thead className="hidden border-b border-slate-200 bg-slate-50 text-xs font-semibold tracking-wide text-slate-700 uppercase lg:table-header-group">
          <tr>
            <th scope="col" className="px-3 py-2.5">
              Name
            </th>
            <th scope="col" className="px-3 py-2.5">
              Format
            </th>
            <th scope="col" className="px-3 py-2.5">
              Status
            </th>
            <th scope="col" className="px-3 py-2.5 text-right">
              Records
            </th>
            <th scope="col" className="px-3 py-2.5 text-right">
              Size
            </th>
            <th scope="col" className="px-3 py-2.5">
              Created
            </th>
            <th scope="col" className="px-3 py-2.5">
              Expires
            </th>
            <th scope="col" className="px-3 py-2.5 text-right">
              Downloads
            </th>
            <th scope="col" className="px-3 py-2.5">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-200">
          {exports.map((e) => (
            <ExportRow key={e.id} item={e} sources={sources} act={act} busy={busy} onDownload={onDownload} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

const CELL =
  "flex items-baseline justify-between gap-4 py-1 before:text-xs before:font-semibold before:text-slate-600 before:content-[attr(data-label)] lg:table-cell lg:px-3 lg:py-3 lg:align-top lg:before:content-none";

function ExportRow({
  item: e,
  sources,
  act,
  busy,
  onDownload,
}: Actions & { item: ExportItem; sources: Record<string, string>; onDownload: () => void }) {
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
      {item.schedule_id && (
        <>
          {" · "}Schedule: <ScheduleLink scheduleId={item.schedule_id} />
        </>
      )}
    </span>
  );
}
