// SPEC §12.1 (every row names its document), §12.2 (columns the user picks) and §12.5 (colours), read back by independent readers.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import Papa from "papaparse";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as XLSX from "xlsx";
import { COLUMN_IDS, CSV_HEADERS, type ColumnId } from "@/lib/exports/formats/columns";
import { normaliseOptions } from "@/lib/exports/schemas";
import {
  importFixture,
  options,
  renderToFile,
  SECOND_DOCUMENT,
  source,
  tempDir,
  twoDocumentProject,
  UNICODE_CONDITION,
  type Imported,
} from "../../fixtures/formats-data";
import { child, children, parseXml, textOf } from "../../fixtures/formats-xml";
import { readerAvailable } from "../../helpers/file-readers";
import { SPEC_CSV_HEADER } from "../../fixtures/spec-csv-header";

const hasPoppler = readerAvailable("pdftotext", ["-v"]);
const hasXmllint = readerAvailable("xmllint", ["--version"]);
const PYTHON = ["python3", "/usr/bin/python3"].find((p) => spawnSync(p, ["-c", "import openpyxl"]).status === 0);
const SKIP_OPENPYXL = !PYTHON && process.env.CI !== "true";

const STRUCTURAL = "Structural Set.pdf";
const SPEC_SHEET_HEADER = ["Page", "Sheet #", "Geometry", "Quantity", "Unit", "Verified", "Notes"];
const SPEC_BY_PAGE_HEADER = ["Page", "Sheet #", "Condition", "Geometry", "Quantity", "Unit"];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function readCsv(file: string) {
  const text = fs.readFileSync(file, "utf8");
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ""), { delimiter: ",", newline: "\r\n", skipEmptyLines: true });
  expect(parsed.errors).toEqual([]);
  return { text, header: parsed.data[0], rows: parsed.data.slice(1) };
}

const readXlsx = (file: string) => XLSX.readFile(file, { cellNF: true });
/** A sheet's rows as SheetJS reads them (blank cells null). */
const sheetRows = (wb: XLSX.WorkBook, sheet: string) =>
  XLSX.utils.sheet_to_json<unknown[]>(wb.Sheets[sheet], { header: 1, defval: null, blankrows: false });

type PyBook = Record<
  string,
  { rows: unknown[][]; leftBorder: Record<string, [string | null, string | null]>; fills: Record<string, string | null> }
>;

/** What openpyxl sees: every sheet's values, and column A's left border (style, colour) and fill per row. */
function openpyxl(file: string): PyBook {
  const script = `
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
out = {}
for ws in wb.worksheets:
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    left = {}
    fills = {}
    for r in range(1, ws.max_row + 1):
        c = ws.cell(row=r, column=1)
        b = c.border.left
        left[str(r)] = [b.style, b.color.rgb if b.color is not None else None]
        fills[str(r)] = c.fill.fgColor.rgb if c.fill.fill_type == "solid" else None
    out[ws.title] = {"rows": rows, "leftBorder": left, "fills": fills}
print(json.dumps(out, default=str))
`;
  if (!PYTHON) throw new Error("No python3 with openpyxl: apt-get install python3-openpyxl");
  const run = spawnSync(PYTHON, ["-c", script, file], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`openpyxl could not read ${file}:\n${run.stderr}`);
  return JSON.parse(run.stdout) as PyBook;
}

const pdfText = (file: string) => execFileSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8" }).replace(/[ \t]+/g, " ");

function readXml(file: string) {
  const text = fs.readFileSync(file, "utf8");
  if (hasXmllint) execFileSync("xmllint", ["--noout", file]);
  return { text, root: parseXml(text).root };
}

/**
 * The rows of the two-document project in export order as SPEC §6.1 lays
 * them out, written down from the fixture (not from the renderer).
 */
