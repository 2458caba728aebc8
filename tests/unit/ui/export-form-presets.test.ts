// The export dialog and presets (SPEC §13.1): choosing a preset fills the form; the request names the preset only while nothing changed.
import { describe, expect, it } from "vitest";
import type { Catalogue, FormatInfo, OptionInfo } from "@/components/exports/types";
import {
  exportFormReducer,
  exportRequestBody,
  initialExportForm,
  presetRequestBody,
  type ExportForm,
  type PresetChoice,
} from "@/components/exports/use-export-form";
import { carryToFormat, optionSummary } from "@/components/presets/preset-options";

const toggle = (key: string, value = true): OptionInfo => ({ key, type: "boolean", default: value, description: "" });
const timezone: OptionInfo = { key: "timezone", type: "string", default: "UTC", description: "" };
const columnsOption: OptionInfo = { key: "columns", type: "array", items: { type: "string" }, description: "" };

const format = (id: FormatInfo["id"], options: OptionInfo[]): FormatInfo => ({
  id,
  label: id.toUpperCase(),
  extension: id,
  content_type: "application/octet-stream",
  description: "",
  options,
  max_rows: null,
});
const CSV = format("csv", [toggle("include_unverified"), toggle("include_costs"), columnsOption, timezone, toggle("bom")]);
const PDF = format("pdf", [
  toggle("include_unverified"),
  toggle("include_costs"),
  columnsOption,
  timezone,
  { key: "orientation", type: "string", default: "portrait", enum: ["portrait", "landscape"], description: "" },
]);
const JSON_ = format("json", [toggle("include_unverified"), toggle("include_costs"), timezone, toggle("pretty")]);

const catalogue = {
  source: { type: "document", id: "d", name: "Structural Set.pdf", project_id: "p", measurements_count: 5 },
  suggested_name: "Structural Set export",
  default_format: "csv",
  pdf_max_rows: 100,
  formats: [CSV, PDF, JSON_],
  columns: [],
  default_columns: { csv: ["condition", "quantity", "unit"], excel: ["quantity", "unit"], pdf: ["condition", "quantity", "unit"] },
} as unknown as Catalogue;

const preset = (over: Partial<PresetChoice> = {}): PresetChoice => ({
  id: "11111111-1111-4111-8111-111111111111",
  name: "Landscape PDF",
  format: "pdf",
  options: { include_costs: false, include_unverified: true, orientation: "landscape", timezone: "Europe/Berlin" },
  name_template: null,
  ...over,
});

const opened = (): ExportForm => initialExportForm(catalogue);
const choose = (p: PresetChoice, form = opened()) =>
  exportFormReducer(form, { type: "preset", preset: p, format: catalogue.formats.find((f) => f.id === p.format)! });

describe("presets in the export form", () => {
  it("choosing a preset fills format, options and default columns; the request is the preset", () => {
    const form = choose(preset());
    expect(form.format).toBe("pdf");
    expect(form.options).toEqual({ include_costs: false, include_unverified: true, orientation: "landscape", timezone: "Europe/Berlin" });
    expect(form.columns).toEqual(["condition", "quantity", "unit"]);
    expect(presetRequestBody(form)).toEqual({ preset_id: preset().id, name: "Structural Set export", description: undefined });
  });

  it("a preset's own columns and a template: the columns come along, the name is left to the template", () => {
    const form = choose(preset({ format: "csv", options: { columns: ["quantity", "condition"], bom: false }, name_template: "{date}" }));
    expect(form.columns).toEqual(["quantity", "condition"]);
    expect(form.options.bom).toBe(false);
    expect(form.name).toBe("");
    expect(presetRequestBody(form)).toEqual({ preset_id: preset().id, name: undefined, description: undefined });
    // A name of the user's own still goes with the preset.
    expect(presetRequestBody(exportFormReducer(form, { type: "name", value: "Mine" }))?.name).toBe("Mine");
  });

  it("any change of format, option, column or condition sends the settings instead of the preset", () => {
    const form = choose(preset());
    const changes = [
      exportFormReducer(form, { type: "option", key: "orientation", value: "portrait" }),
      exportFormReducer(form, { type: "pick", format: JSON_ }),
      exportFormReducer(form, { type: "column-remove", id: "unit" }),
      exportFormReducer(form, { type: "conditions", ids: ["c1"] }),
    ];
    for (const changed of changes) {
      expect(presetRequestBody(changed)).toBeNull();
      expect(exportRequestBody(changed, changed.format!, { withConditions: true })).toHaveProperty("format");
    }
    // Changing it back makes it the preset again.
    const back = exportFormReducer(changes[0], { type: "option", key: "orientation", value: "landscape" });
    expect(presetRequestBody(back)?.preset_id).toBe(preset().id);
    expect(presetRequestBody(exportFormReducer(form, { type: "preset-clear" }))).toBeNull();
  });

  it("after Save as preset the current settings are that preset's, without a choice of conditions", () => {
    const saved = preset({ id: "22222222-2222-4222-8222-222222222222", format: "csv", options: {} });
    const form = exportFormReducer(opened(), { type: "preset-saved", preset: saved });
    expect(presetRequestBody(form)?.preset_id).toBe(saved.id);
    const withConditions = exportFormReducer(exportFormReducer(opened(), { type: "conditions", ids: ["c1"] }), {
      type: "preset-saved",
      preset: saved,
    });
    expect(presetRequestBody(withConditions)).toBeNull();
  });
});

describe("the presets page's helpers", () => {
  it("sums up options in words, only those that change the file", () => {
    expect(optionSummary("csv", { include_costs: true, include_unverified: false, timezone: "UTC", bom: true, delimiter: ";" })).toBe(
      "Verified only · UTC · semicolon-separated",
    );
    expect(optionSummary("pdf", { include_costs: false, orientation: "landscape", breakdown: "sheet", group_by: "none" })).toBe(
      "No costs · landscape · by sheet",
    );
  });

  it("a format switch keeps switches and time zone, and takes the new format's defaults for the rest", () => {
    expect(carryToFormat({ include_costs: false, timezone: "Asia/Tokyo", bom: false }, PDF)).toEqual({
      include_unverified: true,
      include_costs: false,
      timezone: "Asia/Tokyo",
      orientation: "portrait",
    });
  });
});
