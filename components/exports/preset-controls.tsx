"use client";
/**
 * The export dialog's presets (SPEC §13.1): a picker that comes before the
 * format and fills format, options, columns and conditions from a saved
 * preset, and "Save as preset", which asks for a name and saves the current
 * settings. While the settings are the preset's, the export is sent as
 * `preset_id` (the form's reducer decides); a change is said in words.
 */
import { useId, useRef, useState } from "react";
import { buttonClass, inputClass } from "@/components/ui/button";
import { fetchJson } from "@/lib/fetcher";
import { formatLabel, type FormatInfo } from "./types";
import {
  exportRequestBody,
  overRowLimit,
  presetUnchanged,
  type ExportForm,
  type ExportFormAction,
  type PresetChoice,
} from "./use-export-form";

export function PresetPicker({
  presets,
  form,
  formats,
  measurements,
  dispatch,
}: {
  presets: PresetChoice[] | undefined;
  form: ExportForm;
  formats: FormatInfo[];
  measurements: number;
  dispatch: (action: ExportFormAction) => void;
}) {
  const id = useId();
  if (!presets || presets.length === 0) return null;
  const formatOf = (p: PresetChoice) => formats.find((f) => f.id === p.format);
  const usable = (p: PresetChoice) => {
    const f = formatOf(p);
    return Boolean(f && !overRowLimit(f, measurements));
  };
  const unchanged = presetUnchanged(form);
  return (
    <div className="text-sm" data-testid="preset-picker">
      <label htmlFor={`${id}-preset`} className="block font-semibold">
        Preset
      </label>
      <select
        id={`${id}-preset`}
        value={form.preset?.id ?? ""}
        aria-describedby={`${id}-preset-hint`}
        onChange={(e) => {
          const preset = presets.find((p) => p.id === e.target.value);
          const format = preset && formatOf(preset);
          if (preset && format) dispatch({ type: "preset", preset, format });
          else dispatch({ type: "preset-clear" });
        }}
        className={`mt-1 ${inputClass}`}
      >
        <option value="">No preset: choose the settings below</option>
        {presets.map((p) => (
          <option key={p.id} value={p.id} disabled={!usable(p)}>
            {p.name} ({formatLabel(p.format)}){usable(p) ? "" : " – too many rows for this format"}
          </option>
        ))}
      </select>
      <p id={`${id}-preset-hint`} className="mt-1 text-xs text-slate-600" aria-live="polite" data-testid="preset-state">
        {!form.preset
          ? "A preset fills in the format, options and columns you saved."
          : unchanged
            ? `The export uses the preset “${form.preset.name}”${form.preset.nameTemplate ? " and is named by its template unless you give a name" : ""}.`
            : `Changed from the preset “${form.preset.name}”: the export uses the settings below, not the preset.`}
      </p>
    </div>
  );
}

/** "Save as preset": a name, then the current format and options saved; the form then uses that preset. */
export function SaveAsPreset({
  form,
  format,
  onSaved,
}: {
  form: ExportForm;
  format: FormatInfo | undefined;
  onSaved: (preset: PresetChoice) => void;
}) {
  const id = useId();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState("");
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const opener = useRef<HTMLButtonElement>(null);

  function close() {
    setOpen(false);
    setError(null);
    setName("");
    // Back to the button that opened the prompt.
    requestAnimationFrame(() => opener.current?.focus());
  }

  async function save() {
    if (saving || !format) return;
    if (!name.trim()) {
      setError("Give the preset a name.");
      return;
    }
    setSaving(true);
    setError(null);
    try {
      // The options as the export would send them, without a choice of conditions: those belong to one project.
      const body = exportRequestBody(form, format.id, { withConditions: false });
      const preset = await fetchJson<PresetChoice>("/api/presets", {
        method: "POST",
        body: JSON.stringify({ name: name.trim(), format: format.id, options: body.options }),
      });
      onSaved(preset);
      close();
    } catch (err) {
      setError(err instanceof Error ? err.message : "Could not save the preset.");
    } finally {
      setSaving(false);
    }
  }

  if (!open) {
    return (
      <button ref={opener} type="button" onClick={() => setOpen(true)} disabled={!format} className={buttonClass("secondary", "sm")}>
        Save as preset…
      </button>
    );
  }
  return (
    <div
      role="group"
      aria-labelledby={`${id}-title`}
      className="rounded-md border border-slate-300 bg-slate-50 p-3 text-sm"
      data-testid="save-preset"
    >
      <p id={`${id}-title`} className="font-semibold">
        Save these {format ? formatLabel(format.id) : ""} settings as a preset
      </p>
      <div className="mt-2 flex flex-wrap items-end gap-2">
        <div className="min-w-0 flex-1 basis-48">
          <label htmlFor={`${id}-name`} className="block text-xs font-medium">
            Preset name
          </label>
          <input
            id={`${id}-name`}
            autoFocus
            value={name}
            maxLength={100}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${id}-error` : undefined}
            onChange={(e) => setName(e.target.value)}
            onKeyDown={(e) => {
              // Enter saves the preset; it must not submit the export form around it.
              if (e.key === "Enter") {
                e.preventDefault();
                void save();
              } else if (e.key === "Escape") {
                // Close the prompt, not the dialog.
                e.preventDefault();
                e.stopPropagation();
                close();
              }
            }}
            className={`mt-1 ${inputClass}`}
          />
        </div>
        <button type="button" onClick={() => void save()} disabled={saving} className={buttonClass("primary", "md")}>
          {saving ? "Saving…" : "Save preset"}
        </button>
        <button type="button" onClick={close} disabled={saving} className={buttonClass("ghost", "md")}>
          Cancel
        </button>
      </div>
      {error && (
        <p id={`${id}-error`} role="alert" className="mt-2 text-sm text-red-800">
          {error}
        </p>
      )}
    </div>
  );
}
