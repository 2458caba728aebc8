"use client";
/**
 * The export dialog: format cards with a one-line description each, the
 * chosen format's options with their defaults (from the API's catalogue),
 * name and description. Submitting is guarded against double clicks (a ref,
 * not state, so two clicks in one frame still make one request) and carries
 * an Idempotency-Key minted once per opening, so even a retried request
 * cannot create a second export.
 */
import { useEffect, useId, useMemo, useRef, useState } from "react";
import useSWR from "swr";
import { buttonClass, inputClass } from "@/components/ui/button";
import { Dialog, DialogFooter } from "@/components/ui/dialog";
import { RepeatExport } from "@/components/schedules/repeat-export";
import { TimeZoneSelect } from "@/components/ui/time-zone-select";
import { useToast } from "@/components/ui/toast";
import { fetcher, fetchJson } from "@/lib/fetcher";
import { formatNumber, plural } from "@/lib/format";
import type { ColumnId } from "@/lib/exports/formats/columns";
import { PresetPicker, SaveAsPreset } from "./preset-controls";
import type { Catalogue, ExportItem, OptionInfo } from "./types";
import {
  exportRequestBody,
  isCostColumn,
  overRowLimit,
  presetRequestBody,
  sameColumns,
  useExportForm,
  type ExportFormAction,
  type PresetChoice,
} from "./use-export-form";

export type ExportSource = { type: "document" | "project"; id: string; name: string };
export type ConditionChoice = { id: string; name: string; color?: string | null };
export type CreatedExport = { export_id: string; export: ExportItem; message: string; deduplicated?: boolean };

const OPTION_LABELS: Record<string, string> = {
  include_unverified: "Include unverified measurements",
  include_costs: "Include costs",
  timezone: "Time zone",
  bom: "Start with a byte order mark (helps Excel open UTF-8)",
  delimiter: "Delimiter",
  page_size: "Page size",
  orientation: "Orientation",
  pretty: "Indent the JSON (readable)",
  condition_ids: "Conditions",
  takeoff_maps: "Takeoff maps",
  breakdown: "Quantities by",
  group_by: "Group the summary by",
};

/** Hints in the dialog's words; the API's descriptions are written for integrators. Empty: the label says it all. */
const OPTION_HINTS: Record<string, string> = {
  include_unverified: "Off: only verified measurements, with totals recomputed.",
  include_costs: "Cost columns, rows, sheets and lines.",
  columns: "",
  timezone: "",
  bom: "",
  delimiter: "",
  page_size: "",
  orientation: "",
  pretty: "",
  takeoff_maps: "A page per drawing page with every shape in its condition colour, and a legend.",
  breakdown: "A table of each condition's quantity per sheet or per document.",
  group_by: "Condition rows under a heading per value, each group with a subtotal.",
};

const CHOICE_LABELS: Record<string, string> = {
  ",": "Comma (,)",
  ";": "Semicolon (;)",
  "\t": "Tab",
  letter: "Letter",
  a4: "A4",
  portrait: "Portrait",
  landscape: "Landscape",
  none: "None",
  document: "Document",
  sheet: "Sheet",
  building: "Building",
  area: "Area",
  elevation: "Elevation",
  category: "Category",
  scope: "Scope",
};

