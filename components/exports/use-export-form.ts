/**
 * The export dialog's form as one reducer: chosen format and its options,
 * columns, conditions, name, description, and the state of the request.
 * Pure, so the rules (defaults, what a format switch keeps, formats over
 * their row limit, columns and costs) are tested without a browser; the
 * dialog mounts the form afresh for every opening, so there is no reset
 * action (only "Reset to default" of the columns).
 */
import { useReducer } from "react";
import { COST_COLUMNS, type ColumnId } from "@/lib/exports/formats/columns";
import type { ExportFormat } from "@/lib/exports/model";
import type { Catalogue, FormatInfo } from "./types";

export type ExportForm = {
  format: ExportFormat | null;
  options: Record<string, unknown>;
  /**
   * The measurement columns in order (SPEC §12.2) for a format that takes
   * them; null for one that does not. Starts as that format's default.
   */
  columns: ColumnId[] | null;
  /** Each format's default columns for this source (the catalogue's `default_columns`). */
  defaultColumns: Partial<Record<ExportFormat, ColumnId[]>>;
  /** null: all conditions (the API's default); otherwise at least one id. */
  conditionIds: string[] | null;
  name: string;
  description: string;
  submitting: boolean;
  error: string | null;
  /**
   * The preset the settings came from (SPEC §13.1), with the settings as it
   * set them: while they are unchanged the request sends `preset_id`.
   * Absent: no preset.
   */
  preset?: AppliedPreset | null;
};

/** A preset as the dialog uses it (the API's preset object). */
export type PresetChoice = {
  id: string;
  name: string;
  format: ExportFormat;
  options: Record<string, unknown>;
  name_template: string | null;
};

export type AppliedPreset = { id: string; name: string; nameTemplate: string | null; settings: string };

export type ExportFormAction =
  | { type: "pick"; format: FormatInfo }
  | { type: "option"; key: string; value: unknown }
  | { type: "conditions"; ids: string[] | null }
  | { type: "column-add"; id: ColumnId }
  | { type: "column-remove"; id: ColumnId }
  | { type: "column-move"; id: ColumnId; by: -1 | 1 }
  | { type: "columns-reset" }
  | { type: "name"; value: string }
  | { type: "description"; value: string }
  | { type: "preset"; preset: PresetChoice; format: FormatInfo }
  | { type: "preset-clear" }
  | { type: "preset-saved"; preset: PresetChoice }
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

/** Whether a format takes `columns` (it lists the option). */
export function takesColumns(format: Pick<FormatInfo, "options"> | undefined): boolean {
  return Boolean(format?.options.some((o) => o.key === "columns"));
}

export const isCostColumn = (id: ColumnId) => COST_COLUMNS.includes(id);

/** Whether two column lists are the same columns in the same order. */
export function sameColumns(a: readonly ColumnId[] | null | undefined, b: readonly ColumnId[] | null | undefined): boolean {
  return Boolean(a && b && a.length === b.length && a.every((id, i) => id === b[i]));
}

/** A format's default columns, without cost columns when costs are off; null when it takes none. */
function startingColumns(format: FormatInfo | undefined, defaults: ExportForm["defaultColumns"], includeCosts: unknown): ColumnId[] | null {
  if (!format || !takesColumns(format)) return null;
  const list = defaults[format.id] ?? [];
  return includeCosts === false ? list.filter((id) => !isCostColumn(id)) : [...list];
}

/** Whether a source has more measurements than the format may export (the API would refuse it). */
export function overRowLimit(format: Pick<FormatInfo, "max_rows">, measurements: number): boolean {
  return format.max_rows !== null && measurements > format.max_rows;
}

