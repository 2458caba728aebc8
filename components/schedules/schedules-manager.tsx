"use client";
/**
 * /dashboard/schedules: every schedule with its cadence, next run (relative,
 * exact on hover), last run's status linked to its export, and the actions:
 * run now, pause or resume, edit, delete. Polls only while a last export is
 * queued or running.
 */
import Link from "next/link";
import { useState } from "react";
import useSWR from "swr";
import { StatusPill } from "@/components/exports/status-badge";
import { buttonClass } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { RelativeTime } from "@/components/ui/relative-time";
import { useToast } from "@/components/ui/toast";
import { FORMAT_LABELS, isActive, type ExportFormat, type ExportStatus } from "@/lib/exports/model";
import { ApiError, fetcher, fetchJson } from "@/lib/fetcher";
import { describeCadence, MAX_SCHEDULES_PER_USER } from "@/lib/schedules/model";
import { ScheduleForm } from "./schedule-form";
import type { PresetChoice, ScheduleItem, SourceChoice } from "./types";

type List = { schedules: ScheduleItem[]; total: number };

function sourceHref(s: ScheduleItem["source"]) {
  return s.type === "document" ? `/dashboard/documents/${s.id}` : `/dashboard/projects/${s.id}`;
}

export function SchedulesManager({ initial, sources, presets }: { initial: List; sources: SourceChoice[]; presets: PresetChoice[] }) {
  const toast = useToast();
  const { data, mutate } = useSWR<List>("/api/schedules", fetcher, {
    fallbackData: initial,
    refreshInterval: (d) => (d?.schedules.some((s) => s.last_export_status && isActive(s.last_export_status as ExportStatus)) ? 2000 : 0),
  });
  const schedules = data?.schedules ?? [];
  const [editing, setEditing] = useState<ScheduleItem | null | undefined>(undefined);
  const [deleting, setDeleting] = useState<ScheduleItem | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const presetName = new Map(presets.map((p) => [p.id, p]));

  async function act(s: ScheduleItem, action: "run" | "pause" | "resume") {
    setBusy(`${s.id}:${action}`);
    try {
      if (action === "run") {
        const res = await fetchJson<{ export_id: string; message: string }>(`/api/schedules/${s.id}/run`, { method: "POST" });
        toast.show({
          tone: "success",
          title: `“${s.name}” is running`,
          message: res.message,
          action: { label: "View export", href: `/dashboard/exports/${res.export_id}` },
        });
      } else {
        await fetchJson(`/api/schedules/${s.id}/${action}`, { method: "POST" });
        toast.show({ tone: "info", title: action === "pause" ? `“${s.name}” is paused` : `“${s.name}” is running on schedule again` });
      }
      await mutate();
    } catch (err) {
      toast.show({ tone: "error", title: "That did not work", message: err instanceof ApiError ? err.message : "Try again." });
    } finally {
      setBusy(null);
    }
  }

  async function remove(s: ScheduleItem) {
    try {
      await fetchJson(`/api/schedules/${s.id}`, { method: "DELETE" });
      toast.show({ tone: "info", title: `Schedule “${s.name}” deleted`, message: "Its exports stay on the Exports page." });
      setDeleting(null);
      await mutate();
    } catch (err) {
      toast.show({ tone: "error", title: "The schedule was not deleted", message: err instanceof ApiError ? err.message : "Try again." });
    }
  }

  const atLimit = schedules.length >= MAX_SCHEDULES_PER_USER;

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <p className="text-sm text-slate-700" aria-live="polite">
          {schedules.length === 0 ? "No schedules yet." : `${schedules.length} of ${MAX_SCHEDULES_PER_USER} schedules`}
        </p>
        <button
          type="button"
          onClick={() => setEditing(null)}
          disabled={atLimit || sources.length === 0}
          className={buttonClass("primary")}
          title={atLimit ? `At most ${MAX_SCHEDULES_PER_USER} schedules; delete one to add another.` : undefined}
        >
          New schedule
        </button>
      </div>

      {schedules.length === 0 ? (
        <div className="rounded-lg border border-dashed border-slate-300 bg-white p-8 text-center text-sm text-slate-700">
          <p className="font-medium text-slate-900">Nothing runs on its own yet.</p>
          <p className="mt-1">
            Create a schedule here, or choose <strong>Repeat this export</strong> in a document&apos;s Export dialog.
          </p>
        </div>
      ) : (
        <ul className="space-y-3" aria-label="Schedules">
          {schedules.map((s) => {
            const preset = s.preset_id ? presetName.get(s.preset_id) : null;
            const as = s.preset_id ? `Preset “${preset?.name ?? "…"}”` : (FORMAT_LABELS[s.format as ExportFormat] ?? s.format);
            return (
              <li
                key={s.id}
                id={`schedule-${s.id}`}
                className="scroll-mt-20 rounded-lg border border-slate-200 bg-white p-4 shadow-sm target:ring-2 target:ring-blue-700"
                aria-label={s.name}
              >
                <div className="flex flex-wrap items-start justify-between gap-3">
                  <div className="min-w-0">
                    <h2 className="flex flex-wrap items-center gap-2 text-base font-semibold text-slate-900">
                      <span className="break-words">{s.name}</span>
                      {s.enabled ? (
                        <span className="rounded-full bg-emerald-50 px-2 py-0.5 text-xs font-semibold text-emerald-900 ring-1 ring-emerald-300 ring-inset">
                          Active
                        </span>
                      ) : (
                        <span className="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-semibold text-slate-800 ring-1 ring-slate-300 ring-inset">
                          Paused
                        </span>
                      )}
                    </h2>
                    <p className="mt-0.5 text-sm text-slate-700">
                      {describeCadence(s.cadence)} ({s.timezone}) · {as} ·{" "}
                      {s.source.name ? (
                        <Link href={sourceHref(s.source)} className="font-medium text-blue-800 underline underline-offset-2">
                          {s.source.name}
                        </Link>
                      ) : (
                        <span className="italic">source deleted</span>
                      )}
                    </p>
                    {!s.enabled && s.paused_reason && (
                      <p className="mt-1 text-sm font-medium text-amber-900" role="note">
                        {s.paused_reason}
                      </p>
                    )}
                  </div>
                  <div className="flex flex-wrap gap-2">
                    <button type="button" onClick={() => act(s, "run")} disabled={busy !== null} className={buttonClass("secondary", "sm")}>
                      {busy === `${s.id}:run` ? "Starting…" : "Run now"}
                    </button>
                    {s.enabled ? (
                      <button
                        type="button"
                        onClick={() => act(s, "pause")}
                        disabled={busy !== null}
                        className={buttonClass("secondary", "sm")}
                      >
                        Pause
                      </button>
                    ) : (
                      <button
                        type="button"
                        onClick={() => act(s, "resume")}
                        disabled={busy !== null}
                        className={buttonClass("secondary", "sm")}
                      >
                        Resume
                      </button>
                    )}
                    <button type="button" onClick={() => setEditing(s)} className={buttonClass("secondary", "sm")}>
                      Edit<span className="sr-only"> {s.name}</span>
                    </button>
                    <button
                      type="button"
                      onClick={() => setDeleting(s)}
                      className={buttonClass("ghost", "sm", "text-red-800 hover:bg-red-50")}
                    >
                      Delete<span className="sr-only"> {s.name}</span>
                    </button>
                  </div>
                </div>
                <dl className="mt-3 grid gap-2 text-sm sm:grid-cols-2">
                  <div>
                    <dt className="text-xs font-medium tracking-wide text-slate-600 uppercase">Next run</dt>
                    <dd className="text-slate-900">{s.enabled ? <RelativeTime iso={s.next_run_at} /> : "Paused"}</dd>
                  </div>
                  <div>
                    <dt className="text-xs font-medium tracking-wide text-slate-600 uppercase">Last run</dt>
                    <dd className="flex flex-wrap items-center gap-2 text-slate-900">
                      {s.last_export_id && s.last_export_status ? (
                        <>
                          <Link
                            href={`/dashboard/exports/${s.last_export_id}`}
                            className="inline-flex items-center gap-1.5"
                            aria-label={`Last export: ${s.last_export_status}`}
                          >
                            <StatusPill status={s.last_export_status} />
                          </Link>
                          <RelativeTime iso={s.last_run_at} />
                        </>
                      ) : s.last_run_at ? (
                        <RelativeTime iso={s.last_run_at} />
                      ) : (
                        "Not yet"
                      )}
                      {s.last_run_at && (
                        <Link
                          href={`/dashboard/exports?schedule_id=${s.id}`}
                          className="font-medium text-blue-800 underline underline-offset-2"
                        >
                          All runs<span className="sr-only"> of {s.name}</span>
                        </Link>
                      )}
                      {s.consecutive_failures > 0 && <span className="text-xs text-red-800">{s.consecutive_failures} failed in a row</span>}
                    </dd>
                  </div>
                </dl>
              </li>
            );
          })}
        </ul>
      )}

      {editing !== undefined && (
        <ScheduleForm
          key={editing?.id ?? "new"}
          open
          schedule={editing}
          sources={sources}
          presets={presets}
          onClose={() => setEditing(undefined)}
          onSaved={async (saved) => {
            toast.show({ tone: "success", title: editing ? `Schedule “${saved.name}” saved` : `Schedule “${saved.name}” created` });
            setEditing(undefined);
            await mutate();
          }}
        />
      )}
      <ConfirmDialog
        open={deleting !== null}
        title="Delete this schedule?"
        message={<p>“{deleting?.name}” stops running. The exports it already made stay on the Exports page.</p>}
        confirmLabel="Delete schedule"
        onConfirm={() => (deleting ? remove(deleting) : undefined)}
        onClose={() => setDeleting(null)}
      />
    </div>
  );
}
