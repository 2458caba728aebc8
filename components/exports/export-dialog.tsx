"use client";
/**
 * The export dialog: format cards with a one-line description each, the
 * chosen format's options with their defaults (from the API's catalogue),
 * name and description. Submitting is guarded against double clicks (a ref,
 * not state, so two clicks in one frame still make one request) and carries
 * an Idempotency-Key minted when the dialog opened, so even a retried request
 * cannot create a second export.
 */
import { useEffect, useId, useMemo, useRef, useState } from "react";
import useSWR from "swr";
import { buttonClass, inputClass } from "@/components/ui/button";
import { Dialog, DialogFooter } from "@/components/ui/dialog";
import { fetcher, fetchJson } from "@/lib/fetcher";
import { formatNumber, plural } from "@/lib/format";
import type { Catalogue, ExportItem, FormatInfo, OptionInfo } from "./types";

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
};

/** Hints in the dialog's words; the API's descriptions are written for integrators. Empty: the label says it all. */
const OPTION_HINTS: Record<string, string> = {
  include_unverified: "Off: only verified measurements, with totals recomputed.",
  include_costs: "Cost columns, rows, sheets and lines.",
  timezone: "",
  bom: "",
  delimiter: "",
  page_size: "",
  orientation: "",
  pretty: "",
};

const CHOICE_LABELS: Record<string, string> = { ",": "Comma (,)", ";": "Semicolon (;)", "\t": "Tab", letter: "Letter", a4: "A4", portrait: "Portrait", landscape: "Landscape" };

