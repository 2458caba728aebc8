"use client";
/**
 * Create or edit a preset in a dialog: name, description, format, the
 * format's options (the same fields as the export dialog), and the export
 * name template with a live example. Columns and a choice of conditions are
 * set in the export dialog; here they can be kept or dropped.
 */
import { useId, useMemo, useRef, useState } from "react";
import { OptionField } from "@/components/exports/export-dialog";
import { formatLabel, type FormatInfo, type OptionInfo } from "@/components/exports/types";
import { defaultsFor } from "@/components/exports/use-export-form";
import { buttonClass, inputClass } from "@/components/ui/button";
import { Dialog, DialogFooter } from "@/components/ui/dialog";
import { fetchJson } from "@/lib/fetcher";
import type { ExportFormat } from "@/lib/exports/model";
import { PLACEHOLDER_LIST, renderNameTemplate, unknownPlaceholders } from "@/lib/presets/template";
import { carryToFormat } from "./preset-options";

export type Preset = {
  id: string;
  name: string;
  description: string | null;
  format: ExportFormat;
  options: Record<string, unknown>;
  name_template: string | null;
  created_at: string;
  updated_at: string;
};

export function PresetDialog({
  open,
  preset,
  formats,
  onClose,
  onSaved,
}: {
  open: boolean;
  preset: Preset | null;
  formats: FormatInfo[];
  onClose: () => void;
  onSaved: (preset: Preset, created: boolean) => void;
}) {
  const [saving, setSaving] = useState(false);
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={preset ? `Edit “${preset.name}”` : "New preset"}
      description="Exports made with a preset get a copy of these settings; changing the preset later does not change them."
      size="max-w-2xl"
      dismissible={!saving}
    >
      {/* Mounted per opening: the fields start from the preset (or the defaults) every time. */}
      <PresetForm preset={preset} formats={formats} onClose={onClose} onSaved={onSaved} onSavingChange={setSaving} />
    </Dialog>
  );
}

