// The export dialog's form: what an opening starts with, what a format switch keeps, which formats a source is too large for, and the request it sends.
import { describe, expect, it } from "vitest";
import type { Catalogue, FormatInfo, OptionInfo } from "@/components/exports/types";
import { COLUMN_IDS, type ColumnId } from "@/lib/exports/formats/columns";
import {
  defaultsFor,
  exportFormReducer,
  exportRequestBody,
  initialExportForm,
  overRowLimit,
  type ExportForm,
} from "@/components/exports/use-export-form";

const toggle = (key: string, value = true): OptionInfo => ({ key, type: "boolean", default: value, description: "" });
const timezone: OptionInfo = { key: "timezone", type: "string", default: "UTC", description: "" };
const columnsOption: OptionInfo = { key: "columns", type: "array", items: { type: "string" }, description: "" };
const conditionIds: OptionInfo = { key: "condition_ids", type: "array", items: { type: "string", format: "uuid" }, description: "" };

function format(id: FormatInfo["id"], options: OptionInfo[], maxRows: number | null = null): FormatInfo {
  return {
    id,
    label: id.toUpperCase(),
    extension: id,
    content_type: "application/octet-stream",
    description: `${id} file`,
    options,
    max_rows: maxRows,
  };
}

const CSV = format("csv", [
  toggle("include_unverified"),
  toggle("include_costs"),
  conditionIds,
  columnsOption,
  timezone,
  toggle("bom"),
  { key: "delimiter", type: "string", default: ",", enum: [",", ";", "\t", "tab"], description: "" },
]);
const EXCEL = format("excel", [toggle("include_unverified"), toggle("include_costs"), conditionIds, columnsOption, timezone]);
const PDF = format(
  "pdf",
  [
    toggle("include_unverified"),
    toggle("include_costs"),
    conditionIds,
    columnsOption,
    timezone,
    { key: "page_size", type: "string", default: "letter", enum: ["letter", "a4"], description: "" },
  ],
  100,
);
const JSON_ = format("json", [toggle("include_unverified"), conditionIds, toggle("pretty")]);

const CSV_DEFAULT: ColumnId[] = [
  "condition",
  "page",
  "sheet_number",
  "geometry_type",
  "quantity",
  "unit",
  "coordinates",
  "verified",
  "ai_generated",
  "notes",
];
const EXCEL_DEFAULT: ColumnId[] = ["page", "sheet_number", "geometry_type", "quantity", "unit", "verified", "notes"];
const PDF_DEFAULT: ColumnId[] = ["page", "sheet_number", "geometry_type", "quantity", "unit"];

function catalogue(
  overrides: { measurements?: number; defaultFormat?: FormatInfo["id"]; formats?: FormatInfo[]; project?: boolean } = {},
): Catalogue {
  const withDocument = (list: ColumnId[], first = false): ColumnId[] =>
    overrides.project ? (first ? ["document", ...list] : [...list, "document"]) : list;
  return {
    columns: COLUMN_IDS.map((id) => ({ id, header: id, formats: ["csv", "excel", "pdf"] })),
    default_columns: { csv: withDocument(CSV_DEFAULT), excel: withDocument(EXCEL_DEFAULT), pdf: withDocument(PDF_DEFAULT, true) },
    source: {
      type: "document",
      id: "00000000-0000-4000-8000-000000000001",
      name: "Structural Set.pdf",
      project_id: "00000000-0000-4000-8000-000000000002",
      measurements_count: overrides.measurements ?? 56,
    },
    suggested_name: "Structural Set export",
    default_format: overrides.defaultFormat ?? "csv",
    pdf_max_rows: 100,
    formats: overrides.formats ?? [CSV, EXCEL, PDF, JSON_],
  };
}

const opened = (c = catalogue()) => initialExportForm(c);