/** Random id for the Idempotency-Key; crypto.randomUUID needs a secure context, getRandomValues does not. */
function newKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `dash-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

export function OptionField({ option, value, onChange }: { option: OptionInfo; value: unknown; onChange: (v: unknown) => void }) {
  const id = useId();
  const label = OPTION_LABELS[option.key] ?? option.key.replace(/_/g, " ");
  const hintText = OPTION_HINTS[option.key] ?? option.description ?? "";
  const hint = hintText ? (
    <span id={`${id}-hint`} className="block text-xs text-slate-600">
      {hintText}
    </span>
  ) : null;
  const describedBy = hintText ? `${id}-hint` : undefined;

  if (option.type === "boolean" || typeof option.default === "boolean") {
    return (
      <div className="flex items-start gap-2.5 text-sm">
        <input
          id={id}
          type="checkbox"
          checked={Boolean(value)}
          onChange={(e) => onChange(e.target.checked)}
          aria-describedby={describedBy}
          className="mt-0.5 h-4 w-4 shrink-0 accent-blue-700"
        />
        <div>
          <label htmlFor={id} className="font-medium">
            {label}
          </label>
          {hint}
        </div>
      </div>
    );
  }
  // "tab" is an alias the API accepts for "\t"; offer one of them.
  const choices = option.enum ? option.enum.map(String).filter((c) => c !== "tab") : null;
  return (
    <div className="text-sm">
      <label htmlFor={id} className="block font-medium">
        {label}
      </label>
      {hint}
      {option.key === "timezone" ? (
        <TimeZoneSelect id={id} value={String(value ?? "UTC")} onChange={onChange} aria-describedby={describedBy} className="mt-1" />
      ) : choices ? (
        <select
          id={id}
          value={String(value ?? "")}
          onChange={(e) => onChange(e.target.value)}
          aria-describedby={describedBy}
          className={`mt-1 ${inputClass}`}
        >
          {choices.map((c) => (
            <option key={c} value={c}>
              {CHOICE_LABELS[c] ?? c}
            </option>
          ))}
        </select>
      ) : (
        <input
          id={id}
          value={String(value ?? "")}
          onChange={(e) => onChange(e.target.value)}
          aria-describedby={describedBy}
          className={`mt-1 ${inputClass}`}
        />
      )}
    </div>
  );
}

/** "All conditions" or a chosen subset; an empty choice is not offered (the API wants at least one id). */
function ConditionsField({
  conditions,
  value,
  onChange,
}: {
  conditions: ConditionChoice[];
  value: string[] | null;
  onChange: (v: string[] | null) => void;
}) {
  const all = value === null;
  return (
    <fieldset className="text-sm">
      <legend className="font-medium">Conditions</legend>
      <div className="mt-1 flex items-center gap-2.5">
        <input
          id="conditions-all"
          type="checkbox"
          checked={all}
          onChange={(e) => onChange(e.target.checked ? null : conditions.map((c) => c.id))}
          className="h-4 w-4 accent-blue-700"
        />
        <label htmlFor="conditions-all">All conditions ({conditions.length})</label>
      </div>
      {!all && (
        <ul className="mt-2 max-h-40 space-y-1.5 overflow-y-auto rounded-md border border-slate-300 p-2">
          {conditions.map((c) => {
            const checked = value.includes(c.id);
            return (
              <li key={c.id} className="flex items-center gap-2.5">
                <input
                  id={`condition-${c.id}`}
                  type="checkbox"
                  checked={checked}
                  disabled={checked && value.length === 1}
                  onChange={(e) => onChange(e.target.checked ? [...value, c.id] : value.filter((v) => v !== c.id))}
                  className="h-4 w-4 accent-blue-700"
                />
                <label htmlFor={`condition-${c.id}`} className="flex items-center gap-1.5">
                  {c.color && (
                    <span aria-hidden="true" className="h-3 w-3 rounded-sm ring-1 ring-slate-300" style={{ backgroundColor: c.color }} />
                  )}
                  {c.name}
                </label>
              </li>
            );
          })}
        </ul>
      )}
    </fieldset>
  );
}

type ColumnInfo = Catalogue["columns"][number];
type FocusTarget = { id: ColumnId; which: "up" | "down" | "remove" } | { id: null; which: "add" };

/**
 * The measurement columns in file order (SPEC §12.2): move up or down, remove,
 * add from the catalogue, reset to the format's default. Keyboard first: after
 * a move the focus stays on the moved column's button (its other one at an
 * end), after a removal it goes to the next column, and a polite live region
 * says what happened.
 */
function ColumnsField({
  catalogueColumns,
  columns,
  defaults,
  dispatch,
}: {
  catalogueColumns: ColumnInfo[];
  columns: ColumnId[];
  defaults: ColumnId[] | undefined;
  dispatch: (action: ExportFormAction) => void;
}) {
  const id = useId();
  const header = useMemo(() => new Map(catalogueColumns.map((c) => [c.id, c.header])), [catalogueColumns]);
  const label = (c: ColumnId) => header.get(c) ?? c;
  const available = catalogueColumns.filter((c) => !columns.includes(c.id));
  const [adding, setAdding] = useState<ColumnId | "">("");
  const toAdd = adding && !columns.includes(adding) ? adding : (available[0]?.id ?? "");
  const [announcement, setAnnouncement] = useState("");
  const field = useRef<HTMLFieldSetElement>(null);
  /** Where the focus goes once the list has re-rendered after a move or a removal. */
  const pendingFocus = useRef<FocusTarget | null>(null);
  const setFocus = (target: FocusTarget) => {
    pendingFocus.current = target;
  };

  useEffect(() => {
    const target = pendingFocus.current;
    pendingFocus.current = null;
    if (!target || !field.current) return;
    const find = (key: string) => field.current?.querySelector<HTMLButtonElement>(`button[data-focus="${key}"]:not(:disabled)`);
    const other = target.id === null ? null : `${target.id}:${target.which === "up" ? "down" : "up"}`;
    (find(target.id === null ? "add" : `${target.id}:${target.which}`) ?? (other ? find(other) : null) ?? find("add"))?.focus();
  }, [columns]);

  const move = (c: ColumnId, by: -1 | 1) => {
    const to = columns.indexOf(c) + by;
    dispatch({ type: "column-move", id: c, by });
    setAnnouncement(`${label(c)} moved to position ${to + 1} of ${columns.length}.`);
    setFocus({ id: c, which: by < 0 ? "up" : "down" });
  };
  const remove = (c: ColumnId) => {
    const i = columns.indexOf(c);
    const next = columns[i + 1] ?? columns[i - 1];
    dispatch({ type: "column-remove", id: c });
    setAnnouncement(`${label(c)} removed.`);
    setFocus(next ? { id: next, which: "remove" } : { id: null, which: "add" });
  };
  const add = () => {
    if (!toAdd) return;
    dispatch({ type: "column-add", id: toAdd });
    setAdding("");
    setAnnouncement(`${label(toAdd)} added at position ${columns.length + 1}${isCostColumn(toAdd) ? "; costs are included" : ""}.`);
  };

  return (
    <fieldset ref={field} className="text-sm" data-testid="columns-field">
      <legend className="font-medium">Columns</legend>
      <p id={`${id}-hint`} className="text-xs text-slate-600">
        In this order in the file. Excel: the condition sheets; PDF: the condition tables.
      </p>
      <ol
        aria-describedby={`${id}-hint`}
        aria-label="Chosen columns"
        className="mt-2 divide-y divide-slate-200 rounded-md border border-slate-300"
      >
        {columns.map((c, i) => (
          <li key={c} className="flex items-center gap-1.5 px-2 py-1">
            <span aria-hidden="true" className="w-5 shrink-0 text-right text-xs text-slate-500 tabular-nums">
              {i + 1}
            </span>
            <span className="min-w-0 flex-1 truncate" data-testid="column-item">
              {label(c)}
            </span>
            <button
              type="button"
              data-focus={`${c}:up`}
              onClick={() => move(c, -1)}
              disabled={i === 0}
              aria-label={`Move ${label(c)} up`}
              title="Move up"
              className={buttonClass("ghost", "sm", "w-8 px-0")}
            >
              <span aria-hidden="true">↑</span>
            </button>
            <button
              type="button"
              data-focus={`${c}:down`}
              onClick={() => move(c, 1)}
              disabled={i === columns.length - 1}
              aria-label={`Move ${label(c)} down`}
              title="Move down"
              className={buttonClass("ghost", "sm", "w-8 px-0")}
            >
              <span aria-hidden="true">↓</span>
            </button>
            <button
              type="button"
              data-focus={`${c}:remove`}
              onClick={() => remove(c)}
              disabled={columns.length === 1}
              aria-label={`Remove ${label(c)}`}
              title="Remove"
              className={buttonClass("ghost", "sm", "w-8 px-0 text-red-800 hover:bg-red-50")}
            >
              <span aria-hidden="true">✕</span>
            </button>
          </li>
        ))}
      </ol>
      <div className="mt-2 flex flex-wrap items-end gap-2">
        <div className="min-w-0 flex-1 basis-40">
          <label htmlFor={`${id}-add`} className="block text-xs font-medium">
            Add a column
          </label>
          <select
            id={`${id}-add`}
            value={toAdd}
            onChange={(e) => setAdding(e.target.value as ColumnId)}
            disabled={available.length === 0}
            className={`mt-1 ${inputClass}`}
          >
            {available.map((c) => (
              <option key={c.id} value={c.id}>
                {c.header}
                {isCostColumn(c.id) ? " (includes costs)" : ""}
              </option>
            ))}
          </select>
        </div>
        <button type="button" data-focus="add" onClick={add} disabled={!toAdd} className={buttonClass("secondary", "md")}>
          Add
        </button>
        <button
          type="button"
          onClick={() => {
            dispatch({ type: "columns-reset" });
            setAnnouncement("Columns reset to the default.");
          }}
          disabled={sameColumns(columns, defaults)}
          className={buttonClass("ghost", "md")}
        >
          Reset to default
        </button>
      </div>
      <p aria-live="polite" className="sr-only">
        {announcement}
      </p>
    </fieldset>
  );
}

export function ExportDialog({
  source,
  conditions,
  open,
  onClose,
  onCreated,
}: {
  source: ExportSource;
  conditions?: ConditionChoice[];
  open: boolean;
  onClose: () => void;
  onCreated: (result: CreatedExport) => void;
}) {
  const catalogueUrl = source.type === "document" ? `/api/documents/${source.id}/export` : `/api/projects/${source.id}/export`;
  const { data: catalogue, error: catalogueError } = useSWR<Catalogue>(open ? catalogueUrl : null, fetcher, { revalidateOnFocus: false });
  // Escape and the backdrop must not close the dialog while a request is out.
  const [submitting, setSubmitting] = useState(false);

  const what = source.type === "document" ? "Measurements on this document" : "Every condition and measurement of the project";
  const summary = catalogue ? `${what} · ${plural(catalogue.source.measurements_count, "measurement")}` : what;

  return (
    <Dialog open={open} onClose={onClose} title={`Export ${source.name}`} description={summary} size="max-w-2xl" dismissible={!submitting}>
      {/* The Dialog renders its content only while open: every opening mounts a fresh form with the catalogue's defaults. */}
      {catalogue ? (
        <ExportForm
          catalogue={catalogue}
          url={catalogueUrl}
          conditions={conditions}
          onClose={onClose}
          onCreated={onCreated}
          onSubmittingChange={setSubmitting}
        />
      ) : (
        <FormFrame
          busy
          submitting={false}
          canSubmit={false}
          submitLabel="Start  export"
          onClose={onClose}
          onSubmit={(e) => e.preventDefault()}
        >
          {catalogueError ? (
            <p role="alert" className="rounded-md bg-red-50 p-3 text-sm text-red-800">
              Could not load the formats: {catalogueError.message}
            </p>
          ) : (
            <p className="text-sm text-slate-600">Loading formats…</p>
          )}
        </FormFrame>
      )}
    </Dialog>
  );
}

/** The scrolling body and the footer, alike while the formats load and once they are there. */
function FormFrame({
  busy,
  submitting,
  canSubmit,
  submitLabel,
  onClose,
  onSubmit,
  children,
}: {
  busy: boolean;
  submitting: boolean;
  canSubmit: boolean;
  submitLabel: string;
  onClose: () => void;
  onSubmit: (e: React.FormEvent) => void;
  children: React.ReactNode;
}) {
  return (
    <form onSubmit={onSubmit} className="flex min-h-0 flex-1 flex-col" aria-busy={busy}>
      <div className="min-h-0 flex-1 space-y-5 overflow-y-auto px-5 py-4">{children}</div>
      <DialogFooter>
        <button type="button" onClick={onClose} disabled={submitting} className={buttonClass("secondary")}>
          Cancel
        </button>
        <button type="submit" disabled={!canSubmit} className={buttonClass("primary")}>
          {submitLabel}
        </button>
      </DialogFooter>
    </form>
  );
}

function ExportForm({
  catalogue,
  url,
  conditions,
  onClose,
  onCreated,
  onSubmittingChange,
}: {
  catalogue: Catalogue;
  url: string;
  conditions?: ConditionChoice[];
  onClose: () => void;
  onCreated: (result: CreatedExport) => void;
  onSubmittingChange: (submitting: boolean) => void;
}) {
  const ids = useId();
  const [form, dispatch] = useExportForm(catalogue);
  const toast = useToast();
  // The user's presets, offered first (SPEC §13.1).
  const { data: presetList, mutate: mutatePresets } = useSWR<{ presets: PresetChoice[] }>("/api/presets", fetcher, {
    revalidateOnFocus: false,
  });
  const inFlight = useRef(false);
  // One key per opening (this form lives as long as the opening), minted when first needed.
  const idempotencyKey = useRef<string | null>(null);

  const measurements = catalogue.source.measurements_count;
  const chosen = catalogue.formats.find((f) => f.id === form.format);
  // CSV has costs only in cost columns: its "Include costs" shows once one is chosen.
  const costsMatter = chosen?.id !== "csv" || Boolean(form.columns?.some(isCostColumn));
  const [toggles, choices] = useMemo(() => {
    const shown = (chosen?.options ?? []).filter(
      (o) => o.key !== "condition_ids" && o.key !== "columns" && (o.key !== "include_costs" || costsMatter),
    );
    const isToggle = (o: OptionInfo) => o.type === "boolean" || typeof o.default === "boolean";
    return [shown.filter(isToggle), shown.filter((o) => !isToggle(o))];
  }, [chosen, costsMatter]);
  const offersConditions = Boolean(conditions && conditions.length > 1 && chosen?.options.some((o) => o.key === "condition_ids"));

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    if (inFlight.current || !chosen) return;
    inFlight.current = true;
    idempotencyKey.current ??= newKey();
    dispatch({ type: "submit" });
    onSubmittingChange(true);
    try {
      const body = presetRequestBody(form) ?? exportRequestBody(form, chosen.id, { withConditions: offersConditions });
      const result = await fetchJson<CreatedExport>(url, {
        method: "POST",
        body: JSON.stringify(body),
        headers: { "Idempotency-Key": idempotencyKey.current },
      });
      dispatch({ type: "settled" });
      onCreated(result);
    } catch (err) {
      dispatch({ type: "failed", message: err instanceof Error ? err.message : "Could not start the export." });
      // A failed request created nothing; the next attempt may carry different options.
      idempotencyKey.current = newKey();
    } finally {
      inFlight.current = false;
      onSubmittingChange(false);
    }
  }

  const setOption = (key: string) => (value: unknown) => dispatch({ type: "option", key, value });

  return (
    <FormFrame
      busy={false}
      submitting={form.submitting}
      canSubmit={!form.submitting && Boolean(chosen)}
      submitLabel={form.submitting ? "Starting…" : `Start ${chosen?.label ?? ""} export`}
      onClose={onClose}
      onSubmit={submit}
    >
      <PresetPicker presets={presetList?.presets} form={form} formats={catalogue.formats} measurements={measurements} dispatch={dispatch} />
      <fieldset>
        <legend className="text-sm font-semibold">Format</legend>
        <div className="mt-2 grid gap-2 sm:grid-cols-2">
          {catalogue.formats.map((f) => {
            const disabled = overRowLimit(f, measurements);
            const selected = form.format === f.id;
            return (
              <label
                key={f.id}
                data-testid={`format-${f.id}`}
                className={`flex gap-3 rounded-lg border p-3 text-sm focus-within:outline-2 focus-within:outline-offset-2 focus-within:outline-blue-700 ${
                  selected ? "border-blue-700 bg-blue-50 ring-1 ring-blue-700" : "border-slate-300 hover:border-slate-400"
                } ${disabled ? "cursor-not-allowed opacity-70" : "cursor-pointer"}`}
              >
                <input
                  type="radio"
                  name={`${ids}-format`}
                  value={f.id}
                  checked={selected}
                  disabled={disabled}
                  onChange={() => dispatch({ type: "pick", format: f })}
                  aria-describedby={`${ids}-${f.id}-desc`}
                  className="mt-0.5 h-4 w-4 shrink-0 accent-blue-700 focus-visible:outline-none"
                />
                <span className="min-w-0">
                  <span className="block font-semibold text-slate-900">
                    {f.label} <span className="font-normal text-slate-600">.{f.extension}</span>
                  </span>
                  <span id={`${ids}-${f.id}-desc`} className="block text-slate-700">
                    {disabled && f.max_rows !== null
                      ? `Over the ${f.label} limit of ${formatNumber(f.max_rows)} rows; use CSV or Excel.`
                      : f.description}
                  </span>
                </span>
              </label>
            );
          })}
        </div>
      </fieldset>

      {chosen && (toggles.length + choices.length > 0 || offersConditions || form.columns) && (
        <fieldset>
          <legend className="text-sm font-semibold">{chosen.label} options</legend>
          <div className="mt-2 space-y-4">
            {toggles.length > 0 && (
              <div className="grid gap-3 sm:grid-cols-2">
                {toggles.map((o) => (
                  <OptionField key={`${chosen.id}-${o.key}`} option={o} value={form.options[o.key]} onChange={setOption(o.key)} />
                ))}
              </div>
            )}
            {choices.length > 0 && (
              <div className={`grid gap-3 ${choices.length >= 3 ? "sm:grid-cols-3" : "sm:grid-cols-2"}`}>
                {choices.map((o) => (
                  <OptionField key={`${chosen.id}-${o.key}`} option={o} value={form.options[o.key]} onChange={setOption(o.key)} />
                ))}
              </div>
            )}
            {form.columns && (
              <ColumnsField
                key={chosen.id}
                catalogueColumns={catalogue.columns.filter((c) => c.formats.includes(chosen.id as (typeof c.formats)[number]))}
                columns={form.columns}
                defaults={form.defaultColumns[chosen.id]}
                dispatch={dispatch}
              />
            )}
            {offersConditions && conditions && (
              <ConditionsField
                conditions={conditions}
                value={form.conditionIds}
                onChange={(ids) => dispatch({ type: "conditions", ids })}
              />
            )}
          </div>
        </fieldset>
      )}

      <SaveAsPreset
        form={form}
        format={chosen}
        onSaved={(preset) => {
          dispatch({ type: "preset-saved", preset });
          void mutatePresets((list) => ({ presets: [...(list?.presets ?? []), preset] }), { revalidate: true });
          toast.show({ tone: "success", title: "Preset saved", message: `“${preset.name}” is now in your presets.` });
        }}
      />

      <RepeatExport
        source={catalogue.source}
        name={form.name || catalogue.suggested_name}
        settings={() =>
          chosen ? (presetRequestBody(form) ?? exportRequestBody(form, chosen.id, { withConditions: offersConditions })) : null
        }
      />

      <div className="grid gap-3 sm:grid-cols-2">
        <div className="text-sm">
          <label htmlFor={`${ids}-name`} className="block font-medium">
            Name
          </label>
          <input
            id={`${ids}-name`}
            value={form.name}
            placeholder={form.preset?.nameTemplate ? `From the preset: ${form.preset.nameTemplate}` : undefined}
            maxLength={200}
            onChange={(e) => dispatch({ type: "name", value: e.target.value })}
            className={`mt-1 ${inputClass}`}
          />
        </div>
        <div className="text-sm">
          <label htmlFor={`${ids}-description`} className="block font-medium">
            Description <span className="font-normal text-slate-600">(optional)</span>
          </label>
          <input
            id={`${ids}-description`}
            value={form.description}
            maxLength={2000}
            onChange={(e) => dispatch({ type: "description", value: e.target.value })}
            className={`mt-1 ${inputClass}`}
          />
        </div>
      </div>
      {form.error && (
        <p role="alert" className="rounded-md bg-red-50 p-3 text-sm text-red-800 ring-1 ring-red-200">
          {form.error}
        </p>
      )}
    </FormFrame>
  );
}