/** Random id for the Idempotency-Key; crypto.randomUUID needs a secure context, getRandomValues does not. */
function newKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `dash-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

export function defaultsFor(format: FormatInfo | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const o of format?.options ?? []) if (o.default !== undefined && o.default !== null && o.key !== "condition_ids") out[o.key] = o.default;
  return out;
}

function timeZones(current: string): string[] {
  let zones: string[] = [];
  try {
    zones = Intl.supportedValuesOf("timeZone");
  } catch {
    zones = [];
  }
  const local = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return [...new Set(["UTC", local, current, ...zones].filter(Boolean))];
}

function OptionField({ option, value, onChange }: { option: OptionInfo; value: unknown; onChange: (v: unknown) => void }) {
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
        <input id={id} type="checkbox" checked={Boolean(value)} onChange={(e) => onChange(e.target.checked)} aria-describedby={describedBy} className="mt-0.5 h-4 w-4 shrink-0 accent-blue-700" />
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
  const choices = option.enum ? option.enum.map(String).filter((c) => c !== "tab") : option.key === "timezone" ? timeZones(String(value ?? "UTC")) : null;
  return (
    <div className="text-sm">
      <label htmlFor={id} className="block font-medium">
        {label}
      </label>
      {hint}
      {choices ? (
        <select id={id} value={String(value ?? "")} onChange={(e) => onChange(e.target.value)} aria-describedby={describedBy} className={`mt-1 ${inputClass}`}>
          {choices.map((c) => (
            <option key={c} value={c}>
              {CHOICE_LABELS[c] ?? c}
            </option>
          ))}
        </select>
      ) : (
        <input id={id} value={String(value ?? "")} onChange={(e) => onChange(e.target.value)} aria-describedby={describedBy} className={`mt-1 ${inputClass}`} />
      )}
    </div>
  );
}

/** "All conditions" or a chosen subset; an empty choice is not offered (the API wants at least one id). */
function ConditionsField({ conditions, value, onChange }: { conditions: ConditionChoice[]; value: string[] | null; onChange: (v: string[] | null) => void }) {
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
                  {c.color && <span aria-hidden="true" className="h-3 w-3 rounded-sm ring-1 ring-slate-300" style={{ backgroundColor: c.color }} />}
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
  const ids = useId();
  const catalogueUrl = source.type === "document" ? `/api/documents/${source.id}/export` : `/api/projects/${source.id}/export`;
  const { data: catalogue, error: catalogueError } = useSWR<Catalogue>(open ? catalogueUrl : null, fetcher, { revalidateOnFocus: false });

  const [format, setFormat] = useState<string | null>(null);
  const [options, setOptions] = useState<Record<string, unknown>>({});
  const [conditionIds, setConditionIds] = useState<string[] | null>(null);
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const inFlight = useRef(false);
  const idempotencyKey = useRef<string>("");

  // Every opening is a fresh form with the catalogue's defaults and a new idempotency key.
  const [openedFor, setOpenedFor] = useState<Catalogue | null>(null);
  if (open && catalogue && openedFor !== catalogue) {
    setOpenedFor(catalogue);
    const first = catalogue.formats.find((f) => f.id === catalogue.default_format) ?? catalogue.formats[0];
    setFormat(first?.id ?? null);
    setOptions(defaultsFor(first));
    setConditionIds(null);
    setName(catalogue.suggested_name);
    setDescription("");
    setError(null);
  }
  if (!open && openedFor) setOpenedFor(null);
  useEffect(() => {
    if (open) idempotencyKey.current = newKey();
  }, [open]);

  const chosen = catalogue?.formats.find((f) => f.id === format);
  const overPdfCap = catalogue ? catalogue.source.measurements_count > catalogue.pdf_max_rows : false;
  const [toggles, choices] = useMemo(() => {
    const shown = (chosen?.options ?? []).filter((o) => o.key !== "condition_ids");
    const isToggle = (o: OptionInfo) => o.type === "boolean" || typeof o.default === "boolean";
    return [shown.filter(isToggle), shown.filter((o) => !isToggle(o))];
  }, [chosen]);
  const offersConditions = Boolean(conditions && conditions.length > 1 && chosen?.options.some((o) => o.key === "condition_ids"));

  function pick(f: FormatInfo) {
    setFormat(f.id);
    // Options shared by both formats keep what the user chose; the rest take the new format's defaults.
    setOptions((prev) => {
      const next = defaultsFor(f);
      for (const k of Object.keys(next)) if (k in prev && f.options.find((o) => o.key === k)?.type === "boolean") next[k] = prev[k];
      if ("timezone" in next && typeof prev.timezone === "string") next.timezone = prev.timezone;
      return next;
    });
  }

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    if (inFlight.current || !chosen) return;
    inFlight.current = true;
    setSubmitting(true);
    setError(null);
    try {
      const body = {
        format: chosen.id,
        options: { ...options, ...(offersConditions && conditionIds ? { condition_ids: conditionIds } : {}) },
        name: name.trim() || undefined,
        description: description.trim() || undefined,
      };
      const result = await fetchJson<CreatedExport>(catalogueUrl, { method: "POST", body: JSON.stringify(body), headers: { "Idempotency-Key": idempotencyKey.current } });
      onCreated(result);
    } catch (err) {
      setError(err instanceof Error ? err.message : "Could not start the export.");
      // A failed request created nothing; the next attempt may carry different options.
      idempotencyKey.current = newKey();
    } finally {
      inFlight.current = false;
      setSubmitting(false);
    }
  }

  const summary = catalogue
    ? `${source.type === "document" ? "Measurements on this document" : "Every condition and measurement of the project"} · ${plural(catalogue.source.measurements_count, "measurement")}`
    : source.type === "document"
      ? "Measurements on this document"
      : "Every condition and measurement of the project";

  return (
    <Dialog open={open} onClose={onClose} title={`Export ${source.name}`} description={summary} size="max-w-2xl" dismissible={!submitting}>
      <form onSubmit={submit} className="flex min-h-0 flex-1 flex-col" aria-busy={!catalogue}>
        <div className="min-h-0 flex-1 space-y-5 overflow-y-auto px-5 py-4">
          {catalogueError && (
            <p role="alert" className="rounded-md bg-red-50 p-3 text-sm text-red-800">
              Could not load the formats: {catalogueError.message}
            </p>
          )}
          {!catalogue && !catalogueError && <p className="text-sm text-slate-600">Loading formats…</p>}
          {catalogue && (
            <>
              <fieldset>
                <legend className="text-sm font-semibold">Format</legend>
                <div className="mt-2 grid gap-2 sm:grid-cols-2">
                  {catalogue.formats.map((f) => {
                    const disabled = f.id === "pdf" && overPdfCap;
                    const selected = format === f.id;
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
                          onChange={() => pick(f)}
                          aria-describedby={`${ids}-${f.id}-desc`}
                          className="mt-0.5 h-4 w-4 shrink-0 accent-blue-700 focus-visible:outline-none"
                        />
                        <span className="min-w-0">
                          <span className="block font-semibold text-slate-900">
                            {f.label} <span className="font-normal text-slate-600">.{f.extension}</span>
                          </span>
                          <span id={`${ids}-${f.id}-desc`} className="block text-slate-700">
                            {disabled ? `Over the PDF limit of ${formatNumber(catalogue.pdf_max_rows)} rows; use CSV or Excel.` : f.description}
                          </span>
                        </span>
                      </label>
                    );
                  })}
                </div>
              </fieldset>

              {chosen && (toggles.length + choices.length > 0 || offersConditions) && (
                <fieldset>
                  <legend className="text-sm font-semibold">{chosen.label} options</legend>
                  <div className="mt-2 space-y-4">
                    {toggles.length > 0 && (
                      <div className="grid gap-3 sm:grid-cols-2">
                        {toggles.map((o) => (
                          <OptionField key={`${chosen.id}-${o.key}`} option={o} value={options[o.key]} onChange={(v) => setOptions((prev) => ({ ...prev, [o.key]: v }))} />
                        ))}
                      </div>
                    )}
                    {choices.length > 0 && (
                      <div className={`grid gap-3 ${choices.length >= 3 ? "sm:grid-cols-3" : "sm:grid-cols-2"}`}>
                        {choices.map((o) => (
                          <OptionField key={`${chosen.id}-${o.key}`} option={o} value={options[o.key]} onChange={(v) => setOptions((prev) => ({ ...prev, [o.key]: v }))} />
                        ))}
                      </div>
                    )}
                    {offersConditions && conditions && <ConditionsField conditions={conditions} value={conditionIds} onChange={setConditionIds} />}
                  </div>
                </fieldset>
              )}

              <div className="grid gap-3 sm:grid-cols-2">
                <div className="text-sm">
                  <label htmlFor={`${ids}-name`} className="block font-medium">
                    Name
                  </label>
                  <input id={`${ids}-name`} value={name} maxLength={200} onChange={(e) => setName(e.target.value)} className={`mt-1 ${inputClass}`} />
                </div>
                <div className="text-sm">
                  <label htmlFor={`${ids}-description`} className="block font-medium">
                    Description <span className="font-normal text-slate-600">(optional)</span>
                  </label>
                  <input id={`${ids}-description`} value={description} maxLength={2000} onChange={(e) => setDescription(e.target.value)} className={`mt-1 ${inputClass}`} />
                </div>
              </div>
            </>
          )}
          {error && (
            <p role="alert" className="rounded-md bg-red-50 p-3 text-sm text-red-800 ring-1 ring-red-200">
              {error}
            </p>
          )}
        </div>
        <DialogFooter>
          <button type="button" onClick={onClose} disabled={submitting} className={buttonClass("secondary")}>
            Cancel
          </button>
          <button type="submit" disabled={submitting || !chosen} className={buttonClass("primary")}>
            {submitting ? "Starting…" : `Start ${chosen?.label ?? ""} export`}
          </button>
        </DialogFooter>
      </form>
    </Dialog>
  );
}
