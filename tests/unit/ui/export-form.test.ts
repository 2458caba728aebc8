// The export dialog's form: what an opening starts with, what a format switch keeps, which formats a source is too large for, and the request it sends.
import { describe, expect, it } from "vitest";
import type { Catalogue, FormatInfo, OptionInfo } from "@/components/exports/types";
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
  timezone,
  toggle("bom"),
  { key: "delimiter", type: "string", default: ",", enum: [",", ";", "\t", "tab"], description: "" },
]);
const EXCEL = format("excel", [toggle("include_unverified"), toggle("include_costs"), conditionIds, timezone]);
const PDF = format(
  "pdf",
  [
    toggle("include_unverified"),
    toggle("include_costs"),
    conditionIds,
    timezone,
    { key: "page_size", type: "string", default: "letter", enum: ["letter", "a4"], description: "" },
  ],
  100,
);
const JSON_ = format("json", [toggle("include_unverified"), conditionIds, toggle("pretty")]);

function catalogue(overrides: { measurements?: number; defaultFormat?: FormatInfo["id"]; formats?: FormatInfo[] } = {}): Catalogue {
  return {
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
