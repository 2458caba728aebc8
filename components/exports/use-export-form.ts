/**
 * The export dialog's form as one reducer: chosen format and its options,
 * conditions, name, description, and the state of the request. Pure, so the
 * rules (defaults, what a format switch keeps, formats over their row limit)
 * are tested without a browser; the dialog mounts the form afresh for every
 * opening, so there is no reset action.
 */
import { useReducer } from "react";
import type { ExportFormat } from "@/lib/exports/model";
import type { Catalogue, FormatInfo } from "./types";

export type ExportForm = {
  format: ExportFormat | null;
  options: Record<string, unknown>;
  /** null: all conditions (the API's default); otherwise at least one id. */
  conditionIds: string[] | null;
  name: string;
  description: string;
  submitting: boolean;
  error: string | null;
};

export type ExportFormAction =
  | { type: "pick"; format: FormatInfo }
  | { type: "option"; key: string; value: unknown }
  | { type: "conditions"; ids: string[] | null }
  | { type: "name"; value: string }
  | { type: "description"; value: string }
  | { type: "submit" }
  | { type: "failed"; message: string }
  | { type: "settled" };

/** A format's option defaults; conditions are chosen apart from the options. */
export function defaultsFor(format: FormatInfo | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const o of format?.options ?? [])
    if (o.default !== undefined && o.default !== null && o.key !== "condition_ids") out[o.key] = o.default;
  return out;
}

/** Whether a source has more measurements than the format may export (the API would refuse it). */
export function overRowLimit(format: Pick<FormatInfo, "max_rows">, measurements: number): boolean {
  return format.max_rows !== null && measurements > format.max_rows;
}

/** The catalogue's default format (or the first one the source is not too large for) with its defaults and the suggested name. */
export function initialExportForm(catalogue: Catalogue): ExportForm {
  const usable = catalogue.formats.filter((f) => !overRowLimit(f, catalogue.source.measurements_count));
  const first = usable.find((f) => f.id === catalogue.default_format) ?? usable[0];
  return {
    format: first?.id ?? null,
    options: defaultsFor(first),
    conditionIds: null,
    name: catalogue.suggested_name,
    description: "",
    submitting: false,
    error: null,
  };
}

/** Options both formats have keep what the user chose (switches and the time zone); the rest take the new format's defaults. */
function carryOptions(previous: Record<string, unknown>, format: FormatInfo): Record<string, unknown> {
  const next = defaultsFor(format);
  for (const k of Object.keys(next))
    if (k in previous && format.options.find((o) => o.key === k)?.type === "boolean") next[k] = previous[k];
  if ("timezone" in next && typeof previous.timezone === "string") next.timezone = previous.timezone;
  return next;
}

export function exportFormReducer(state: ExportForm, action: ExportFormAction): ExportForm {
  switch (action.type) {
    case "pick":
      return { ...state, format: action.format.id, options: carryOptions(state.options, action.format) };
    case "option":
      return { ...state, options: { ...state.options, [action.key]: action.value } };
    case "conditions":
      return { ...state, conditionIds: action.ids };
    case "name":
      return { ...state, name: action.value };
    case "description":
      return { ...state, description: action.value };
    case "submit":
      return { ...state, submitting: true, error: null };
    case "failed":
      return { ...state, submitting: false, error: action.message };
    case "settled":
      return { ...state, submitting: false };
  }
}

/** The POST body; a subset of conditions is sent only where the format takes one and the dialog offered it. */
export function exportRequestBody(form: ExportForm, format: ExportFormat, { withConditions }: { withConditions: boolean }) {
  return {
    format,
    options: { ...form.options, ...(withConditions && form.conditionIds ? { condition_ids: form.conditionIds } : {}) },
    name: form.name.trim() || undefined,
    description: form.description.trim() || undefined,
  };
}

export function useExportForm(catalogue: Catalogue) {
  return useReducer(exportFormReducer, catalogue, initialExportForm);
}