/** The catalogue's default format (or the first one the source is not too large for) with its defaults and the suggested name. */
export function initialExportForm(catalogue: Catalogue): ExportForm {
  const usable = catalogue.formats.filter((f) => !overRowLimit(f, catalogue.source.measurements_count));
  const first = usable.find((f) => f.id === catalogue.default_format) ?? usable[0];
  const options = defaultsFor(first);
  const defaultColumns = { ...catalogue.default_columns };
  return {
    format: first?.id ?? null,
    options,
    columns: startingColumns(first, defaultColumns, options.include_costs),
    defaultColumns,
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

/** The columns with `id` moved one place up (-1) or down (+1); unchanged at either end. */
function moveColumn(columns: ColumnId[], id: ColumnId, by: -1 | 1): ColumnId[] {
  const from = columns.indexOf(id);
  const to = from + by;
  if (from < 0 || to < 0 || to >= columns.length) return columns;
  const next = [...columns];
  [next[from], next[to]] = [next[to], next[from]];
  return next;
}

/** The settings a preset holds, in one comparable string: format, options, columns and conditions. */
export function settingsKey(form: Pick<ExportForm, "format" | "options" | "columns" | "conditionIds">): string {
  const options = Object.fromEntries(Object.entries(form.options).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return JSON.stringify([form.format, options, form.columns, form.conditionIds]);
}

/** Whether the form still holds exactly what its preset set. */
export function presetUnchanged(form: ExportForm): boolean {
  return Boolean(form.preset && form.preset.settings === settingsKey(form));
}

/** A preset's settings in the form: its format's defaults under its options; its columns, or the format's default ones. */
function applyPreset(state: ExportForm, preset: PresetChoice, format: FormatInfo): ExportForm {
  const { columns, condition_ids: conditionIds, ...rest } = preset.options;
  const options = { ...defaultsFor(format), ...rest };
  const next: ExportForm = {
    ...state,
    format: format.id,
    options,
    columns: takesColumns(format)
      ? Array.isArray(columns)
        ? (columns as ColumnId[])
        : startingColumns(format, state.defaultColumns, options.include_costs)
      : null,
    conditionIds: Array.isArray(conditionIds) && conditionIds.length > 0 ? (conditionIds as string[]) : null,
    // A template names the export on the server; the field stays free for a name of the user's own.
    name: preset.name_template ? "" : state.name,
    error: null,
  };
  return { ...next, preset: { id: preset.id, name: preset.name, nameTemplate: preset.name_template, settings: settingsKey(next) } };
}

export function exportFormReducer(state: ExportForm, action: ExportFormAction): ExportForm {
  switch (action.type) {
    case "preset":
      return applyPreset(state, action.preset, action.format);
    case "preset-clear":
      return { ...state, preset: null };
    case "preset-saved": {
      // The current settings are now that preset's; a choice of conditions is not saved (a preset serves every source).
      const saved = Array.isArray(action.preset.options.condition_ids) ? state : { ...state, conditionIds: null };
      const { id, name, name_template: nameTemplate } = action.preset;
      return { ...state, preset: { id, name, nameTemplate, settings: settingsKey(saved) } };
    }
    case "pick": {
      // Each format starts from its own default columns (they differ: Excel has no Condition column).
      const options = carryOptions(state.options, action.format);
      return {
        ...state,
        format: action.format.id,
        options,
        columns: startingColumns(action.format, state.defaultColumns, options.include_costs),
      };
    }
    case "option": {
      const options = { ...state.options, [action.key]: action.value };
      // Costs off: cost columns go too (the API refuses them without costs); an empty list falls back to the default.
      if (action.key === "include_costs" && action.value === false && state.columns?.some(isCostColumn)) {
        const kept = state.columns.filter((id) => !isCostColumn(id));
        const fallback = (state.format && state.defaultColumns[state.format]) || [];
        return { ...state, options, columns: kept.length ? kept : fallback.filter((id) => !isCostColumn(id)) };
      }
      return { ...state, options };
    }
    case "column-add": {
      if (!state.columns || state.columns.includes(action.id)) return state;
      const columns = [...state.columns, action.id];
      // A cost column asks for costs: turning them on here keeps the request valid.
      const options = isCostColumn(action.id) ? { ...state.options, include_costs: true } : state.options;
      return { ...state, columns, options };
    }
    case "column-remove":
      // At least one column stays (the API wants one).
      if (!state.columns || state.columns.length <= 1 || !state.columns.includes(action.id)) return state;
      return { ...state, columns: state.columns.filter((id) => id !== action.id) };
    case "column-move":
      if (!state.columns) return state;
      return { ...state, columns: moveColumn(state.columns, action.id, action.by) };
    case "columns-reset": {
      if (!state.columns || !state.format) return state;
      const list = state.defaultColumns[state.format] ?? state.columns;
      return { ...state, columns: state.options.include_costs === false ? list.filter((id) => !isCostColumn(id)) : [...list] };
    }
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

/**
 * The POST body; a subset of conditions is sent only where the format takes
 * one and the dialog offered it, and `columns` only when they differ from the
 * format's default (the same file either way; the stored options stay short).
 */
export function exportRequestBody(form: ExportForm, format: ExportFormat, { withConditions }: { withConditions: boolean }) {
  const chosenColumns = form.columns && !sameColumns(form.columns, form.defaultColumns[format]) ? { columns: form.columns } : {};
  return {
    format,
    options: { ...form.options, ...chosenColumns, ...(withConditions && form.conditionIds ? { condition_ids: form.conditionIds } : {}) },
    name: form.name.trim() || undefined,
    description: form.description.trim() || undefined,
  };
}

/** The POST body while the settings are an unchanged preset's: the preset itself, so the export records it (SPEC §13.1); else null. */
export function presetRequestBody(form: ExportForm) {
  if (!form.preset || !presetUnchanged(form)) return null;
  return { preset_id: form.preset.id, name: form.name.trim() || undefined, description: form.description.trim() || undefined };
}

export function useExportForm(catalogue: Catalogue) {
  return useReducer(exportFormReducer, catalogue, initialExportForm);
}