describe("export form", () => {
  it("opens on the catalogue's default format with its defaults and the suggested name", () => {
    expect(opened()).toEqual({
      format: "csv",
      options: { include_unverified: true, include_costs: true, timezone: "UTC", bom: true, delimiter: "," },
      columns: CSV_DEFAULT,
      defaultColumns: { csv: CSV_DEFAULT, excel: EXCEL_DEFAULT, pdf: PDF_DEFAULT },
      conditionIds: null,
      name: "Structural Set export",
      description: "",
      submitting: false,
      error: null,
    });
  });

  it("opens on the first format the source is not too large for when the default is", () => {
    const form = opened(catalogue({ measurements: 101, defaultFormat: "pdf" }));
    expect(form.format).toBe("csv");
    expect(form.options).not.toHaveProperty("page_size");
  });

  it("treats a format as over its limit only above max_rows, and null as no limit", () => {
    expect(overRowLimit(PDF, 100)).toBe(false);
    expect(overRowLimit(PDF, 101)).toBe(true);
    expect(overRowLimit(CSV, 10_000_000)).toBe(false);
  });

  it("leaves conditions and empty defaults out of a format's defaults", () => {
    expect(
      defaultsFor(format("json", [conditionIds, { key: "note", type: "string", default: null, description: "" }, toggle("pretty", false)])),
    ).toEqual({ pretty: false });
    expect(defaultsFor(undefined)).toEqual({});
  });

  it("keeps the switches and the time zone both formats have when the format changes, and takes the new format's other defaults", () => {
    let form = opened();
    form = exportFormReducer(form, { type: "option", key: "include_costs", value: false });
    form = exportFormReducer(form, { type: "option", key: "timezone", value: "Europe/Berlin" });
    form = exportFormReducer(form, { type: "option", key: "delimiter", value: ";" });
    form = exportFormReducer(form, { type: "pick", format: PDF });
    expect(form.format).toBe("pdf");
    expect(form.options).toEqual({ include_unverified: true, include_costs: false, timezone: "Europe/Berlin", page_size: "letter" });

    form = exportFormReducer(form, { type: "pick", format: JSON_ });
    expect(form.options).toEqual({ include_unverified: true, pretty: true });
  });

  it("changes only the field an edit is about", () => {
    const before = opened();
    expect(exportFormReducer(before, { type: "name", value: "Bid set" })).toEqual({ ...before, name: "Bid set" });
    expect(exportFormReducer(before, { type: "description", value: "For Monday" })).toEqual({ ...before, description: "For Monday" });
    expect(exportFormReducer(before, { type: "conditions", ids: ["a"] })).toEqual({ ...before, conditionIds: ["a"] });
    expect(exportFormReducer(before, { type: "option", key: "bom", value: false }).options).toEqual({ ...before.options, bom: false });
    expect(before.options.bom).toBe(true);
  });

  it("clears the last error when it submits, shows a failure's message, and stops submitting when the request settles", () => {
    let form: ExportForm = { ...opened(), error: "Too many requests" };
    form = exportFormReducer(form, { type: "submit" });
    expect(form).toMatchObject({ submitting: true, error: null });
    expect(exportFormReducer(form, { type: "failed", message: "Rate limited" })).toMatchObject({
      submitting: false,
      error: "Rate limited",
    });
    expect(exportFormReducer(form, { type: "settled" })).toMatchObject({ submitting: false, error: null });
  });

  it("sends a trimmed name and description, and a subset of conditions only where the dialog offered one", () => {
    const form = { ...opened(), name: "  Bid set ", description: "   ", conditionIds: ["c1", "c2"] };
    expect(exportRequestBody(form, "csv", { withConditions: true })).toEqual({
      format: "csv",
      options: { ...form.options, condition_ids: ["c1", "c2"] },
      name: "Bid set",
      description: undefined,
    });
    expect(exportRequestBody(form, "csv", { withConditions: false }).options).not.toHaveProperty("condition_ids");
    expect(exportRequestBody({ ...form, conditionIds: null }, "csv", { withConditions: true }).options).not.toHaveProperty("condition_ids");
  });
});