const SLAB_POLYGON = '{"points":[{"x":100,"y":100},{"x":500,"y":100},{"x":500,"y":400},{"x":100,"y":400}]}';
const EXPECTED_ROWS: { document: string; csv: string[] }[] = [
  { document: STRUCTURAL, csv: ["Floor Slab", "1", "S-001", "polygon", "500.0000", "SF", SLAB_POLYGON, "Yes", "Yes", "Main area slab"] },
  {
    document: STRUCTURAL,
    csv: ["Floor Slab", "1", "S-001", "rectangle", "500.0000", "SF", '{"x":600,"y":100,"width":250,"height":200}', "Yes", "No", ""],
  },
  {
    document: STRUCTURAL,
    csv: [
      "Floor Slab",
      "2",
      "S-002",
      "polygon",
      "500.0000",
      "SF",
      '{"points":[{"x":10,"y":10},{"x":60,"y":10},{"x":60,"y":110}]}',
      "No",
      "Yes",
      "East wing, to be verified",
    ],
  },
  {
    document: SECOND_DOCUMENT,
    csv: [
      "Floor Slab",
      "1",
      "A-101",
      "rectangle",
      "125.5000",
      "SF",
      '{"x":0,"y":0,"width":10,"height":12.5}',
      "Yes",
      "No",
      "Ω note, with comma",
    ],
  },
  {
    document: STRUCTURAL,
    csv: [
      "Continuous Footing",
      "1",
      "S-001",
      "line",
      "40.0000",
      "LF",
      '{"start":{"x":100,"y":100},"end":{"x":500,"y":100}}',
      "Yes",
      "No",
      "",
    ],
  },
  {
    document: STRUCTURAL,
    csv: [
      "Continuous Footing",
      "2",
      "S-002",
      "polyline",
      "70.0000",
      "LF",
      '{"points":[{"x":0,"y":0},{"x":30,"y":0},{"x":30,"y":40}]}',
      "Yes",
      "No",
      "",
    ],
  },
  {
    document: SECOND_DOCUMENT,
    csv: [UNICODE_CONDITION, "1", "A-101", "line", "5.0000", "LF", '{"start":{"x":0,"y":0},"end":{"x":3,"y":4}}', "Yes", "Yes", ""],
  },
];

