"use client";
/**
 * Create or edit a schedule in a dialog: name, source, a preset or a format,
 * and the cadence. A format chosen here exports with that format's default
 * options (the export dialog's "Repeat this export" keeps the options chosen
 * there); editing keeps a schedule's options while its format stays.
 */
import { useId, useState } from "react";
import { buttonClass, inputClass } from "@/components/ui/button";
import { Dialog, DialogFooter } from "@/components/ui/dialog";
import { ApiError, fetchJson } from "@/lib/fetcher";
import { EXPORT_FORMATS, FORMAT_LABELS, type ExportFormat } from "@/lib/exports/model";
import { CadenceFields, cadenceFrom, defaultCadence, toCadence, type CadenceValue } from "./cadence-fields";
import type { PresetChoice, ScheduleItem, SourceChoice } from "./types";

type Props = {
  open: boolean;
  onClose: () => void;
  onSaved: (s: ScheduleItem) => void;
  schedule?: ScheduleItem | null;
  sources: SourceChoice[];
  presets: PresetChoice[];
};

const sourceKey = (s: { type: string; id: string }) => `${s.type}:${s.id}`;

function browserZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

export function ScheduleForm({ open, onClose, onSaved, schedule, sources, presets }: Props) {
  const id = useId();
  const editing = Boolean(schedule);
  const [name, setName] = useState(schedule?.name ?? "");
  const [source, setSource] = useState(schedule ? sourceKey(schedule.source) : sources[0] ? sourceKey(sources[0]) : "");
  const [using, setUsing] = useState<string>(
    schedule?.preset_id ? `preset:${schedule.preset_id}` : `format:${schedule?.format ?? "excel"}`,
  );
  const [cadence, setCadence] = useState<CadenceValue>(
    schedule ? cadenceFrom(schedule.cadence, schedule.timezone) : defaultCadence(browserZone()),
  );
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setError(null);
    const [type, sourceId] = source.split(":");
    const [kind, value] = using.split(":");
    const body: Record<string, unknown> = {
      name: name.trim(),
      source: { type, id: sourceId },
      cadence: toCadence(cadence),
      timezone: cadence.timezone,
    };
    if (kind === "preset") body.preset_id = value;
    else if (!editing || schedule?.format !== value || schedule?.preset_id) body.format = value;
    setSaving(true);
    try {
      const saved = await fetchJson<ScheduleItem>(editing ? `/api/schedules/${schedule!.id}` : "/api/schedules", {
        method: editing ? "PATCH" : "POST",
        body: JSON.stringify(body),
      });
      onSaved(saved);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : "The schedule could not be saved. Try again.");
    } finally {
      setSaving(false);
    }
  }

  const sourceMissing = editing && schedule && !sources.some((s) => sourceKey(s) === sourceKey(schedule.source));

  return (
    <Dialog open={open} onClose={onClose} title={editing ? "Edit schedule" : "New schedule"} dismissible={!saving} size="max-w-xl">
      <form onSubmit={submit} className="flex min-h-0 flex-col">
        <div className="space-y-4 overflow-y-auto px-5 py-4">
          <div>
            <label htmlFor={`${id}-name`} className="block text-sm font-medium text-slate-900">
              Name
            </label>
            <input
              id={`${id}-name`}
              required
              maxLength={200}
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder="Weekly structural takeoff"
              className={`${inputClass} mt-1`}
            />
            <p className="mt-1 text-xs text-slate-600">Each export is named after it with the date, unless its preset names it.</p>
          </div>
          <div>
            <label htmlFor={`${id}-source`} className="block text-sm font-medium text-slate-900">
              Export
            </label>
            <select
              id={`${id}-source`}
              required
              value={source}
              onChange={(e) => setSource(e.target.value)}
              className={`${inputClass} mt-1`}
            >
              {sourceMissing && <option value={source}>{schedule?.source.name ?? "(deleted source)"}</option>}
              {sources.map((s) => (
                <option key={sourceKey(s)} value={sourceKey(s)}>
                  {s.label}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor={`${id}-using`} className="block text-sm font-medium text-slate-900">
              As
            </label>
            <select id={`${id}-using`} value={using} onChange={(e) => setUsing(e.target.value)} className={`${inputClass} mt-1`}>
              {presets.length > 0 && (
                <optgroup label="Presets">
                  {presets.map((p) => (
                    <option key={p.id} value={`preset:${p.id}`}>
                      {p.name} ({FORMAT_LABELS[p.format as ExportFormat] ?? p.format})
                    </option>
                  ))}
                </optgroup>
              )}
              <optgroup label="Formats (default options)">
                {EXPORT_FORMATS.map((f) => (
                  <option key={f} value={`format:${f}`}>
                    {FORMAT_LABELS[f]}
                  </option>
                ))}
              </optgroup>
            </select>
          </div>
          <CadenceFields value={cadence} onChange={setCadence} />
          {error && (
            <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-900">
              {error}
            </p>
          )}
        </div>
        <DialogFooter>
          <button type="button" onClick={onClose} disabled={saving} className={buttonClass("secondary")}>
            Cancel
          </button>
          <button type="submit" disabled={saving || !source} className={buttonClass("primary")}>
            {saving ? "Saving…" : editing ? "Save schedule" : "Create schedule"}
          </button>
        </DialogFooter>
      </form>
    </Dialog>
  );
}
