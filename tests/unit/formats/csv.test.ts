import fs from "node:fs";
import Papa from "papaparse";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { csvField } from "@/lib/exports/formats/csv";
import { importFixture, importNasty, NASTY, options, renderToFile, source, tempDir, type Imported } from "../../fixtures/formats-data";
import { SPEC_CSV_HEADER } from "../../fixtures/spec-csv-header";

const HEADER = SPEC_CSV_HEADER;

function read(file: string, delimiter = ",") {
  const bytes = fs.readFileSync(file);
  const text = bytes.toString("utf8");
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ""), { delimiter, newline: "\r\n", skipEmptyLines: true });
  expect(parsed.errors).toEqual([]);
  return { bytes, text, header: parsed.data[0], rows: parsed.data.slice(1) };
}

describe("CSV export", () => {
  const dir = tempDir();
  let spec: Imported;
  beforeAll(async () => {
    spec = await importFixture();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("writes the SPEC example as one row per measurement with BOM, CRLF and the exact header, Document last in a project export", async () => {
    const opts = options("csv");
    const { file, result, progress } = await renderToFile("csv", await source(spec, opts), opts, dir);
    const { bytes, text, header, rows } = read(file);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(text.slice(1).split("\r\n")[0]).toBe([...HEADER, "Document"].join(","));
    expect(text.replace(/\r\n/g, "").includes("\n")).toBe(false);
    expect(text.endsWith("\r\n")).toBe(true);
    expect(header).toEqual([...HEADER, "Document"]);
    expect(rows).toHaveLength(5);
    expect(rows.every((r) => r[10] === "Structural Set.pdf")).toBe(true);
    expect(result).toEqual({ records: 5, warnings: [] });
    expect(progress.rows).toBe(5);

    expect(rows[0]).toEqual([
      "Floor Slab",
      "1",
      "S-001",
      "polygon",
      "500.0000",
      "SF",
      '{"points":[{"x":100,"y":100},{"x":500,"y":100},{"x":500,"y":400},{"x":100,"y":400}]}',
      "Yes",
      "Yes",
      "Main area slab",
      "Structural Set.pdf",
    ]);
    expect(rows.map((r) => [r[0], r[1], r[3], r[4], r[7], r[9]])).toEqual([
      ["Floor Slab", "1", "polygon", "500.0000", "Yes", "Main area slab"],
      ["Floor Slab", "1", "rectangle", "500.0000", "Yes", ""],
      ["Floor Slab", "2", "polygon", "500.0000", "No", "East wing, to be verified"],
      ["Continuous Footing", "1", "line", "40.0000", "Yes", ""],
      ["Continuous Footing", "2", "polyline", "70.0000", "Yes", ""],
    ]);
    expect(JSON.parse(rows[3][6])).toEqual({ start: { x: 100, y: 100 }, end: { x: 500, y: 100 } });
    expect(rows[3][6]).toBe('{"start":{"x":100,"y":100},"end":{"x":500,"y":100}}');
  });

  it("honours bom:false, the delimiter and include_unverified on a document export", async () => {
    for (const delimiter of [";", "\t"]) {
      const opts = options("csv", { bom: false, delimiter: delimiter === "\t" ? "tab" : delimiter, include_unverified: false });
      const { file, result } = await renderToFile("csv", await source(spec, opts, { type: "document" }), opts, dir);
      const { bytes, header, rows } = read(file, delimiter);
      expect(bytes[0]).toBe("C".charCodeAt(0));
      expect(header).toEqual(HEADER);
      expect(rows).toHaveLength(4);
      expect(rows.every((r) => r[7] === "Yes")).toBe(true);
      expect(result.records).toBe(4);
    }
  });

  it("gives the header only for an empty project", async () => {
    const empty = await importFixture({ name: "Empty" });
    const opts = options("csv");
    const { file, result } = await renderToFile("csv", await source(empty, opts), opts, dir);
    expect(fs.readFileSync(file, "utf8")).toBe(`\uFEFF${[...HEADER, "Document"].join(",")}\r\n`);
    expect(result.records).toBe(0);
  });

  it("quotes separators, quotes and line breaks, neutralises formulas and keeps numbers and scripts", async () => {
    const nasty = await importNasty();
    const opts = options("csv");
    const { file } = await renderToFile("csv", await source(nasty, opts), opts, dir);
    const { rows } = read(file);
    const byNote = (note: string) => rows.find((r) => r[9] === note)!;

    const first = rows[0];
    expect(first[0]).toBe(NASTY.conditionName); // comma, quotes and newline survive the round trip
    expect(first[2]).toBe("'=SUM(A1)");
    expect(first[4]).toBe("-12.5000");
    expect(first[9]).toBe("'=SUM(A1)");
    expect(byNote("'+1")[3]).toBe("rectangle");
    expect(byNote("-12.5")[3]).toBe("circle");
    expect(byNote("'@x")[0]).toBe(NASTY.greek);
    expect(byNote(`${NASTY.cyrillic}, "q"\r\nnext`)[3]).toBe("polyline");
    expect(byNote("'\tTabbed")[0]).toBe("Summary");
    expect(byNote(NASTY.cjk)[0]).toBe(NASTY.cjk);
    expect(rows.find((r) => r[0] === NASTY.cyrillic)![9]).toBe(NASTY.control);
    expect(JSON.parse(first[6])).toEqual({
      points: [
        { x: -1.5, y: 2 },
        { x: 3, y: -4.25 },
        { x: 0, y: 0 },
      ],
    });
    expect(rows).toHaveLength(10);
  });

  it("quotes a field exactly when papaparse would, for every delimiter", () => {
    const values = [
      "",
      "plain",
      "a,b",
      "a;b",
      "a\tb",
      'say "hi"',
      '"',
      "line\nbreak",
      "cr\ronly",
      "\uFEFFbom",
      " leading",
      "trailing ",
      " ",
      "inner space",
      "'=SUM(A1)",
      NASTY.cjk,
      '{"points":[{"x":1,"y":2}]}',
    ];
    for (const delimiter of [",", ";", "\t"]) {
      const field = csvField(delimiter);
      for (const value of values) {
        expect(field(value), JSON.stringify({ delimiter, value })).toBe(
          Papa.unparse([[value]], { delimiter, newline: "\r\n", escapeFormulae: false }),
        );
      }
    }
  });
});