describe("column plans", () => {
  it("every renderer's case number is its column's index in COLUMN_IDS, and every column has one", () => {
    for (const file of ["lib/exports/formats/csv.ts", "lib/exports/formats/excel/rows.ts", "lib/exports/formats/pdf/report.ts"]) {
      const text = fs.readFileSync(path.resolve(file), "utf8");
      const cases = [...text.matchAll(/case (\d+): (?:\{\s*)?\/\/ (\w+)/g)].map((m) => [Number(m[1]), m[2]] as const);
      expect(
        cases.map(([n, id]) => [id, COLUMN_IDS[n]]),
        file,
      ).toEqual(cases.map(([, id]) => [id, id]));
      expect(new Set(cases.map(([, id]) => id)), file).toEqual(new Set(COLUMN_IDS));
    }
  });
});

describe("every row says where it came from (SPEC §12.1)", () => {
  const dir = tempDir();
  let two: Imported;
  beforeAll(async () => {
    two = await importFixture(twoDocumentProject());
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("CSV: a project export appends Document last, and pages that share a number are told apart", async () => {
    const opts = options("csv");
    const { file, result } = await renderToFile("csv", await source(two, opts), opts, dir);
    const { header, rows } = readCsv(file);
    expect(header).toEqual([...SPEC_CSV_HEADER, "Document"]);
    expect(rows).toEqual(EXPECTED_ROWS.map((r) => [...r.csv, r.document]));
    // Page 1 of both sets, each with its document.
    expect(rows.filter((r) => r[1] === "1").map((r) => r[10])).toEqual([
      STRUCTURAL,
      STRUCTURAL,
      SECOND_DOCUMENT,
      STRUCTURAL,
      SECOND_DOCUMENT,
    ]);
    expect(result.records).toBe(7);
  });

  it("CSV: a document export is byte for byte the §6.1 layout (no Document column)", async () => {
    const opts = options("csv");
    const second = two.documents[1].id;
    const { file } = await renderToFile("csv", await source(two, opts, { type: "document", documentId: second }), opts, dir);
    const { text, header, rows } = readCsv(file);
    expect(header).toEqual(SPEC_CSV_HEADER);
    const expected = EXPECTED_ROWS.filter((r) => r.document === SECOND_DOCUMENT).map((r) => r.csv);
    expect(rows).toEqual(expected);
    // The whole file as papaparse writes the §6.1 rows: BOM, CRLF, quoting as RFC 4180 needs.
    expect(text).toBe(`\uFEFF${Papa.unparse([SPEC_CSV_HEADER, ...expected], { newline: "\r\n" })}\r\n`);

    const first = await renderToFile("csv", await source(two, opts, { type: "document" }), opts, dir);
    const structural = EXPECTED_ROWS.filter((r) => r.document === STRUCTURAL).map((r) => r.csv);
    expect(fs.readFileSync(first.file, "utf8")).toBe(`\uFEFF${Papa.unparse([SPEC_CSV_HEADER, ...structural], { newline: "\r\n" })}\r\n`);
  });

  it("Excel: Document last on every condition sheet and on By Page of a project export; a document export keeps §6.2", async () => {
    const opts = options("excel");
    const project = await renderToFile("excel", await source(two, opts), opts, dir);
    const wb = readXlsx(project.file);
    expect(wb.SheetNames).toEqual(["Summary", "Floor Slab", "Continuous Footing", UNICODE_CONDITION, "By Page", "Cost Summary"]);
    for (const sheet of ["Floor Slab", "Continuous Footing", UNICODE_CONDITION])
      expect(sheetRows(wb, sheet)[2]).toEqual([...SPEC_SHEET_HEADER, "Document"]);
    expect(sheetRows(wb, "Floor Slab").slice(3)).toEqual([
      [1, "S-001", "polygon", 500, "SF", "Yes", "Main area slab", STRUCTURAL],
      [1, "S-001", "rectangle", 500, "SF", "Yes", null, STRUCTURAL],
      [2, "S-002", "polygon", 500, "SF", "No", "East wing, to be verified", STRUCTURAL],
      [1, "A-101", "rectangle", 125.5, "SF", "Yes", "Ω note, with comma", SECOND_DOCUMENT],
    ]);
    expect(sheetRows(wb, UNICODE_CONDITION).slice(3)).toEqual([[1, "A-101", "line", 5, "LF", "Yes", null, SECOND_DOCUMENT]]);
    const byPage = sheetRows(wb, "By Page");
    expect(byPage[0]).toEqual([...SPEC_BY_PAGE_HEADER, "Document"]);
    expect(byPage.slice(1).map((r) => [r[0], r[2], r[6]])).toEqual([
      [1, "Floor Slab", STRUCTURAL],
      [1, "Floor Slab", STRUCTURAL],
      [1, "Continuous Footing", STRUCTURAL],
      [2, "Floor Slab", STRUCTURAL],
      [2, "Continuous Footing", STRUCTURAL],
      [1, "Floor Slab", SECOND_DOCUMENT],
      [1, UNICODE_CONDITION, SECOND_DOCUMENT],
    ]);

    const doc = await renderToFile("excel", await source(two, opts, { type: "document", documentId: two.documents[1].id }), opts, dir);
    const dwb = readXlsx(doc.file);
    expect(dwb.SheetNames).toEqual(["Summary", "Floor Slab", UNICODE_CONDITION, "By Page", "Cost Summary"]);
    expect(sheetRows(dwb, "Floor Slab")[2]).toEqual(SPEC_SHEET_HEADER);
    expect(sheetRows(dwb, "Floor Slab").slice(3)).toEqual([[1, "A-101", "rectangle", 125.5, "SF", "Yes", "Ω note, with comma"]]);
    expect(sheetRows(dwb, "By Page")[0]).toEqual(SPEC_BY_PAGE_HEADER);
    expect(sheetRows(dwb, "By Page").slice(1)).toEqual([
      [1, "A-101", "Floor Slab", "rectangle", 125.5, "SF"],
      [1, "A-101", UNICODE_CONDITION, "line", 5, "LF"],
    ]);
    expect(dwb.Sheets["Floor Slab"]["!ref"]).toBe("A1:G5");
  });

  it.skipIf(SKIP_OPENPYXL)("Excel: openpyxl reads the same Document columns", async () => {
    const opts = options("excel");
    const { file } = await renderToFile("excel", await source(two, opts), opts, dir);
    const book = openpyxl(file);
    expect(book["Floor Slab"].rows[3]).toEqual([...SPEC_SHEET_HEADER, "Document"]);
    expect(book["Floor Slab"].rows[7]).toEqual([1, "A-101", "rectangle", 125.5, "SF", "Yes", "Ω note, with comma", SECOND_DOCUMENT]);
    expect(book["By Page"].rows[0]).toEqual([...SPEC_BY_PAGE_HEADER, "Document"]);
  });

  it.skipIf(!hasPoppler)("PDF: Document first in each condition table of a project export, not in a document export", async () => {
    const opts = options("pdf");
    const { file } = await renderToFile("pdf", await source(two, opts), opts, dir);
    const text = pdfText(file);
    expect(text).toContain("Document Page Sheet # Geometry Quantity Unit");
    expect(text).toContain(`${STRUCTURAL} 1 S-001 polygon 500.00 SF`);
    expect(text).toContain(`${SECOND_DOCUMENT} 1 A-101 rectangle 125.50 SF`);
    expect(text).toContain(`Condition: ${UNICODE_CONDITION}`);

    const doc = await renderToFile("pdf", await source(two, opts, { type: "document" }), opts, dir);
    const docText = pdfText(doc.file);
    expect(docText).toContain("Page Sheet # Geometry Quantity Unit");
    expect(docText).not.toContain("Document");
    expect(docText).toContain("1 S-001 polygon 500.00 SF");
  });

  it("JSON: every measurement has documentId and documentName, in project and document exports", async () => {
    const opts = options("json");
    const { file } = await renderToFile("json", await source(two, opts), opts, dir);
    const data = JSON.parse(fs.readFileSync(file, "utf8")) as { conditions: { measurements: Record<string, unknown>[] }[] };
    const all = data.conditions.flatMap((c) => c.measurements);
    expect(all.map((m) => [m.documentName, m.pageNumber])).toEqual(EXPECTED_ROWS.map((r) => [r.document, Number(r.csv[1])]));
    expect(all.map((m) => m.documentId)).toEqual(
      EXPECTED_ROWS.map((r) => (r.document === STRUCTURAL ? two.documents[0].id : two.documents[1].id)),
    );
    expect(Object.keys(all[0]).slice(0, 4)).toEqual(["id", "documentId", "documentName", "pageNumber"]);

    const doc = await renderToFile("json", await source(two, opts, { type: "document", documentId: two.documents[1].id }), opts, dir);
    const docData = JSON.parse(fs.readFileSync(doc.file, "utf8")) as typeof data;
    expect(docData.conditions.flatMap((c) => c.measurements).map((m) => [m.documentId, m.documentName])).toEqual([
      [two.documents[1].id, SECOND_DOCUMENT],
      [two.documents[1].id, SECOND_DOCUMENT],
    ]);
  });

  it("OST: <Document> before <PageNumber> in each TakeoffItem of a project export only", async () => {
    const opts = options("ost");
    const { file } = await renderToFile("ost", await source(two, opts), opts, dir);
    const { root } = readXml(file);
    const items = children(child(root, "Conditions"), "Condition").flatMap((c) => children(child(c, "TakeoffItems"), "TakeoffItem"));
    expect(items.map((i) => children(i)[0].name + ">" + children(i)[1].name)).toEqual(Array(7).fill("Document>PageNumber"));
    expect(items.map((i) => textOf(i, "Document"))).toEqual(EXPECTED_ROWS.map((r) => r.document));

    const doc = await renderToFile("ost", await source(two, opts, { type: "document" }), opts, dir);
    const docItems = children(child(readXml(doc.file).root, "Conditions"), "Condition").flatMap((c) =>
      children(child(c, "TakeoffItems"), "TakeoffItem"),
    );
    expect(docItems).toHaveLength(5);
    expect(docItems.every((i) => children(i)[0].name === "PageNumber")).toBe(true);
    expect(fs.readFileSync(doc.file, "utf8")).not.toContain("<Document>");
  });
});

describe("columns the user picks (SPEC §12.2)", () => {
  const dir = tempDir();
  let two: Imported;
  beforeAll(async () => {
    two = await importFixture(twoDocumentProject());
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Every column, in an order unlike the catalogue's. */
  const ALL: ColumnId[] = [...COLUMN_IDS].reverse();

  /** Row 1 (Floor Slab, Structural Set page 1) and row 7 (the unicode condition, no costs) by column, as CSV writes them. */
  const expectCsv = (id: ColumnId, row: "slab" | "wall", ids: { slab: string; wall: string; measurement: RegExp }) => {
    const slab: Record<ColumnId, string | RegExp> = {
      condition: "Floor Slab",
      document: STRUCTURAL,
      page: "1",
      sheet_number: "S-001",
      sheet_title: "Foundation Plan",
      geometry_type: "polygon",
      quantity: "500.0000",
      unit: "SF",
      coordinates: SLAB_POLYGON,
      verified: "Yes",
      ai_generated: "Yes",
      notes: "Main area slab",
      measurement_id: ids.measurement,
      condition_id: ids.slab,
      building: "Main Building",
      area: "Ground Floor",
      elevation: "0'-0\"",
      category: "slab",
      scope: "concrete",
      color: "#3B82F6",
      unit_cost: "5.47",
      extended_cost: "2735.00",
    };
    const wall: Record<ColumnId, string | RegExp> = {
      condition: UNICODE_CONDITION,
      document: SECOND_DOCUMENT,
      page: "1",
      sheet_number: "A-101",
      sheet_title: "План этажа",
      geometry_type: "line",
      quantity: "5.0000",
      unit: "LF",
      coordinates: '{"start":{"x":0,"y":0},"end":{"x":3,"y":4}}',
      verified: "Yes",
      ai_generated: "Yes",
      notes: "",
      measurement_id: ids.measurement,
      condition_id: ids.wall,
      building: "Корпус B",
      area: "二层",
      elevation: "'+3.600",
      category: "walls",
      scope: "drywall",
      color: "#10B981",
      unit_cost: "",
      extended_cost: "",
    };
    return (row === "slab" ? slab : wall)[id];
  };

  it("CSV writes every column in the order asked, money plain, extended cost to the cent", async () => {
    const opts = options("csv", { columns: ALL });
    const { file } = await renderToFile("csv", await source(two, opts), opts, dir);
    const { header, rows } = readCsv(file);
    expect(header).toEqual(ALL.map((id) => CSV_HEADERS[id]));
    expect(rows).toHaveLength(7);
    const ids = { slab: two.conditions[0].id, wall: two.conditions[2].id, measurement: UUID };
    ALL.forEach((id, i) => {
      const slab = expectCsv(id, "slab", ids);
      const wall = expectCsv(id, "wall", ids);
      if (slab instanceof RegExp) expect(rows[0][i], id).toMatch(slab);
      else expect(rows[0][i], id).toBe(slab);
      if (wall instanceof RegExp) expect(rows[6][i], id).toMatch(wall);
      else expect(rows[6][i], id).toBe(wall);
    });
    // 125.5 × 5.47 = 686.485 rounds up to the cent; the footing has no unit cost.
    const extended = ALL.indexOf("extended_cost");
    expect(rows.map((r) => r[extended])).toEqual(["2735.00", "2735.00", "2735.00", "686.49", "", "", ""]);
    expect(new Set(rows.map((r) => r[ALL.indexOf("measurement_id")])).size).toBe(7);
  });

  it("CSV writes a subset in the order asked, in a document export too", async () => {
    const opts = options("csv", { columns: ["quantity", "document", "page"], bom: false });
    const { file } = await renderToFile("csv", await source(two, opts, { type: "document", documentId: two.documents[1].id }), opts, dir);
    expect(fs.readFileSync(file, "utf8")).toBe(
      `Quantity,Document,Page\r\n125.5000,${SECOND_DOCUMENT},1\r\n5.0000,${SECOND_DOCUMENT},1\r\n`,
    );
  });

  it("Excel writes every column on the condition sheets (numbers as numbers, money formatted); By Page keeps its layout", async () => {
    const opts = options("excel", { columns: ALL });
    const { file } = await renderToFile("excel", await source(two, opts), opts, dir);
    const wb = readXlsx(file);
    const slab = sheetRows(wb, "Floor Slab");
    expect(slab[2]).toEqual(ALL.map((id) => (id === "sheet_number" ? "Sheet #" : id === "geometry_type" ? "Geometry" : CSV_HEADERS[id])));
    const row = Object.fromEntries(ALL.map((id, i) => [id, slab[3][i]]));
    expect(row).toMatchObject({
      condition: "Floor Slab",
      document: STRUCTURAL,
      page: 1,
      sheet_number: "S-001",
      sheet_title: "Foundation Plan",
      geometry_type: "polygon",
      quantity: 500,
      unit: "SF",
      coordinates: SLAB_POLYGON,
      verified: "Yes",
      ai_generated: "Yes",
      notes: "Main area slab",
      condition_id: two.conditions[0].id,
      building: "Main Building",
      area: "Ground Floor",
      elevation: "0'-0\"",
      category: "slab",
      scope: "concrete",
      color: "#3B82F6",
      unit_cost: 5.47,
      extended_cost: 2735,
    });
    expect(String(row.measurement_id)).toMatch(UUID);
    expect(slab[6][ALL.indexOf("extended_cost")]).toBe(686.49);
    const sheet = wb.Sheets["Floor Slab"];
    const cellOf = (id: ColumnId, r: number) => sheet[`${XLSX.utils.encode_col(ALL.indexOf(id))}${r}`];
    expect(cellOf("extended_cost", 5).t).toBe("n");
    expect(cellOf("extended_cost", 5).z).toContain("$");
    expect(cellOf("quantity", 5).z).toBe("#,##0.00");
    const wall = sheetRows(wb, UNICODE_CONDITION)[3];
    expect([wall[ALL.indexOf("elevation")], wall[ALL.indexOf("unit_cost")], wall[ALL.indexOf("extended_cost")]]).toEqual([
      "'+3.600",
      null,
      null,
    ]);
    expect(sheetRows(wb, "By Page")[0]).toEqual([...SPEC_BY_PAGE_HEADER, "Document"]);
  });

  it.skipIf(SKIP_OPENPYXL)("Excel: openpyxl reads every chosen column", async () => {
    const opts = options("excel", { columns: ALL });
    const { file } = await renderToFile("excel", await source(two, opts), opts, dir);
    const book = openpyxl(file);
    const slab = book["Floor Slab"].rows;
    expect(slab[3]).toEqual(ALL.map((id) => (id === "sheet_number" ? "Sheet #" : id === "geometry_type" ? "Geometry" : CSV_HEADERS[id])));
    const row = Object.fromEntries(ALL.map((id, i) => [id, slab[4][i]]));
    expect(row).toMatchObject({ document: STRUCTURAL, page: 1, quantity: 500, unit_cost: 5.47, extended_cost: 2735, area: "Ground Floor" });
    expect(book[UNICODE_CONDITION].rows[4][ALL.indexOf("building")]).toBe("Корпус B");
  });

  it.skipIf(!hasPoppler)("PDF writes every column, in groups that fit a page, in the order asked", async () => {
    const groups: { columns: ColumnId[]; header: string; row: string }[] = [
      {
        columns: ["document", "condition", "sheet_title", "quantity", "unit_cost", "extended_cost"],
        header: "Document Condition Sheet Title Quantity Unit Cost Extended Cost",
        row: `${STRUCTURAL} Floor Slab Foundation Plan 500.00 $5.47 $2,735.00`,
      },
      {
        columns: ["page", "sheet_number", "geometry_type", "unit", "verified", "ai_generated", "notes"],
        header: "Page Sheet # Geometry Unit Verified AI Generated Notes",
        row: "1 S-001 polygon SF Yes Yes Main area slab",
      },
      {
        columns: ["building", "area", "elevation", "category", "scope", "color"],
        header: "Building Area Elevation Category Scope Color",
        row: "Main Building Ground Floor 0'-0\" slab concrete #3B82F6",
      },
      { columns: ["measurement_id", "condition_id"], header: "Measurement ID Condition ID", row: two.conditions[0].id },
      { columns: ["coordinates"], header: "Coordinates", row: '{"x":600,"y":100,"width":250,"height":200}' },
    ];
    expect(new Set(groups.flatMap((g) => g.columns))).toEqual(new Set(COLUMN_IDS));
    for (const g of groups) {
      const opts = options("pdf", { columns: g.columns, orientation: "landscape" });
      const { file } = await renderToFile("pdf", await source(two, opts), opts, dir);
      const text = pdfText(file);
      expect(text, g.header).toContain(g.header);
      expect(text, g.header).toContain(g.row);
    }
  });

  it("refuses unknown, repeated and empty lists, and cost columns without costs, naming each at its index", () => {
    const issues = (format: "csv" | "excel" | "pdf", o: Record<string, unknown>) =>
      normaliseOptions(format, o).error?.issues.map((i) => [i.path.join("."), i.message]);
    expect(issues("csv", { columns: ["page", "sheet", "page", "quantity", "Page"] })).toEqual([
      ["columns.1", expect.stringContaining('unknown column "sheet"')],
      ["columns.2", 'column "page" is listed more than once'],
      ["columns.4", expect.stringContaining('unknown column "Page"')],
    ]);
    expect(issues("excel", { columns: [] })).toEqual([["columns", "must list at least one column"]]);
    expect(issues("pdf", { columns: ["quantity", "unit_cost", "extended_cost"], include_costs: false })).toEqual([
      ["columns.1", 'cost column "unit_cost" needs include_costs, which is false'],
      ["columns.2", 'cost column "extended_cost" needs include_costs, which is false'],
    ]);
    expect(normaliseOptions("csv", { columns: ["quantity", "unit_cost"] }).success).toBe(true);
    expect(normaliseOptions("json", { columns: ["quantity"] }).success).toBe(false);
    expect(normaliseOptions("ost", { columns: ["quantity"] }).success).toBe(false);
    // The order is the user's: normalising sorts option keys, never the list.
    expect(normaliseOptions("csv", { columns: ["unit", "page"] }).data?.columns).toEqual(["unit", "page"]);
  });
});

describe("condition colours (SPEC §12.5)", () => {
  const dir = tempDir();
  let two: Imported;
  beforeAll(async () => {
    two = await importFixture(twoDocumentProject());
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.skipIf(SKIP_OPENPYXL)("Excel Summary: a thick left border in the condition's colour on its name cell, columns as §6.2", async () => {
    const opts = options("excel");
    const { file } = await renderToFile("excel", await source(two, opts), opts, dir);
    const summary = openpyxl(file).Summary;
    expect(summary.rows[3]).toEqual([
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
    ]);
    expect(summary.rows.slice(4, 7).map((r) => r[0])).toEqual(["Floor Slab", "Continuous Footing", UNICODE_CONDITION]);
    expect([5, 6, 7].map((r) => summary.leftBorder[String(r)])).toEqual([
      ["thick", "FF3B82F6"],
      ["thick", "FFEF4444"],
      ["thick", "FF10B981"],
    ]);
    // Only the condition rows carry it: header and total rows do not.
    expect(summary.leftBorder["4"][0]).toBeNull();
    expect(summary.leftBorder["8"][0]).toBeNull();
    expect(summary.rows[7][0]).toBe("PROJECT TOTAL");
  });

  it.skipIf(!hasPoppler)("PDF: a square in each condition's colour beside its name in the summary and its heading", async () => {
    const opts = options("pdf");
    const { file } = await renderToFile("pdf", await source(two, opts), opts, dir);
    // poppler draws page 1 at 100 dpi; count the pixels of each condition colour.
    const prefix = path.join(dir, "swatch");
    execFileSync("pdftoppm", ["-r", "100", "-f", "1", "-l", "1", file, prefix]);
    const ppm = fs.readFileSync(
      fs
        .readdirSync(dir)
        .map((f) => path.join(dir, f))
        .find((f) => f.startsWith(prefix) && f.endsWith(".ppm"))!,
    );
    const [, w, h] = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(ppm.subarray(0, 32).toString("latin1"))!.map(Number);
    const headerLength = ppm.length - w * h * 3;
    const pixels = (hex: string) => {
      const [r, g, b] = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
      const rows = new Set<number>();
      for (let i = headerLength; i < ppm.length; i += 3) {
        if (Math.abs(ppm[i] - r) <= 2 && Math.abs(ppm[i + 1] - g) <= 2 && Math.abs(ppm[i + 2] - b) <= 2)
          rows.add(Math.floor((i - headerLength) / 3 / w));
      }
      return rows;
    };
    for (const colour of ["#3B82F6", "#EF4444", "#10B981"]) {
      const rows = pixels(colour);
      // A square about 7 pt (10 px) high in the summary, and one (larger) by the condition heading: two separate runs of rows.
      expect(rows.size, colour).toBeGreaterThanOrEqual(15);
      const sorted = [...rows].sort((a, b) => a - b);
      const runs = sorted.filter((y, i) => i === 0 || y !== sorted[i - 1] + 1).length;
      expect(runs, colour).toBeGreaterThanOrEqual(2);
    }
  });
});
