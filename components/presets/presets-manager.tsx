"use client";
/**
 * The presets page (SPEC §13.1): the user's presets with what each one sets,
 * a dialog to create or edit one, and deletion with confirmation. The API's
 * error messages are shown as they come (a taken name, options a format does
 * not take, an unknown name-template placeholder, schedules that still use a
 * preset).
 */
import { useState } from "react";
import useSWR from "swr";
import { buttonClass } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { RelativeTime } from "@/components/ui/relative-time";
import { useToast } from "@/components/ui/toast";
import { fetcher, fetchJson } from "@/lib/fetcher";
import { formatLabel, type FormatInfo } from "@/components/exports/types";
import { PresetDialog, type Preset } from "./preset-form";
import { optionSummary } from "./preset-options";

type PresetList = { presets: Preset[] };

export function PresetsManager({ initialPresets, formats }: { initialPresets: Preset[]; formats: FormatInfo[] }) {
  const toast = useToast();
  const { data, mutate } = useSWR<PresetList>("/api/presets", fetcher, { fallbackData: { presets: initialPresets } });
  const [editing, setEditing] = useState<Preset | "new" | null>(null);
  const [toDelete, setToDelete] = useState<Preset | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const presets = data?.presets ?? [];

  async function remove(p: Preset) {
    setProblem(null);
    try {
      await fetchJson(`/api/presets/${p.id}`, { method: "DELETE" });
      toast.show({ tone: "info", title: "Preset deleted", message: p.name });
    } catch (err) {
      setProblem(`Could not delete “${p.name}”: ${err instanceof Error ? err.message : "the request failed."}`);
    } finally {
      setToDelete(null);
      await mutate();
    }
  }

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <p className="text-sm text-slate-700" aria-live="polite">
          {presets.length === 0 ? "No presets yet." : presets.length === 1 ? "1 preset" : `${presets.length} presets`}
        </p>
        <button type="button" onClick={() => setEditing("new")} className={buttonClass("primary")} data-testid="new-preset">
          New preset
        </button>
      </div>

      {problem && (
        <div
          role="alert"
          className="flex items-start justify-between gap-3 rounded-md bg-red-50 p-3 text-sm text-red-900 ring-1 ring-red-200"
        >
          <p className="break-words">{problem}</p>
          <button type="button" onClick={() => setProblem(null)} className={buttonClass("ghost", "sm", "text-red-900")}>
            Dismiss
          </button>
        </div>
      )}

      {presets.length === 0 ? (
        <div className="rounded-lg bg-white p-6 text-sm text-slate-700 shadow-sm ring-1 ring-slate-200">
          <p className="font-medium text-slate-900">Export the same way every time.</p>
          <p className="mt-1">
            Create a preset here, or open a document or project, choose the settings in its Export dialog and use{" "}
            <strong>Save as preset</strong>.
          </p>
        </div>
      ) : (
        <ul className="grid gap-3 md:grid-cols-2" data-testid="presets-list">
          {presets.map((p) => (
            <li key={p.id} className="flex flex-col rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200" data-testid="preset-item">
              <div className="flex flex-wrap items-start justify-between gap-2">
                <h2 className="min-w-0 text-base font-semibold break-words text-slate-900">{p.name}</h2>
                <span className="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-800 ring-1 ring-slate-300">
                  {formatLabel(p.format)}
                </span>
              </div>
              {p.description && <p className="mt-1 text-sm break-words text-slate-700">{p.description}</p>}
              <dl className="mt-2 space-y-1 text-sm">
                <div className="flex flex-wrap gap-x-2">
                  <dt className="font-medium text-slate-600">Options:</dt>
                  <dd className="min-w-0 break-words text-slate-800">{optionSummary(p.format, p.options)}</dd>
                </div>
                <div className="flex flex-wrap gap-x-2">
                  <dt className="font-medium text-slate-600">Export name:</dt>
                  <dd className="min-w-0 break-words text-slate-800">
                    {p.name_template ? <code className="rounded bg-slate-100 px-1">{p.name_template}</code> : "the default name"}
                  </dd>
                </div>
                <div className="flex flex-wrap gap-x-2 text-xs text-slate-600">
                  <dt>Changed</dt>
                  <dd>
                    <RelativeTime iso={p.updated_at} />
                  </dd>
                </div>
              </dl>
              <div className="mt-3 flex flex-wrap gap-2 pt-1">
                <button type="button" onClick={() => setEditing(p)} className={buttonClass("secondary", "sm")}>
                  Edit<span className="sr-only"> {p.name}</span>
                </button>
                <button
                  type="button"
                  onClick={() => setToDelete(p)}
                  className={buttonClass("secondary", "sm", "text-red-800 hover:bg-red-50")}
                >
                  Delete<span className="sr-only"> {p.name}</span>
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}

      <PresetDialog
        open={editing !== null}
        preset={editing === "new" ? null : editing}
        formats={formats}
        onClose={() => setEditing(null)}
        onSaved={(saved, created) => {
          setEditing(null);
          setProblem(null);
          toast.show({ tone: "success", title: created ? "Preset created" : "Preset saved", message: saved.name });
          void mutate();
        }}
      />
      <ConfirmDialog
        open={toDelete !== null}
        title="Delete this preset?"
        message={
          toDelete && (
            <>
              <p>
                <strong className="break-words">{toDelete.name}</strong> will be deleted. Exports already made with it keep their settings.
              </p>
              <p className="mt-2 text-slate-600">A preset that schedules use cannot be deleted; change those schedules first.</p>
            </>
          )
        }
        confirmLabel="Delete preset"
        onClose={() => setToDelete(null)}
        onConfirm={async () => {
          if (toDelete) await remove(toDelete);
        }}
      />
    </div>
  );
}
