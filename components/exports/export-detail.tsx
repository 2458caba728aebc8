"use client";
/**
 * One export in full: status with live progress, error and warnings, every
 * field, the options it was made with, and the event timeline. Export and
 * timeline poll about every 2 s while the export is queued or running.
 * On a phone the timeline comes right after the status; on a wide screen it
 * stays in the right-hand column under the options.
 */
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useCallback, useMemo, useState } from "react";
import useSWR from "swr";
import { CopyButton } from "@/components/ui/copy-button";
import { RelativeTime } from "@/components/ui/relative-time";
import { fetcher } from "@/lib/fetcher";
import { formatBytes, formatDuration, formatExact, formatMilliseconds, formatNumber, plural } from "@/lib/format";
import { isActive } from "@/lib/exports/model";
import { ExportActionButtons, useExportActions } from "./export-actions";
import { repeatsSubtitle, shownOptions } from "./export-options";
import { RenameExport } from "./rename-export";
import { SharePanel } from "./share-panel";
import { ProgressBar, StatusPill } from "./status-badge";
import { TYPE_LABELS, formatLabel, type ExportEvent, type ExportItem } from "./types";
import { useExportStatusToasts } from "./use-export-status-toasts";
import { ScheduleLink } from "@/components/schedules/schedule-link";

const POLL_MS = 2000;

const OPTION_LABELS: Record<string, string> = {
  include_unverified: "Include unverified measurements",
  include_costs: "Include costs",
  condition_ids: "Only these conditions",
  timezone: "Time zone",
  bom: "Byte order mark",
  delimiter: "Delimiter",
  page_size: "Page size",
  orientation: "Orientation",
  pretty: "Indented JSON",
  columns: "Columns",
  takeoff_maps: "Takeoff maps",
  breakdown: "Quantities by",
  group_by: "Summary grouped by",
};