function PresetForm({
  preset,
  formats,
  onClose,
  onSaved,
  onSavingChange,
}: {
  preset: Preset | null;
  formats: FormatInfo[];
  onClose: () => void;
  onSaved: (preset: Preset, created: boolean) => void;
  onSavingChange: (saving: boolean) => void;
}) {
  const ids = useId();
  const initialFormat = formats.find((f) => f.id === (preset?.format ?? "csv")) ?? formats[0];
  const [name, setName] = useState(preset?.name ?? "");
  const [description, setDescription] = useState(preset?.description ?? "");
  const [format, setFormat] = useState<FormatInfo>(initialFormat);
  const [options, setOptions] = useState<Record<string, unknown>>(() => {
    // Columns and conditions have their own state below.
    const rest = Object.fromEntries(Object.entries(preset?.options ?? {}).filter(([k]) => k !== "columns" && k !== "condition_ids"));
    return { ...defaultsFor(initialFormat), ...rest };
  });
  const [columns, setColumns] = useState<unknown[] | null>(Array.isArray(preset?.options.columns) ? preset.options.columns : null);
  const [conditionIds, setConditionIds] = useState<unknown[] | null>(
    Array.isArray(preset?.options.condition_ids) ? preset.options.condition_ids : null,
  );
  const [template, setTemplate] = useState(preset?.name_template ?? "");
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const inFlight = useRef(false);

  const takesColumns = format.options.some((o) => o.key === "columns");
  const [toggles, choices] = useMemo(() => {
    const shown = format.options.filter((o) => o.key !== "condition_ids" && o.key !== "columns");
    const isToggle = (o: OptionInfo) => o.type === "boolean" || typeof o.default === "boolean";
    return [shown.filter(isToggle), shown.filter((o) => !isToggle(o))];
  }, [format]);

  const unknown = unknownPlaceholders(template);
  const example = useMemo(() => {
    if (!template.trim() || unknown.length) return null;
    const tz = typeof options.timezone === "string" ? options.timezone : "UTC";
    try {
      return renderNameTemplate(template, {
        source: "Structural Set.pdf",
        project: "Riverside Clinic",
        document: "Structural Set.pdf",
        format: format.id,
        timeZone: tz,
        now: new Date(),
      });
    } catch {
      return null;
    }
  }, [template, unknown.length, options.timezone, format.id]);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    if (inFlight.current) return;
    inFlight.current = true;
    setSaving(true);
    onSavingChange(true);
    setError(null);
    const body = {
      name: name.trim(),
      description: description.trim() || null,
      format: format.id,
      options: {
        ...options,
        ...(columns && takesColumns ? { columns } : {}),
        ...(conditionIds ? { condition_ids: conditionIds } : {}),
      },
      name_template: template.trim() || null,
    };
    try {
      const saved = await fetchJson<Preset>(preset ? `/api/presets/${preset.id}` : "/api/presets", {
        method: preset ? "PATCH" : "POST",
        body: JSON.stringify(body),
      });
      onSaved(saved, !preset);
    } catch (err) {
      setError(err instanceof Error ? err.message : "Could not save the preset.");
    } finally {
      inFlight.current = false;
      setSaving(false);
      onSavingChange(false);
    }
  }

  const setOption = (key: string) => (value: unknown) => setOptions((o) => ({ ...o, [key]: value }));

  return (
    <form onSubmit={submit} className="flex min-h-0 flex-1 flex-col" data-testid="preset-form">
      <div className="min-h-0 flex-1 space-y-5 overflow-y-auto px-5 py-4">
        <div className="grid gap-3 sm:grid-cols-2">
          <div className="text-sm">
            <label htmlFor={`${ids}-name`} className="block font-medium">
              Name
            </label>
            <input
              id={`${ids}-name`}
              required
              maxLength={100}
              value={name}
              onChange={(e) => setName(e.target.value)}
              className={`mt-1 ${inputClass}`}
            />
          </div>
          <div className="text-sm">
            <label htmlFor={`${ids}-format`} className="block font-medium">
              Format
            </label>
            <select
              id={`${ids}-format`}
              value={format.id}
              onChange={(e) => {
                const next = formats.find((f) => f.id === e.target.value);
                if (!next) return;
                setOptions((o) => carryToFormat(o, next));
                setFormat(next);
              }}
              className={`mt-1 ${inputClass}`}
            >
              {formats.map((f) => (
                <option key={f.id} value={f.id}>
                  {f.label} (.{f.extension})
                </option>
              ))}
            </select>
          </div>
        </div>
        <div className="text-sm">
          <label htmlFor={`${ids}-description`} className="block font-medium">
            Description <span className="font-normal text-slate-600">(optional)</span>
          </label>
          <input
            id={`${ids}-description`}
            maxLength={2000}
            value={description}
            onChange={(e) => setDescription(e.target.value)}
            className={`mt-1 ${inputClass}`}
          />
        </div>

        <fieldset>
          <legend className="text-sm font-semibold">{formatLabel(format.id)} options</legend>
          <div className="mt-2 space-y-4">
            {toggles.length > 0 && (
              <div className="grid gap-3 sm:grid-cols-2">
                {toggles.map((o) => (
                  <OptionField key={`${format.id}-${o.key}`} option={o} value={options[o.key]} onChange={setOption(o.key)} />
                ))}
              </div>
            )}
            {choices.length > 0 && (
              <div className={`grid gap-3 ${choices.length >= 3 ? "sm:grid-cols-3" : "sm:grid-cols-2"}`}>
                {choices.map((o) => (
                  <OptionField key={`${format.id}-${o.key}`} option={o} value={options[o.key]} onChange={setOption(o.key)} />
                ))}
              </div>
            )}
            {takesColumns && columns && (
              <p className="flex flex-wrap items-center gap-2 text-sm text-slate-700">
                <span>
                  Columns: {columns.length} chosen in the export dialog ({columns.map((c) => String(c).replace(/_/g, " ")).join(", ")}).
                </span>
                <button type="button" onClick={() => setColumns(null)} className={buttonClass("ghost", "sm")}>
                  Use the default columns
                </button>
              </p>
            )}
            {conditionIds && (
              <p className="flex flex-wrap items-center gap-2 text-sm text-slate-700">
                <span>Only {conditionIds.length} conditions of one project.</span>
                <button type="button" onClick={() => setConditionIds(null)} className={buttonClass("ghost", "sm")}>
                  Use all conditions
                </button>
              </p>
            )}
          </div>
        </fieldset>

        <div className="text-sm">
          <label htmlFor={`${ids}-template`} className="block font-medium">
            Export name template <span className="font-normal text-slate-600">(optional)</span>
          </label>
          <p id={`${ids}-template-hint`} className="text-xs text-slate-600">
            Names exports made with this preset when no name is given. Use {PLACEHOLDER_LIST}; {"{date}"} is the day in the time zone above.
          </p>
          <input
            id={`${ids}-template`}
            value={template}
            maxLength={200}
            placeholder="{project} – {document} {date}"
            aria-describedby={`${ids}-template-hint ${ids}-template-check`}
            aria-invalid={unknown.length ? true : undefined}
            onChange={(e) => setTemplate(e.target.value)}
            className={`mt-1 ${inputClass}`}
          />
          <p
            id={`${ids}-template-check`}
            className={`mt-1 text-xs ${unknown.length ? "text-red-800" : "text-slate-600"}`}
            aria-live="polite"
          >
            {unknown.length
              ? `Not a placeholder: ${unknown.join(", ")}.`
              : example
                ? `For example: ${example}`
                : template.trim()
                  ? ""
                  : "Without a template, exports get the source's name."}
          </p>
        </div>

        {error && (
          <p
            role="alert"
            className="rounded-md bg-red-50 p-3 text-sm break-words text-red-800 ring-1 ring-red-200"
            data-testid="preset-error"
          >
            {error}
          </p>
        )}
      </div>
      <DialogFooter>
        <button type="button" onClick={onClose} disabled={saving} className={buttonClass("secondary")}>
          Cancel
        </button>
        <button type="submit" disabled={saving} className={buttonClass("primary")}>
          {saving ? "Saving…" : preset ? "Save changes" : "Create preset"}
        </button>
      </DialogFooter>
    </form>
  );
}
