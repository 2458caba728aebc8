import { describe, expect, it } from "vitest";
import { shownOptions } from "@/components/exports/export-options";

describe("a bundle's options on its details page", () => {
  it("are its number of documents and its formats", () => {
    const options = { bundle: { document_ids: ["a", "b", "c"], formats: ["csv", "excel", "ost"], options: { csv: { bom: true } } } };
    expect(shownOptions("zip", options)).toEqual([
      ["Documents", "3"],
      ["Formats", "CSV, Excel, OST XML"],
    ]);
  });

  it("are nothing when the parts are missing", () => {
    expect(shownOptions("zip", {})).toEqual([]);
    expect(shownOptions("zip", null)).toEqual([]);
  });
});
