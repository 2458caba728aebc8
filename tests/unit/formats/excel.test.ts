import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as XLSX from "xlsx";
import { BREAKDOWN_MAX_CONDITIONS, renderExcel } from "@/lib/exports/formats/excel";
import { escapeXml, XlsxWorkbook } from "@/lib/exports/formats/xlsx-writer";
import { XML_ILLEGAL_WARNING } from "@/lib/exports/sanitize";
import {
  countingProgress,
  GENERATED_AT,
  importFixture,
  importNasty,
  LONG_NOTE,
  NASTY,
  options,
  renderToFile,
  SECOND_DOCUMENT,
  source,
  syntheticSource,
  tempDir,
  twoDocumentProject,
  UNICODE_CONDITION,
  type Imported,
} from "../../fixtures/formats-data";
import { child, children, parseXml, type XmlNode } from "../../fixtures/formats-xml";

type Book = XLSX.WorkBook & { files: Record<string, { content: Buffer }> };

const read = (file: string) => XLSX.readFile(file, { cellNF: true, bookFiles: true }) as Book;
const value = (wb: XLSX.WorkBook, sheet: string, ref: string) => wb.Sheets[sheet][ref]?.v;
const row = (wb: XLSX.WorkBook, sheet: string, n: number, width: number) =>
  Array.from({ length: width }, (_, i) => value(wb, sheet, `${XLSX.utils.encode_col(i)}${n}`) ?? null);

const xmlOf = (wb: Book, file: string): XmlNode => parseXml(wb.files[file].content.toString("utf8")).root;