function optionValue(key: string, value: unknown): string {
  if (typeof value === "boolean") return value ? "Yes" : "No";
  if (key === "delimiter") return value === "\t" ? "Tab" : value === "," ? "Comma (,)" : value === ";" ? "Semicolon (;)" : String(value);
  if (key === "columns" && Array.isArray(value)) return value.map((c) => String(c).replace(/_/g, " ")).join(", ");
  if (Array.isArray(value)) return plural(value.length, "condition");
  if (value === null || value === undefined) return "—";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

const EVENT_TEXT: Record<string, { title: string; dot: string }> = {
  created: { title: "Created", dot: "bg-slate-500" },
  started: { title: "Started", dot: "bg-blue-600" },
  completed: { title: "Completed", dot: "bg-emerald-600" },
  failed: { title: "Failed", dot: "bg-red-600" },
  retried: { title: "Retried", dot: "bg-amber-500" },
  cancelled: { title: "Cancelled", dot: "bg-slate-500" },
  downloaded: { title: "Downloaded", dot: "bg-blue-600" },
  expired: { title: "Expired", dot: "bg-slate-400" },
  deleted: { title: "Deleted", dot: "bg-red-600" },
  shared: { title: "Shared", dot: "bg-emerald-600" },
  share_revoked: { title: "Share link revoked", dot: "bg-slate-500" },
  duplicated: { title: "Exported again", dot: "bg-blue-600" },
};

const VIA_TEXT: Record<string, string> = { dashboard: "from the dashboard", api: "with an API key", share: "through a share link" };

/** One line about an event, from its data, in words. */
function eventSummary(e: ExportEvent): string | null {
  const d = (e.data ?? {}) as Record<string, unknown>;
  switch (e.type) {
    case "created":
      return (
        [
          d.format ? `${formatLabel(String(d.format))} export` : null,
          d.source ? `of a ${d.source}` : null,
          d.duplicate_of ? "· a copy of an earlier export" : null,
          d.preset_id ? "· with a preset" : null,
        ]
          .filter(Boolean)
          .join(" ") || null
      );
    case "duplicated":
      return "A new export was made with the same settings";
    case "started":
      return typeof d.attempt === "number" ? `Attempt ${d.attempt}` : null;
    case "completed":
      return [
        typeof d.records === "number" ? plural(d.records, "record") : null,
        typeof d.file_size === "number" ? formatBytes(d.file_size) : null,
        typeof d.duration_ms === "number" ? `took ${formatMilliseconds(d.duration_ms)}` : null,
      ]
        .filter(Boolean)
        .join(" · ");
    case "failed":
      return typeof d.message === "string" ? d.message : null;
    case "retried":
      if (d.automatic)
        return `Attempt ${d.attempt ?? "?"} failed${typeof d.message === "string" ? `: ${d.message}` : ""}; retrying automatically`;
      return `Retried by hand${typeof d.from === "string" ? ` after it was ${d.from}` : ""}`;
    case "cancelled":
      return typeof d.from === "string" ? `While ${d.from}` : null;
    case "downloaded":
      return (
        [typeof d.download_count === "number" ? `Download #${d.download_count}` : null, VIA_TEXT[String(d.via)] ?? null]
          .filter(Boolean)
          .join(" ") || null
      );
    case "shared":
      return [
        typeof d.label === "string" ? d.label : "A link",
        typeof d.max_downloads === "number" ? `for ${plural(d.max_downloads, "download")}` : null,
        typeof d.expires_at === "string" ? `until ${formatExact(d.expires_at)}` : null,
      ]
        .filter(Boolean)
        .join(" ");
    case "expired":
      return "The file was deleted after its retention period";
    default:
      return null;
  }
}

function Field({ label, children, mono = false }: { label: string; children: React.ReactNode; mono?: boolean }) {
  return (
    <div className="grid gap-1 py-2.5 sm:grid-cols-[12rem_minmax(0,1fr)] sm:gap-4">
      <dt className="text-sm font-medium text-slate-600">{label}</dt>
      <dd className={`min-w-0 text-sm break-words text-slate-900 ${mono ? "font-mono text-xs break-all" : ""}`}>{children}</dd>
    </div>
  );
}

function When({ iso }: { iso: string | null }) {
  if (!iso) return <span className="text-slate-600">—</span>;
  return (
    <span>
      {formatExact(iso)}{" "}
      <span className="text-slate-600">
        (<RelativeTime iso={iso} />)
      </span>
    </span>
  );
}

function Card({ title, children, id, className = "" }: { title: string; children: React.ReactNode; id: string; className?: string }) {
  return (
    <section aria-labelledby={id} className={`rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200 sm:p-5 ${className}`}>
      <h2 id={id} className="text-base font-semibold text-slate-900">
        {title}
      </h2>
      <div className="mt-2">{children}</div>
    </section>
  );
}

export function ExportDetail({ id, sourceName }: { id: string; sourceName: string | null }) {
  const router = useRouter();
  const [gone, setGone] = useState(false);
  const { data: item, mutate } = useSWR<ExportItem>(gone ? null : `/api/exports/${id}`, fetcher, {
    refreshInterval: (d) => (d && isActive(d.status) ? POLL_MS : 0),
  });
  const active = item ? isActive(item.status) : false;
  const { data: eventsData, mutate: mutateEvents } = useSWR<{ events: ExportEvent[] }>(gone ? null : `/api/exports/${id}/events`, fetcher, {
    refreshInterval: active ? POLL_MS : 0,
  });

  // A change of state is a new entry in the timeline; the toast needs no link to the page it is shown on.
  const watched = useMemo(() => (item ? [item] : undefined), [item]);
  useExportStatusToasts(watched, { onStatusChange: () => void mutateEvents(), linkToDetails: false });

  const onChanged = useCallback(() => {
    if (gone) return;
    void mutate();
    void mutateEvents();
  }, [gone, mutate, mutateEvents]);
  const onDeleted = useCallback(() => {
    setGone(true);
    router.push("/dashboard/exports");
  }, [router]);
  const { act, busy, downloaded, dialog } = useExportActions({ onChanged, onDeleted });

  if (!item) return <p className="text-slate-600">Loading…</p>;
  const sourceHref =
    item.type === "document_export" ? `/dashboard/documents/${item.document_id}` : `/dashboard/projects/${item.project_id}`;
  const events = eventsData?.events ?? [];
  // Only the options that change this format's file (a CSV has no costs unless cost columns were chosen).
  const options = shownOptions(item.format, item.options as Record<string, unknown> | null);
  // The default description says what the subtitle says: show it only when someone wrote their own.
  const description = repeatsSubtitle(item.description, [formatLabel(item.format), item.format], sourceName) ? null : item.description;
  const warnings = (item.warnings ?? []) as string[];

  return (
    <div className="space-y-5" data-testid="export-detail" data-status={item.status}>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0 space-y-1">
          <div className="flex flex-wrap items-center gap-2">
            <h1 className="text-2xl font-bold break-words">{item.name}</h1>
            <span data-testid="export-status" data-status={item.status}>
              <StatusPill status={item.status} />
            </span>
          </div>
          <p className="text-slate-700">
            {formatLabel(item.format)} export of {item.type === "document_export" ? "the document" : "the project"}{" "}
            <Link href={sourceHref} className="font-medium text-blue-800 underline underline-offset-2">
              {sourceName ?? "source"}
            </Link>
            {description ? <span className="block text-sm text-slate-600">{description}</span> : null}
          </p>
        </div>
        <div className="flex flex-wrap gap-2">
          <RenameExport
            item={item}
            onSaved={(e) => {
              void mutate(e, { revalidate: false });
              // The breadcrumb is rendered on the server.
              router.refresh();
            }}
          />
          <SharePanel item={item} onChanged={onChanged} />
          <ExportActionButtons item={item} act={act} busy={busy} onDownload={downloaded} showDetails={false} size="md" />
        </div>
      </div>

      {active && (
        <section aria-labelledby="progress-heading" className="rounded-lg bg-blue-50 p-4 ring-1 ring-blue-200">
          <h2 id="progress-heading" className="text-sm font-semibold text-blue-950">
            {item.status === "pending" ? "Waiting to start" : "Working on it"}
          </h2>
          <div className="mt-2">
            <ProgressBar value={item.progress} label={`Progress of ${item.name}`} />
          </div>
          <p className="mt-2 text-sm text-blue-950" data-testid="export-step">
            {item.progress_step ?? "Queued"} · <span className="tabular-nums">{item.progress}%</span>
            {item.rows_total ? (
              <span className="tabular-nums">
                {" "}
                · {formatNumber(item.records_count)} of {formatNumber(item.rows_total)} records
              </span>
            ) : null}
          </p>
        </section>
      )}

      {item.status === "failed" && (
        <section aria-labelledby="error-heading" className="rounded-lg bg-red-50 p-4 ring-1 ring-red-200" data-testid="export-error">
          <h2 id="error-heading" className="text-sm font-semibold text-red-900">
            The export failed{item.error_kind ? ` (${item.error_kind} error)` : ""}
          </h2>
          <p className="mt-1 text-sm break-words text-red-900">{item.error_message ?? "No message was recorded."}</p>
          <p className="mt-1 text-xs text-red-900">{plural(item.attempts, "attempt")} made. Retry runs it again from the start.</p>
        </section>
      )}
      {item.status === "cancelled" && (
        <p className="rounded-lg bg-slate-100 p-4 text-sm text-slate-800 ring-1 ring-slate-200">
          This export was cancelled. Retry runs it again.
        </p>
      )}
      {item.status === "expired" && (
        <p className="rounded-lg bg-slate-100 p-4 text-sm text-slate-800 ring-1 ring-slate-200">
          The file expired and was deleted. Retry makes it again.
        </p>
      )}

      {warnings.length > 0 && (
        <section aria-labelledby="warnings-heading" className="rounded-lg bg-amber-50 p-4 ring-1 ring-amber-200">
          <h2 id="warnings-heading" className="text-sm font-semibold text-amber-950">
            {plural(warnings.length, "warning")}
          </h2>
          <ul className="mt-1 list-disc space-y-1 pl-5 text-sm text-amber-950">
            {warnings.map((w, i) => (
              <li key={i}>{w}</li>
            ))}
          </ul>
        </section>
      )}

      {/* Below lg the columns dissolve (display: contents) into one list, so the timeline can move up. */}
      <div className="grid gap-5 lg:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
        <div className="contents lg:block lg:space-y-5">
          <Card title="File" id="file-heading">
            <dl className="divide-y divide-slate-100">
              <Field label="File name">{item.file_name ?? "—"}</Field>
              <Field label="Size">
                {item.file_size !== null ? `${formatBytes(item.file_size)} (${formatNumber(item.file_size)} bytes)` : "—"}
              </Field>
              <Field label="Content type" mono>
                {item.content_type ?? "—"}
              </Field>
              <Field label="Checksum (SHA-256)" mono>
                {item.checksum_sha256 ? (
                  <span className="flex flex-wrap items-center gap-2">
                    <span>{item.checksum_sha256}</span>
                    <CopyButton text={item.checksum_sha256} label="Copy checksum" />
                  </span>
                ) : (
                  "—"
                )}
              </Field>
              <Field label="Records">
                {formatNumber(item.records_count)}
                {item.rows_total !== null ? ` of ${formatNumber(item.rows_total)}` : ""}
              </Field>
              <Field label="Downloads">
                {formatNumber(item.download_count)}
                {item.last_downloaded_at ? (
                  <span className="text-slate-600">
                    {" "}
                    · last <RelativeTime iso={item.last_downloaded_at} />
                  </span>
                ) : null}
              </Field>
              <Field label="Expires">
                <When iso={item.expires_at} />
              </Field>
              <Field label="Storage key" mono>
                {item.file_key ?? "—"}
              </Field>
            </dl>
          </Card>

          <Card title="Details" id="details-heading">
            <dl className="divide-y divide-slate-100">
              <Field label="Export ID" mono>
                {item.id}
              </Field>
              <Field label="Task ID" mono>
                {item.task_id}
              </Field>
              <Field label="Type">{TYPE_LABELS[item.type]}</Field>
              <Field label="Format">{formatLabel(item.format)}</Field>
              {item.duplicate_of && (
                <Field label="Copy of">
                  <Link href={`/dashboard/exports/${item.duplicate_of}`} className="text-blue-800 underline underline-offset-2">
                    the export it was made again from
                  </Link>
                </Field>
              )}
              {item.preset_id && (
                <Field label="Preset">
                  <Link href="/dashboard/presets" className="text-blue-800 underline underline-offset-2">
                    made with a preset
                  </Link>{" "}
                  <span className="text-slate-600">(its settings were copied; changing the preset does not change this export)</span>
                </Field>
              )}
              {item.schedule_id && (
                <Field label="Schedule">
                  <ScheduleLink scheduleId={item.schedule_id} slot={item.schedule_slot} className="text-blue-800" />
                  {item.schedule_slot && <span className="text-slate-600"> · the run of {formatExact(item.schedule_slot)}</span>}
                </Field>
              )}
              <Field label="Progress">
                {item.progress}% · {item.progress_step ?? "—"}
              </Field>
              <Field label="Attempts">{formatNumber(item.attempts)}</Field>
              <Field label="Created">
                <When iso={item.created_at} />
              </Field>
              <Field label="Started">
                <When iso={item.started_at} />
              </Field>
              <Field label="Completed">
                <When iso={item.completed_at} />
              </Field>
              <Field label="Duration">{formatDuration(item.started_at, item.completed_at)}</Field>
              <Field label="Updated">
                <When iso={item.updated_at} />
              </Field>
            </dl>
          </Card>
        </div>

        <div className="contents lg:block lg:space-y-5">
          <Card title="Options" id="options-heading">
            {options.length === 0 ? (
              <p className="text-sm text-slate-600">Defaults.</p>
            ) : (
              <dl className="divide-y divide-slate-100" data-testid="export-options">
                {options.map(([k, v]) => (
                  <Field key={k} label={OPTION_LABELS[k] ?? k}>
                    {optionValue(k, v)}
                  </Field>
                ))}
              </dl>
            )}
          </Card>

          <Card title="Timeline" id="timeline-heading" className="max-lg:order-first">
            {events.length === 0 ? (
              <p className="text-sm text-slate-600">No events yet.</p>
            ) : (
              <ol className="relative mt-1 space-y-4 border-l border-slate-300 pl-5" data-testid="export-timeline">
                {events.map((ev) => {
                  const meta = EVENT_TEXT[ev.type] ?? { title: ev.type, dot: "bg-slate-500" };
                  const summary = eventSummary(ev);
                  return (
                    <li key={ev.id} className="relative" data-event={ev.type}>
                      <span
                        aria-hidden="true"
                        className={`absolute top-1.5 -left-[1.6rem] h-2.5 w-2.5 rounded-full ring-4 ring-white ${meta.dot}`}
                      />
                      <p className="text-sm font-semibold text-slate-900">{meta.title}</p>
                      <p className="text-xs text-slate-600">
                        <time dateTime={ev.created_at}>{formatExact(ev.created_at)}</time>
                      </p>
                      {summary && <p className="mt-0.5 text-sm break-words text-slate-700">{summary}</p>}
                    </li>
                  );
                })}
              </ol>
            )}
          </Card>
        </div>
      </div>
      {dialog}
    </div>
  );
}
