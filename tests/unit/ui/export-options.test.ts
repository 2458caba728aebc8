// The details page lists only the options that change the export's file, and shows a description only when it says more than the subtitle.
import { describe, expect, it } from "vitest";
import { optionApplies, repeatsSubtitle, shownOptions } from "@/components/exports/export-options";

const csvDefaults = { bom: true, delimiter: ",", include_costs: true, include_unverified: true, timezone: "UTC" };

describe("shownOptions", () => {
  it("leaves out include_costs for a CSV without cost columns (CSV has no costs then)", () => {
    expect(shownOptions("csv", csvDefaults).map(([k]) => k)).toEqual(["bom", "delimiter", "include_unverified", "timezone"]);
    expect(shownOptions("csv", { ...csvDefaults, columns: ["condition", "quantity", "unit"] }).map(([k]) => k)).not.toContain(
      "include_costs",
    );
  });

  it("lists include_costs for a CSV whose chosen columns include a cost column", () => {
    expect(optionApplies("csv", "include_costs", { ...csvDefaults, columns: ["condition", "extended_cost"] })).toBe(true);
    expect(optionApplies("csv", "include_costs", { ...csvDefaults, columns: ["unit_cost"] })).toBe(true);
  });

  it("lists include_costs for the formats that have cost columns, rows, sheets or lines", () => {
    for (const format of ["excel", "pdf", "json", "ost"] as const) {
      expect(optionApplies(format, "include_costs", { include_costs: false }), format).toBe(true);
    }
  });

  it("keeps every other option and the stored order; nothing stored is nothing listed", () => {
    expect(shownOptions("pdf", { include_costs: false, orientation: "landscape", page_size: "a4" })).toEqual([
      ["include_costs", false],
      ["orientation", "landscape"],
      ["page_size", "a4"],
    ]);
    expect(shownOptions("excel", null)).toEqual([]);
  });
});

describe("repeatsSubtitle", () => {
  it("recognises the default description, old (EXCEL) and new (Excel) spelling", () => {
    expect(repeatsSubtitle("Excel export of Structural Set.pdf", ["Excel", "excel"], "Structural Set.pdf")).toBe(true);
    expect(repeatsSubtitle("EXCEL export of Structural Set.pdf", ["Excel", "excel"], "Structural Set.pdf")).toBe(true);
    expect(repeatsSubtitle("OST XML export of Tower", ["OST XML", "ost"], "Tower")).toBe(true);
  });

  it("keeps a description someone wrote, and any description when the source is gone", () => {
    expect(repeatsSubtitle("For the estimating team", ["Excel", "excel"], "Structural Set.pdf")).toBe(false);
    expect(repeatsSubtitle("Excel export of Structural Set.pdf, revised", ["Excel", "excel"], "Structural Set.pdf")).toBe(false);
    expect(repeatsSubtitle("CSV export of Structural Set.pdf", ["CSV", "csv"], null)).toBe(false);
    expect(repeatsSubtitle(null, ["CSV", "csv"], "Structural Set.pdf")).toBe(false);
  });
});