/** The raw worksheet XML of a sheet, found through workbook.xml and its relationships. */
function sheetXml(wb: Book, name: string): XmlNode {
  const sheet = children(child(xmlOf(wb, "xl/workbook.xml"), "sheets")).find((s) => s.attrs.name === name)!;
  const rel = children(xmlOf(wb, "xl/_rels/workbook.xml.rels")).find((r) => r.attrs.Id === sheet.attrs["r:id"])!;
  return xmlOf(wb, path.posix.join("xl", rel.attrs.Target.replace(/^\/?xl\//, "")));
}

function frozenPane(wb: Book, name: string) {
  return child(child(child(sheetXml(wb, name), "sheetViews"), "sheetView"), "pane").attrs;
}

function isBold(wb: Book, name: string, ref: string): boolean {
  const cell = children(child(sheetXml(wb, name), "sheetData"))
    .flatMap((r) => children(r, "c"))
    .find((c) => c.attrs.r === ref);
  const styles = xmlOf(wb, "xl/styles.xml");
  const xf = children(child(styles, "cellXfs"))[Number(cell?.attrs.s ?? 0)];
  const font = children(child(styles, "fonts"))[Number(xf.attrs.fontId ?? 0)];
  return font.children.some((c) => c.name === "b" && c.attrs.val !== "0");
}

describe("Excel export", () => {
  const dir = tempDir();
  let spec: Imported;
  beforeAll(async () => {
    spec = await importFixture();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("writes the four kinds of sheets of SPEC §6.2 at their cell positions", async () => {
    const opts = options("excel", { timezone: "Europe/Paris" });
    const { file, result, progress } = await renderToFile("excel", await source(spec, opts), opts, dir);
    const wb = read(file);
    expect(wb.SheetNames).toEqual(["Summary", "Floor Slab", "Continuous Footing", "By Page", "Cost Summary"]);
    expect(result).toEqual({ records: 5, warnings: [] });
    expect(progress.rows).toBe(5);

    // Summary
    expect(value(wb, "Summary", "A1")).toBe("Export: Test Construction Project");
    expect(isBold(wb, "Summary", "A1")).toBe(true);
    expect(value(wb, "Summary", "A2")).toBe("Client: Acme Construction Co.");
    const a3 = String(value(wb, "Summary", "A3"));
    expect(a3).toContain("2025-03-01 15:30:00 UTC+01:00 (Europe/Paris)");
    expect(a3).toContain("11111111-2222-4333-8444-555555555555");
    expect(a3).toContain('project "Test Construction Project"');
    expect(row(wb, "Summary", 4, 13)).toEqual([
      "Condition",
      "Type",
      "Unit",
      "Quantity",
      "Measurements",
      "Category",
      "Scope",
      "Unit Cost",
      "Material",
      "Labor",
      "Total Cost",
      "Markup Total",
      null,
    ]);
    expect(isBold(wb, "Summary", "D4")).toBe(true);
    expect(row(wb, "Summary", 5, 12)).toEqual(["Floor Slab", "area", "SF", 1500, 3, "slab", "concrete", 5.47, 4500, 3000, 8200, 9676]);
    expect(row(wb, "Summary", 6, 12)).toEqual([
      "Continuous Footing",
      "linear",
      "LF",
      110,
      2,
      "footing",
      "concrete",
      null,
      null,
      null,
      null,
      null,
    ]);
    expect(value(wb, "Summary", "A7")).toBe("PROJECT TOTAL");
    expect(value(wb, "Summary", "L7")).toBe(9676);
    const sum = wb.Sheets.Summary;
    expect(sum.D5.t).toBe("n");
    expect(sum.D5.z).toBe("#,##0.00");
    expect(sum.E5.t).toBe("n");
    expect(sum.L5.z).toContain("$");
    expect(sum["!autofilter"]?.ref).toBe("A4:L6");
    expect(frozenPane(wb, "Summary")).toMatchObject({ ySplit: "4", state: "frozen" });

    // A condition sheet
    expect(value(wb, "Floor Slab", "A1")).toBe("Floor Slab");
    expect(value(wb, "Floor Slab", "A2")).toBe("Type: area  |  Unit: SF  |  Total: 1500.00");
    // A project export: Document appended last (SPEC §12.1).
    expect(row(wb, "Floor Slab", 4, 8)).toEqual(["Page", "Sheet #", "Geometry", "Quantity", "Unit", "Verified", "Notes", "Document"]);
    expect(row(wb, "Floor Slab", 5, 8)).toEqual([1, "S-001", "polygon", 500, "SF", "Yes", "Main area slab", "Structural Set.pdf"]);
    expect(row(wb, "Floor Slab", 7, 8)).toEqual([
      2,
      "S-002",
      "polygon",
      500,
      "SF",
      "No",
      "East wing, to be verified",
      "Structural Set.pdf",
    ]);
    expect(wb.Sheets["Floor Slab"].D5.z).toBe("#,##0.00");
    expect(wb.Sheets["Floor Slab"]["!autofilter"]?.ref).toBe("A4:H7");
    expect(frozenPane(wb, "Floor Slab")).toMatchObject({ ySplit: "4", state: "frozen" });
    expect(value(wb, "Continuous Footing", "A2")).toBe("Type: linear  |  Unit: LF  |  Total: 110.00");

    // By Page
    expect(row(wb, "By Page", 1, 7)).toEqual(["Page", "Sheet #", "Condition", "Geometry", "Quantity", "Unit", "Document"]);
    const set = "Structural Set.pdf";
    expect([2, 3, 4, 5, 6].map((n) => row(wb, "By Page", n, 7))).toEqual([
      [1, "S-001", "Floor Slab", "polygon", 500, "SF", set],
      [1, "S-001", "Floor Slab", "rectangle", 500, "SF", set],
      [1, "S-001", "Continuous Footing", "line", 40, "LF", set],
      [2, "S-002", "Floor Slab", "polygon", 500, "SF", set],
      [2, "S-002", "Continuous Footing", "polyline", 70, "LF", set],
    ]);
    expect(frozenPane(wb, "By Page")).toMatchObject({ ySplit: "1", state: "frozen" });
    expect(wb.Sheets["By Page"]["!autofilter"]?.ref).toBe("A1:G6");

    // Cost Summary
    expect(value(wb, "Cost Summary", "A1")).toBe("Cost Summary");
    expect(value(wb, "Cost Summary", "A2")).toBe("Project: Test Construction Project");
    expect(row(wb, "Cost Summary", 4, 13)).toEqual([
      "Condition",
      "Qty",
      "Unit",
      "Unit Cost",
      "Material",
      "Labor",
      "Equipment",
      "Subcontract",
      "Other",
      "Total Cost",
      "OH %",
      "Profit %",
      "Total w/ Markup",
    ]);
    expect(row(wb, "Cost Summary", 5, 13)).toEqual(["Floor Slab", 1500, "SF", 5.47, 4500, 3000, 500, 0, 200, 8200, 10, 8, 9676]);
    expect(row(wb, "Cost Summary", 6, 13)).toEqual(["TOTAL", null, null, null, 4500, 3000, 500, 0, 200, 8200, null, null, 9676]);
    expect(wb.Sheets["Cost Summary"].M6.f).toBe("SUM(M5:M5)");
    expect(value(wb, "Cost Summary", "A7")).toBeUndefined();
  });

  it("removes every cost column, row and sheet without include_costs, and unverified rows on request", async () => {
    const opts = options("excel", { include_costs: false, include_unverified: false });
    const { file, result } = await renderToFile("excel", await source(spec, opts, { type: "document" }), opts, dir);
    const wb = read(file);
    expect(wb.SheetNames).toEqual(["Summary", "Floor Slab", "Continuous Footing", "By Page"]);
    expect(row(wb, "Summary", 4, 8)).toEqual(["Condition", "Type", "Unit", "Quantity", "Measurements", "Category", "Scope", null]);
    expect(row(wb, "Summary", 5, 8)).toEqual(["Floor Slab", "area", "SF", 1000, 2, "slab", "concrete", null]);
    expect(value(wb, "Summary", "A7")).toBeUndefined();
    expect(String(value(wb, "Summary", "A3"))).toContain('document "Structural Set.pdf"');
    expect(value(wb, "Floor Slab", "A2")).toBe("Type: area  |  Unit: SF  |  Total: 1000.00");
    expect(value(wb, "Floor Slab", "A7")).toBeUndefined();
    expect(result.records).toBe(4);
  });

  it("writes a Summary only for an empty project", async () => {
    const empty = await importFixture({ name: "Empty" });
    const opts = options("excel");
    const { file, result } = await renderToFile("excel", await source(empty, opts), opts, dir);
    const wb = read(file);
    expect(wb.SheetNames).toEqual(["Summary"]);
    expect(value(wb, "Summary", "A1")).toBe("Export: Empty");
    expect(value(wb, "Summary", "A2")).toBeUndefined();
    expect(value(wb, "Summary", "A4")).toBe("Condition");
    expect(value(wb, "Summary", "A5")).toBeUndefined();
    expect(result.records).toBe(0);
  });

  it("names sheets safely, neutralises formulas, keeps numbers numeric and cuts over-long text with warnings", async () => {
    const nasty = await importNasty();
    const opts = options("excel");
    const { file, result } = await renderToFile("excel", await source(nasty, opts), opts, dir);
    const wb = read(file);
    expect(wb.SheetNames).toEqual([
      "Summary",
      'Wall, "Type A" Line 2',
      NASTY.greek,
      NASTY.cyrillic,
      NASTY.cjk,
      "Summary (2)",
      "summary (3)",
      "A_very_long_name_with__bad_char",
      "By Page",
      "Cost Summary",
    ]);
    expect(result.warnings).toEqual([XML_ILLEGAL_WARNING, "Some text was longer than Excel's 32,767-character cell limit and was cut."]);

    const wall = 'Wall, "Type A" Line 2';
    expect(value(wb, wall, "A1")).toBe(NASTY.conditionName);
    expect(row(wb, wall, 5, 7)).toEqual([3, "'=SUM(A1)", "polygon", -12.5, "SF", "Yes", "'=SUM(A1)"]);
    expect(wb.Sheets[wall].D5.t).toBe("n");
    expect(value(wb, wall, "G6")).toBe("'+1");
    expect(value(wb, wall, "G7")).toBe("-12.5");
    expect(value(wb, NASTY.greek, "G5")).toBe("'@x");
    expect(value(wb, NASTY.cyrillic, "G5")).toBe("bell and esc end");
    expect(value(wb, "Summary (2)", "G5")).toBe("'\tTabbed");
    expect(value(wb, NASTY.cjk, "G5")).toBe(NASTY.cjk);
    const long = String(value(wb, "A_very_long_name_with__bad_char", "G5"));
    expect(long).toHaveLength(32_767);
    expect(LONG_NOTE.startsWith(long)).toBe(true);

    expect(value(wb, "Summary", "A2")).toBe('Client: =HYPERLINK("http://evil")');
    expect(row(wb, "Summary", 5, 12)).toEqual([
      NASTY.conditionName,
      "area",
      "SF",
      153.438,
      3,
      "'-cat",
      "'@scope",
      -1.25,
      -100.5,
      0,
      -100.5,
      -110.55,
    ]);
    expect(value(wb, "Summary", "A12")).toBe("No measurements here");
    expect(value(wb, "Summary", "L13")).toBe(-110.55);
    expect(row(wb, "Cost Summary", 6, 13)).toEqual(["TOTAL", null, null, null, -100.5, 0, 0, 0, 0, -100.5, null, null, -110.55]);
  });

  it("continues a sheet that reaches the row limit on a sheet named … (2), with its header repeated", async () => {
    const big = await importFixture({
      name: "Many rows",
      conditions: [{ ref: "a", name: "Floor Slab", measurement_type: "area", unit: "SF" }],
      documents: [
        {
          name: "D.pdf",
          pages: [
            {
              page_number: 1,
              measurements: Array.from({ length: 9 }, (_, i) => ({
                condition: "a",
                geometry_type: "point",
                geometry: { x: i, y: i },
                quantity: i + 1,
                notes: `n${i + 1}`,
              })),
            },
          ],
        },
      ],
    });
    const opts = options("excel");
    const file = path.join(dir, "continued.xlsx");
    const out = fs.createWriteStream(file);
    // 8 rows per sheet: 4 title/header rows and 4 data rows on each condition sheet.
    const result = await renderExcel(await source(big, opts), opts, out, countingProgress(), { maxRows: 8, maxCellText: 32_767 });
    const wb = read(file);
    expect(wb.SheetNames).toEqual(["Summary", "Floor Slab", "Floor Slab (2)", "Floor Slab (3)", "By Page", "By Page (2)"]);
    expect([5, 6, 7, 8].map((n) => value(wb, "Floor Slab", `G${n}`))).toEqual(["n1", "n2", "n3", "n4"]);
    expect(value(wb, "Floor Slab (2)", "A1")).toBe("Floor Slab");
    expect(value(wb, "Floor Slab (2)", "A4")).toBe("Page");
    expect([5, 6, 7, 8].map((n) => value(wb, "Floor Slab (2)", `G${n}`))).toEqual(["n5", "n6", "n7", "n8"]);
    expect(value(wb, "Floor Slab (3)", "G5")).toBe("n9");
    expect(value(wb, "By Page", "A1")).toBe("Page");
    expect(value(wb, "By Page", "E8")).toBe(7);
    expect(value(wb, "By Page (2)", "A1")).toBe("Page");
    expect(value(wb, "By Page (2)", "E2")).toBe(8);
    expect(value(wb, "By Page (2)", "E3")).toBe(9);
    expect(result.records).toBe(9);
  });
});

/**
 * A Python with openpyxl, the reader of choice of many users' scripts (Debian:
 * python3-openpyxl, which .ci/run installs). Without one these tests are
 * skipped locally, and fail in CI (CI=true) so a missing reader is never a silent pass.
 */
const PYTHON = ["python3", "/usr/bin/python3"].find((p) => spawnSync(p, ["-c", "import openpyxl"]).status === 0);
const SKIP_OPENPYXL = !PYTHON && process.env.CI !== "true";

type OpenpyxlCell = { v: unknown; fmt: string; bold: boolean; italic: boolean; size: number };
type OpenpyxlBook = {
  badEntry: string | null;
  entries: string[];
  sheets: Record<
    string,
    {
      freeze: string | null;
      filter: string | null;
      widths: Record<string, number>;
      heights: Record<string, number>;
      cells: Record<string, OpenpyxlCell>;
    }
  >;
};

/** Opens `file` with Python's zipfile (checking every CRC) and openpyxl, and returns what they see. */
function openpyxl(file: string): OpenpyxlBook {
  const script = `
import json, sys, zipfile, openpyxl
path = sys.argv[1]
with zipfile.ZipFile(path) as z:
    bad = z.testzip()
    entries = z.namelist()
wb = openpyxl.load_workbook(path)
sheets = {}
for ws in wb.worksheets:
    cells = {}
    for row in ws.iter_rows():
        for c in row:
            if c.value is not None:
                cells[c.coordinate] = {"v": c.value, "fmt": c.number_format, "bold": bool(c.font.b), "italic": bool(c.font.i), "size": c.font.sz}
    sheets[ws.title] = {
        "freeze": ws.freeze_panes,
        "filter": ws.auto_filter.ref,
        "widths": {k: d.width for k, d in ws.column_dimensions.items()},
        "heights": {str(k): d.height for k, d in ws.row_dimensions.items() if d.height},
        "cells": cells,
    }
print(json.dumps({"badEntry": bad, "entries": entries, "sheets": sheets}, default=str))
`;
  if (!PYTHON) throw new Error("No python3 with openpyxl: apt-get install python3-openpyxl");
  const run = spawnSync(PYTHON, ["-c", script, file], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`openpyxl could not read ${file}:\n${run.stderr}`);
  return JSON.parse(run.stdout) as OpenpyxlBook;
}

describe("Excel export read by other tools", () => {
  const dir = tempDir();
  let spec: Imported;
  beforeAll(async () => {
    spec = await importFixture();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("is a zip whose every part is well-formed XML, with the package relationships first", async () => {
    const opts = options("excel");
    const { file } = await renderToFile("excel", await source(spec, opts), opts, dir);
    const wb = read(file);
    const parts = Object.keys(wb.files).filter((f) => f.endsWith(".xml") || f.endsWith(".rels"));
    expect(parts).toEqual(
      expect.arrayContaining([
        "[Content_Types].xml",
        "_rels/.rels",
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "xl/styles.xml",
        "docProps/core.xml",
      ]),
    );
    for (const part of parts) expect(() => parseXml(wb.files[part].content.toString("utf8")), part).not.toThrow();
    // File-type sniffers (libmagic) look for the package parts at the start of the archive.
    const bytes = fs.readFileSync(file);
    expect(bytes.subarray(30, 30 + "_rels/.rels".length).toString()).toBe("_rels/.rels");
    // Creator and dates come from the export, not the host's clock.
    const core = xmlOf(wb, "docProps/core.xml");
    expect(child(core, "dc:creator").text).toBe("Takeoff Exports");
    expect(child(core, "dcterms:created").text).toBe("2025-03-01T14:30:00Z");
  });

  it("gives every number column its format, and bold, large titles", async () => {
    const opts = options("excel");
    const { file } = await renderToFile("excel", await source(spec, opts), opts, dir);
    const wb = read(file);
    expect(wb.Sheets.Summary.E5.z).toBe("#,##0");
    expect(wb.Sheets["Floor Slab"].A5.z).toBe("0");
    expect(wb.Sheets["Cost Summary"].K5.z).toBe('0.00"%"');
    expect(wb.Sheets["Cost Summary"].M5.z).toBe('"$"#,##0.00');
    expect(wb.Sheets["Cost Summary"].M6.z).toBe('"$"#,##0.00');
    expect(isBold(wb, "Cost Summary", "M6")).toBe(true);
    expect(isBold(wb, "Floor Slab", "A1")).toBe(true);
    expect(isBold(wb, "Floor Slab", "A5")).toBe(false);
  });

  it.skipIf(SKIP_OPENPYXL)("opens in openpyxl with frozen headers, filters, number formats, fonts, widths and valid CRCs", async () => {
    const opts = options("excel");
    const { file } = await renderToFile("excel", await source(spec, opts), opts, dir);
    const book = openpyxl(file);
    expect(book.badEntry).toBeNull();
    expect(Object.keys(book.sheets)).toEqual(["Summary", "Floor Slab", "Continuous Footing", "By Page", "Cost Summary"]);

    const summary = book.sheets.Summary;
    expect(summary).toMatchObject({ freeze: "A5", filter: "A4:L6" });
    expect(summary.cells.A1).toMatchObject({ v: "Export: Test Construction Project", bold: true, size: 16 });
    expect(summary.cells.A3).toMatchObject({ italic: true });
    expect(summary.heights["1"]).toBe(24);
    expect(summary.widths.A).toBe(34);
    expect(summary.cells.D4).toMatchObject({ v: "Quantity", bold: true });
    expect(summary.cells.D5).toMatchObject({ v: 1500, fmt: "#,##0.00", bold: false });
    expect(summary.cells.E5).toMatchObject({ v: 3, fmt: "#,##0" });
    expect(summary.cells.L5).toMatchObject({ v: 9676, fmt: '"$"#,##0.00' });
    expect(summary.cells.L7).toMatchObject({ v: "=SUM(L5:L6)", bold: true });

    // A project export: Document appended as the last column (SPEC §12.1).
    expect(book.sheets["Floor Slab"]).toMatchObject({ freeze: "A5", filter: "A4:H7" });
    expect(book.sheets["Floor Slab"].cells.D5).toMatchObject({ v: 500, fmt: "#,##0.00" });
    expect(book.sheets["Floor Slab"].cells.H5).toMatchObject({ v: "Structural Set.pdf" });
    expect(book.sheets["By Page"]).toMatchObject({ freeze: "A2", filter: "A1:G6" });
    expect(book.sheets["By Page"].cells.E2).toMatchObject({ v: 500, fmt: "#,##0.00" });
    expect(book.sheets["Cost Summary"]).toMatchObject({ freeze: "A5", filter: "A4:M5" });
    expect(book.sheets["Cost Summary"].cells.K5).toMatchObject({ v: 10, fmt: '0.00"%"' });
  });

  it.skipIf(SKIP_OPENPYXL)("reads the same hostile text in openpyxl as in SheetJS", async () => {
    const nasty = await importNasty();
    const opts = options("excel");
    const { file } = await renderToFile("excel", await source(nasty, opts), opts, dir);
    const book = openpyxl(file);
    const wall = book.sheets['Wall, "Type A" Line 2'];
    expect(wall.cells.A1.v).toBe(NASTY.conditionName);
    expect(wall.cells.B5.v).toBe("'=SUM(A1)");
    expect(wall.cells.D5.v).toBe(-12.5);
    expect(book.sheets[NASTY.greek].cells.G6.v).toBe(`${NASTY.cyrillic}, "q"\r\nnext`);
    expect(book.sheets[NASTY.cyrillic].cells.G5.v).toBe("bell and esc end");
    expect(book.sheets["Summary (2)"].cells.G5.v).toBe("'\tTabbed");
    expect(book.sheets.Summary.cells.A1.v).toBe(`Export: Projekt "Ω" <Σ & Ж> 工程`);
  });

  it("rejects with the output's error when the output fails mid-workbook", async () => {
    for (const failAfter of [0, 10_000, 200_000]) {
      let bytes = 0;
      const sink = new Writable({
        write(chunk: Buffer, _enc, callback) {
          bytes += chunk.length;
          callback(bytes > failAfter ? new Error("disk full") : null);
        },
      });
      sink.on("error", () => {});
      await expect(renderExcel(syntheticSource(30_000), options("excel"), sink, countingProgress())).rejects.toThrow("disk full");
    }
  });
});

describe("direct xlsx writer", () => {
  const dir = tempDir();
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("escapes markup characters and carriage returns, and nothing else", () => {
    expect(escapeXml(`a & b < c > "d" 'e'\r\n\t`)).toBe("a &amp; b &lt; c &gt; &quot;d&quot; 'e'&#13;\n\t");
    expect(escapeXml("]]>")).toBe("]]&gt;");
    expect(escapeXml("plain Σ 混 😀")).toBe("plain Σ 混 😀");
  });

  /** A one-sheet workbook with text that breaks naive writers, numbers and a formula. */
  async function writeTricky(file: string) {
    const book = new XlsxWorkbook(fs.createWriteStream(file), { creator: `Me & "you"`, created: GENERATED_AT });
    const sheet = await book.addSheet(`It's <1> & "2"`, { widths: [20, 12], frozenRows: 1 });
    const bold = book.style({ font: { bold: true } });
    const decimal = book.style({ numFmt: "0.000" });
    sheet.row(["Text", "Number"], [bold, bold]);
    for (const [i, t] of TRICKY.entries()) sheet.row([t, i + 0.5], [0, decimal]);
    sheet.row(["not finite", Number.NaN], [0, decimal]);
    sheet.row(["sum", { formula: "SUM(B2:B3)", result: 2 }], [bold, decimal], 30);
    await sheet.settle();
    await sheet.close({ headerRow: 1, lastRow: TRICKY.length + 1 });
    await book.finish();
  }
  const TRICKY = ['a & b <c> "d"', "  padded  ", "line1\nline2", "cr\r\nlf", "\tlead tab", "]]>", "Σ 混 😀", ""];

  it("writes text, numbers and formulas that SheetJS reads back exactly", async () => {
    const file = path.join(dir, "tricky.xlsx");
    await writeTricky(file);
    const wb = read(file);
    const name = `It's <1> & "2"`;
    expect(wb.SheetNames).toEqual([name]);
    expect(TRICKY.map((_, i) => value(wb, name, `A${i + 2}`))).toEqual(TRICKY);
    expect(value(wb, name, "B3")).toBe(1.5);
    expect(wb.Sheets[name].B3.z).toBe("0.000");
    const after = TRICKY.length + 2;
    expect(value(wb, name, `B${after}`)).toBeUndefined();
    expect(wb.Sheets[name][`B${after + 1}`]).toMatchObject({ f: "SUM(B2:B3)", v: 2 });
    expect(wb.Sheets[name]["!autofilter"]?.ref).toBe(`A1:B${TRICKY.length + 1}`);
    expect(frozenPane(wb, name)).toMatchObject({ ySplit: "1", state: "frozen" });
    // Excel trims edge whitespace of text that does not ask to keep it.
    const cells = children(child(sheetXml(wb, name), "sheetData")).flatMap((r) => children(r, "c"));
    const t = (ref: string) =>
      child(
        child(
          cells.find((c) => c.attrs.r === ref)!,
          "is",
        ),
        "t",
      );
    expect(t("A3").attrs["xml:space"]).toBe("preserve");
    expect(t("A6").attrs["xml:space"]).toBe("preserve");
    expect(t("A2").attrs["xml:space"]).toBeUndefined();
    // The autofilter's hidden name quotes the sheet name, doubling its apostrophe.
    const names = children(child(xmlOf(wb, "xl/workbook.xml"), "definedNames"));
    expect(names.map((n) => [n.attrs.name, n.attrs.localSheetId, n.text])).toEqual([
      ["_xlnm._FilterDatabase", "0", `'It''s <1> & "2"'!$A$1:$B$${TRICKY.length + 1}`],
    ]);
    expect(child(xmlOf(wb, "docProps/core.xml"), "dc:creator").text).toBe(`Me & "you"`);
  });

  it.skipIf(SKIP_OPENPYXL)("writes text, numbers and formulas that openpyxl reads back exactly", async () => {
    const file = path.join(dir, "tricky-openpyxl.xlsx");
    await writeTricky(file);
    const book = openpyxl(file);
    expect(book.badEntry).toBeNull();
    const sheet = book.sheets[`It's <1> & "2"`];
    // openpyxl leaves out empty strings.
    expect(TRICKY.map((_, i) => sheet.cells[`A${i + 2}`]?.v ?? "")).toEqual(TRICKY);
    expect(sheet.cells.B3).toMatchObject({ v: 1.5, fmt: "0.000" });
    expect(sheet.cells.A1).toMatchObject({ v: "Text", bold: true });
    expect(sheet).toMatchObject({ freeze: "A2", filter: `A1:B${TRICKY.length + 1}` });
    expect(sheet.heights[String(TRICKY.length + 3)]).toBe(30);
    expect(sheet.widths).toMatchObject({ A: 20, B: 12 });
  });
});

describe("Excel Breakdown sheet (SPEC §12.3)", () => {
  const dir = tempDir();
  let two: Imported;
  beforeAll(async () => {
    two = await importFixture(twoDocumentProject());
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Rows of a sheet from `from` on, as arrays, until the first row without a first cell. */
  function rowsFrom(wb: XLSX.WorkBook, sheet: string, from: number, width: number) {
    const out: unknown[][] = [];
    for (let n = from; value(wb, sheet, `A${n}`) !== undefined; n++) out.push(row(wb, sheet, n, width));
    return out;
  }

  it("by sheet: a column per condition, a row per page in document then page order, empty cells and a Total row", async () => {
    const opts = options("excel", { breakdown: "sheet" });
    const { file, result } = await renderToFile("excel", await source(two, opts), opts, dir);
    expect(result.warnings).toEqual([]);
    const wb = read(file);
    expect(wb.SheetNames.slice(0, 2)).toEqual(["Summary", "Breakdown"]);
    expect(value(wb, "Breakdown", "A1")).toBe("Quantities by sheet");
    expect(isBold(wb, "Breakdown", "A1")).toBe(true);
    expect(value(wb, "Breakdown", "A2")).toBeUndefined();

    // Names and units as the Summary lists them.
    const summary = rowsFrom(wb, "Summary", 5, 5).filter((r) => r[0] !== "PROJECT TOTAL");
    const names = summary.map((r) => `${String(r[0])} (${String(r[2])})`);
    expect(names).toEqual(["Floor Slab (SF)", "Continuous Footing (LF)", `${UNICODE_CONDITION} (LF)`]);
    expect(row(wb, "Breakdown", 3, 8)).toEqual(["Document", "Page", "Sheet #", "Sheet Title", ...names, null]);
    expect(frozenPane(wb, "Breakdown")).toMatchObject({ topLeftCell: "A4", state: "frozen" });

    const body = rowsFrom(wb, "Breakdown", 4, 7);
    expect(body.map((r) => r.slice(0, 4))).toEqual([
      ["Structural Set.pdf", 1, "S-001", expect.any(String)],
      ["Structural Set.pdf", 2, "S-002", expect.any(String)],
      [SECOND_DOCUMENT, 1, "A-101", "План этажа"],
      ["Total", null, null, null],
    ]);
    // Empty, never 0, where a condition has nothing on the sheet.
    expect(body[0][6]).toBeNull();
    expect(body[2][5]).toBeNull();
    for (const r of body) for (const v of r.slice(4)) expect(v).not.toBe(0);

    // Each cell is the sum of that page's rows of that condition on By Page (Page, Sheet #, Condition, …, Quantity, Unit, Document).
    const byPage = rowsFrom(wb, "By Page", 2, 7);
    const sums = new Map<string, number>();
    for (const r of byPage) {
      const k = `${String(r[6])}|${String(r[0])}|${String(r[2])}`;
      sums.set(k, (sums.get(k) ?? 0) + (r[4] as number));
    }
    const conditionNames = summary.map((r) => String(r[0]));
    let cells = 0;
    for (const r of body.slice(0, -1))
      conditionNames.forEach((name, i) => {
        const expected = sums.get(`${String(r[0])}|${String(r[1])}|${name}`);
        if (expected === undefined) expect(r[4 + i]).toBeNull();
        else {
          expect(r[4 + i]).toBeCloseTo(expected, 6);
          cells++;
        }
      });
    expect(cells).toBe(sums.size);

    // Total = the condition's total on the Summary, to the cent, and a SUM formula over the column.
    const total = body.at(-1)!;
    summary.forEach((r, i) => expect(Math.round((total[4 + i] as number) * 100)).toBe(Math.round((r[3] as number) * 100)));
    expect(total.slice(4)).toEqual([1625.5, 110, 5]);
    expect(wb.Sheets.Breakdown.E7.f).toBe("SUM(E4:E6)");
    expect(isBold(wb, "Breakdown", "A7")).toBe(true);
    expect(wb.Sheets.Breakdown.E4.z).toBe("#,##0.00");
  });

  it("by document: one row per document with the Document column only", async () => {
    const opts = options("excel", { breakdown: "document", include_costs: false });
    const { file } = await renderToFile("excel", await source(two, opts), opts, dir);
    const wb = read(file);
    expect(value(wb, "Breakdown", "A1")).toBe("Quantities by document");
    expect(row(wb, "Breakdown", 3, 4)).toEqual(["Document", "Floor Slab (SF)", "Continuous Footing (LF)", `${UNICODE_CONDITION} (LF)`]);
    expect(rowsFrom(wb, "Breakdown", 4, 4)).toEqual([
      ["Structural Set.pdf", 1500, 110, null],
      [SECOND_DOCUMENT, 125.5, null, 5],
      ["Total", 1625.5, 110, 5],
    ]);
    // No breakdown by default, and the name is free for a condition then.
    const plain = options("excel");
    expect(read((await renderToFile("excel", await source(two, plain), plain, dir)).file).SheetNames).not.toContain("Breakdown");
  });

  it.skipIf(SKIP_OPENPYXL)("opens in openpyxl with its title, header, cells and Total formulas", async () => {
    const opts = options("excel", { breakdown: "sheet" });
    const { file } = await renderToFile("excel", await source(two, opts), opts, dir);
    const book = openpyxl(file);
    expect(book.badEntry).toBeNull();
    const sheet = book.sheets.Breakdown;
    expect(sheet.freeze).toBe("A4");
    expect(sheet.cells.A1).toMatchObject({ v: "Quantities by sheet", bold: true });
    expect(sheet.cells.E3.v).toBe("Floor Slab (SF)");
    expect(sheet.cells.G3.v).toBe(`${UNICODE_CONDITION} (LF)`);
    expect([sheet.cells.E4.v, sheet.cells.F4.v, sheet.cells.G4]).toEqual([1000, 40, undefined]);
    expect([sheet.cells.A6.v, sheet.cells.B6.v, sheet.cells.E6.v, sheet.cells.G6.v]).toEqual([SECOND_DOCUMENT, 1, 125.5, 5]);
    expect(sheet.cells.A7.v).toBe("Total");
    expect(sheet.cells.E7.v).toBe("=SUM(E4:E6)");
  });

  it("leaves out the conditions past 16,000 and records a warning", async () => {
    const base = syntheticSource(0);
    const count = BREAKDOWN_MAX_CONDITIONS + 2;
    const conditionList = Array.from({ length: count }, (_, i) => ({
      ...base.conditions[0],
      id: `c${i}`,
      name: `C${i}`,
      sortOrder: i,
      totalQuantity: 1,
      measurementCount: 1,
    }));
    const src = {
      ...base,
      conditions: conditionList,
      breakdown: async () => [
        {
          documentId: "d",
          documentName: "D.pdf",
          pageNumber: 1,
          sheetNumber: "S-1",
          sheetTitle: null,
          quantities: new Map(conditionList.map((c) => [c.id, 1])),
        },
      ],
    };
    const opts = options("excel", { breakdown: "sheet" });
    const { file, result } = await renderToFile("excel", src, opts, dir);
    expect(result.warnings).toEqual([expect.stringContaining("first 16,000 of 16,002 conditions")]);
    const wb = read(file);
    const last = XLSX.utils.encode_col(4 + BREAKDOWN_MAX_CONDITIONS - 1);
    expect(value(wb, "Breakdown", `${last}3`)).toBe(`C${BREAKDOWN_MAX_CONDITIONS - 1} (SF)`);
    expect(value(wb, "Breakdown", `${XLSX.utils.encode_col(4 + BREAKDOWN_MAX_CONDITIONS)}3`)).toBeUndefined();
    expect(value(wb, "Breakdown", `${last}5`)).toBe(1);
  });
});

describe("Excel Summary group_by (SPEC §12.3)", () => {
  const dir = tempDir();
  let two: Imported;
  beforeAll(async () => {
    two = await importFixture(twoDocumentProject());
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("puts conditions under a heading per value, (none) last, each group closed by a Subtotal row", async () => {
    const opts = options("excel", { group_by: "building" });
    const { file } = await renderToFile("excel", await source(two, opts), opts, dir);
    const wb = read(file);
    const rows = Array.from({ length: 10 }, (_, i) => row(wb, "Summary", 5 + i, 12));
    expect(rows.map((r) => r[0])).toEqual([
      "Main Building",
      "Floor Slab",
      "Subtotal",
      "Корпус B",
      UNICODE_CONDITION,
      "Subtotal",
      "(none)",
      "Continuous Footing",
      "Subtotal",
      "PROJECT TOTAL",
    ]);
    expect(isBold(wb, "Summary", "A5")).toBe(true);
    expect(isBold(wb, "Summary", "A7")).toBe(true);
    const [, slab, slabSub, , wall, wallSub, , footing, footingSub, total] = rows;
    // One unit per group here: unit, quantity and count; money summed except Unit Cost.
    expect(slabSub.slice(1, 5)).toEqual([null, "SF", slab[3], slab[4]]);
    expect(slabSub[7]).toBeNull();
    expect(slabSub.slice(8, 12)).toEqual(slab.slice(8, 12));
    expect(wallSub.slice(2, 5)).toEqual(["LF", 5, 1]);
    expect(footingSub.slice(2, 5)).toEqual(["LF", footing[3], footing[4]]);
    expect(wb.Sheets.Summary.D7.f).toBe("SUBTOTAL(9,D6:D6)");
    // The project total counts every condition once (SUBTOTAL skips the subtotals).
    expect(wb.Sheets.Summary.L14.f).toBe("SUBTOTAL(9,L5:L13)");
    const markup = [slab, wall, footing].reduce((s, r) => s + ((r[11] as number | null) ?? 0), 0);
    expect(total[11]).toBeCloseTo(markup, 6);
    expect(Math.round((slabSub[3] as number) * 100)).toBe(Math.round(1625.5 * 100));
  });

  it("leaves the quantity out of a subtotal whose conditions differ in unit", async () => {
    const opts = options("excel", { group_by: "scope", include_costs: false });
    const { file } = await renderToFile("excel", await source(two, opts), opts, dir);
    const wb = read(file);
    const rows = Array.from({ length: 7 }, (_, i) => row(wb, "Summary", 5 + i, 7));
    expect(rows.map((r) => r[0])).toEqual([
      "concrete",
      "Floor Slab",
      "Continuous Footing",
      "Subtotal",
      "drywall",
      UNICODE_CONDITION,
      "Subtotal",
    ]);
    expect(rows[3].slice(1, 5)).toEqual([null, null, null, 6]);
    expect(rows[6].slice(1, 5)).toEqual([null, "LF", 5, 1]);
    expect(value(wb, "Summary", "A12")).toBeUndefined();
  });

  it.skipIf(SKIP_OPENPYXL)("reads the headings and subtotal formulas in openpyxl", async () => {
    const opts = options("excel", { group_by: "building" });
    const { file } = await renderToFile("excel", await source(two, opts), opts, dir);
    const cells = openpyxl(file).sheets.Summary.cells;
    expect(cells.A5).toMatchObject({ v: "Main Building", bold: true });
    expect(cells.A7).toMatchObject({ v: "Subtotal", bold: true });
    expect(cells.E7.v).toBe("=SUBTOTAL(9,E6:E6)");
    expect(cells.A11.v).toBe("(none)");
  });
});