describe("export form: columns (SPEC §12.2)", () => {
  const pick = (form: ExportForm, f: FormatInfo) => exportFormReducer(form, { type: "pick", format: f });

  it("starts each format on its own default columns, a project's with the document, and none for a format without them", () => {
    const project = opened(catalogue({ project: true }));
    expect(project.columns).toEqual([...CSV_DEFAULT, "document"]);
    expect(pick(project, EXCEL).columns).toEqual([...EXCEL_DEFAULT, "document"]);
    expect(pick(project, PDF).columns).toEqual(["document", ...PDF_DEFAULT]);
    expect(pick(project, JSON_).columns).toBeNull();
    // Back to CSV: its default again, not what Excel had.
    expect(pick(pick(project, EXCEL), CSV).columns).toEqual([...CSV_DEFAULT, "document"]);
  });

  it("adds at the end, removes, and moves one place up or down, never past either end", () => {
    let form = pick(opened(), PDF);
    form = exportFormReducer(form, { type: "column-add", id: "notes" });
    expect(form.columns).toEqual([...PDF_DEFAULT, "notes"]);
    expect(exportFormReducer(form, { type: "column-add", id: "notes" })).toBe(form);
    form = exportFormReducer(form, { type: "column-move", id: "notes", by: -1 });
    expect(form.columns).toEqual(["page", "sheet_number", "geometry_type", "quantity", "notes", "unit"]);
    form = exportFormReducer(form, { type: "column-move", id: "page", by: 1 });
    expect(form.columns).toEqual(["sheet_number", "page", "geometry_type", "quantity", "notes", "unit"]);
    expect(exportFormReducer(form, { type: "column-move", id: "sheet_number", by: -1 }).columns).toEqual(form.columns);
    expect(exportFormReducer(form, { type: "column-move", id: "unit", by: 1 }).columns).toEqual(form.columns);
    form = exportFormReducer(form, { type: "column-remove", id: "geometry_type" });
    expect(form.columns).toEqual(["sheet_number", "page", "quantity", "notes", "unit"]);
  });

  it("keeps at least one column", () => {
    let form = pick(opened(), PDF);
    for (const id of ["page", "sheet_number", "geometry_type", "quantity"] as const)
      form = exportFormReducer(form, { type: "column-remove", id });
    expect(form.columns).toEqual(["unit"]);
    expect(exportFormReducer(form, { type: "column-remove", id: "unit" }).columns).toEqual(["unit"]);
  });

  it("resets to the format's default", () => {
    let form = opened(catalogue({ project: true }));
    form = exportFormReducer(form, { type: "column-remove", id: "document" });
    form = exportFormReducer(form, { type: "column-move", id: "notes", by: -1 });
    form = exportFormReducer(form, { type: "columns-reset" });
    expect(form.columns).toEqual([...CSV_DEFAULT, "document"]);
  });

  it("turns costs on with a cost column, and takes cost columns out when costs are turned off", () => {
    let form = exportFormReducer(opened(), { type: "option", key: "include_costs", value: false });
    form = exportFormReducer(form, { type: "column-add", id: "extended_cost" });
    expect(form.options.include_costs).toBe(true);
    expect(form.columns).toEqual([...CSV_DEFAULT, "extended_cost"]);
    form = exportFormReducer(form, { type: "column-add", id: "unit_cost" });
    form = exportFormReducer(form, { type: "option", key: "include_costs", value: false });
    expect(form.columns).toEqual(CSV_DEFAULT);
    expect(form.options.include_costs).toBe(false);
    // Only cost columns left: the default comes back rather than nothing.
    let only = exportFormReducer(pick(opened(), PDF), { type: "column-add", id: "unit_cost" });
    for (const id of PDF_DEFAULT) only = exportFormReducer(only, { type: "column-remove", id });
    expect(only.columns).toEqual(["unit_cost"]);
    expect(exportFormReducer(only, { type: "option", key: "include_costs", value: false }).columns).toEqual(PDF_DEFAULT);
  });

  it("sends columns only when they differ from the format's default", () => {
    const form = opened(catalogue({ project: true }));
    expect(exportRequestBody(form, "csv", { withConditions: false }).options).not.toHaveProperty("columns");
    const moved = exportFormReducer(form, { type: "column-move", id: "document", by: -1 });
    expect(exportRequestBody(moved, "csv", { withConditions: false }).options.columns).toEqual([
      ...CSV_DEFAULT.slice(0, -1),
      "document",
      "notes",
    ]);
    expect(exportRequestBody(pick(form, JSON_), "json", { withConditions: false }).options).not.toHaveProperty("columns");
  });
});
