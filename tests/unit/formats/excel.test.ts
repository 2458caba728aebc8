import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as XLSX from "xlsx";
import { renderExcel } from "@/lib/exports/formats/excel";
import { XML_ILLEGAL_WARNING } from "@/lib/exports/sanitize";
import { countingProgress, importFixture, importNasty, LONG_NOTE, NASTY, options, renderToFile, source, tempDir, type Imported } from "../../fixtures/formats-data";
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
    expect(row(wb, "Summary", 6, 12)).toEqual(["Continuous Footing", "linear", "LF", 110, 2, "footing", "concrete", null, null, null, null, null]);
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
    expect(row(wb, "Floor Slab", 4, 7)).toEqual(["Page", "Sheet #", "Geometry", "Quantity", "Unit", "Verified", "Notes"]);
    expect(row(wb, "Floor Slab", 5, 7)).toEqual([1, "S-001", "polygon", 500, "SF", "Yes", "Main area slab"]);
    expect(row(wb, "Floor Slab", 7, 7)).toEqual([2, "S-002", "polygon", 500, "SF", "No", "East wing, to be verified"]);
    expect(wb.Sheets["Floor Slab"].D5.z).toBe("#,##0.00");
    expect(wb.Sheets["Floor Slab"]["!autofilter"]?.ref).toBe("A4:G7");
    expect(frozenPane(wb, "Floor Slab")).toMatchObject({ ySplit: "4", state: "frozen" });
    expect(value(wb, "Continuous Footing", "A2")).toBe("Type: linear  |  Unit: LF  |  Total: 110.00");

    // By Page
    expect(row(wb, "By Page", 1, 6)).toEqual(["Page", "Sheet #", "Condition", "Geometry", "Quantity", "Unit"]);
    expect([2, 3, 4, 5, 6].map((n) => row(wb, "By Page", n, 6))).toEqual([
      [1, "S-001", "Floor Slab", "polygon", 500, "SF"],
      [1, "S-001", "Floor Slab", "rectangle", 500, "SF"],
      [1, "S-001", "Continuous Footing", "line", 40, "LF"],
      [2, "S-002", "Floor Slab", "polygon", 500, "SF"],
      [2, "S-002", "Continuous Footing", "polyline", 70, "LF"],
    ]);
    expect(frozenPane(wb, "By Page")).toMatchObject({ ySplit: "1", state: "frozen" });
    expect(wb.Sheets["By Page"]["!autofilter"]?.ref).toBe("A1:F6");

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
    expect(row(wb, "Summary", 5, 12)).toEqual([NASTY.conditionName, "area", "SF", 153.438, 3, "'-cat", "'@scope", -1.25, -100.5, 0, -100.5, -110.55]);
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
              measurements: Array.from({ length: 9 }, (_, i) => ({ condition: "a", geometry_type: "point", geometry: { x: i, y: i }, quantity: i + 1, notes: `n${i + 1}` })),
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
