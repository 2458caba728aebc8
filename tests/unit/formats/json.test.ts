import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  importFixture,
  importNasty,
  NASTY,
  options,
  renderToFile,
  SECOND_DOCUMENT,
  source,
  tempDir,
  twoDocumentProject,
  type Imported,
} from "../../fixtures/formats-data";

type Snapshot = {
  exportInfo: {
    format: string;
    exportId: string;
    generatedAt: string;
    source: { type: string; id: string; name: string };
    options: Record<string, unknown>;
  };
  project: Record<string, unknown>;
  document?: Record<string, unknown>;
  summary: {
    totalConditions: number;
    totalMeasurements: number;
    byUnit: Record<string, { count: number; totalQuantity: number }>;
    breakdown?: { by: string; rows: BreakdownRowOut[] };
  };
  conditions: (Record<string, unknown> & { measurements: Record<string, unknown>[] })[];
};

type BreakdownRowOut = {
  documentId: string | null;
  documentName: string | null;
  pageNumber: number | null;
  sheetNumber: string | null;
  quantities: Record<string, number>;
};

const read = (file: string) => JSON.parse(fs.readFileSync(file, "utf8")) as Snapshot;

describe("JSON export", () => {
  const dir = tempDir();
  let spec: Imported;
  beforeAll(async () => {
    spec = await importFixture();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("gives totals without floating-point noise (per condition and per unit)", async () => {
    const point = (quantity: number) => ({ geometry_type: "point", geometry: { x: 1, y: 2 }, quantity, is_verified: true });
    const p = await importFixture({
      name: "Sums",
      conditions: [
        { ref: "a", name: "A", measurement_type: "area", unit: "SF" },
        { ref: "b", name: "B", measurement_type: "area", unit: "SF" },
      ],
      documents: [
        {
          name: "D",
          pages: [
            {
              page_number: 1,
              measurements: [
                { condition: "a", ...point(0.1) },
                { condition: "a", ...point(0.2) },
                { condition: "b", ...point(0.7) },
              ],
            },
          ],
        },
      ],
    });
    // In floating point, 0.1 + 0.2 is 0.30000000000000004, and that plus 0.7 is 1.0000000000000002.
    const opts = options("json");
    const { file } = await renderToFile("json", await source(p, opts), opts, dir);
    const data = read(file);
    expect(data.conditions.map((c) => c.totalQuantity)).toEqual([0.3, 0.7]);
    expect(data.summary.byUnit).toEqual({ SF: { count: 3, totalQuantity: 1 } });
  });

  it("writes the SPEC §6.4 structure for a document export", async () => {
    const opts = options("json", { timezone: "America/New_York" });
    const { file, result } = await renderToFile("json", await source(spec, opts, { type: "document" }), opts, dir);
    const text = fs.readFileSync(file, "utf8");
    const data = read(file);
    expect(Object.keys(data)).toEqual(["exportInfo", "project", "document", "summary", "conditions"]);
    expect(data.exportInfo).toEqual({
      format: "takeoff-export-v1",
      exportId: "11111111-2222-4333-8444-555555555555",
      generatedAt: "2025-03-01T09:30:00.000-05:00",
      source: { type: "document", id: spec.documents[0].id, name: "Structural Set.pdf" },
      options: { breakdown: "none", includeCosts: true, includeUnverified: true, pretty: true, timezone: "America/New_York" },
    });
    expect(data.project).toEqual({
      id: spec.id,
      name: "Test Construction Project",
      description: "Example project from the specification",
      clientName: "Acme Construction Co.",
      address: null,
    });
    expect(data.document).toEqual({ id: spec.documents[0].id, name: "Structural Set.pdf", pageCount: 2 });
    expect(data.summary).toEqual({
      totalConditions: 2,
      totalMeasurements: 5,
      byUnit: { SF: { count: 3, totalQuantity: 1500 }, LF: { count: 2, totalQuantity: 110 } },
    });
    const [slab, footing] = data.conditions;
    expect(Object.keys(slab)).toEqual([
      "id",
      "name",
      "description",
      "scope",
      "category",
      "measurementType",
      "unit",
      "color",
      "totalQuantity",
      "measurementCount",
      "costs",
      "measurements",
    ]);
    expect(slab).toMatchObject({
      id: spec.conditions[0].id,
      name: "Floor Slab",
      measurementType: "area",
      unit: "SF",
      color: "#3B82F6",
      totalQuantity: 1500,
      measurementCount: 3,
    });
    expect(slab.costs).toMatchObject({
      materialCost: 4500,
      laborCost: 3000,
      totalCost: 8200,
      unitCost: 5.47,
      totalWithMarkup: 9676,
      overheadPercent: 10,
    });
    expect(footing.costs).toBeNull();
    expect(slab.measurements).toHaveLength(3);
    expect(slab.measurements[0]).toEqual({
      id: expect.any(String),
      // SPEC §12.1: additive, in document exports too.
      documentId: spec.documents[0].id,
      documentName: "Structural Set.pdf",
      pageNumber: 1,
      sheetNumber: "S-001",
      sheetTitle: "Foundation Plan",
      geometryType: "polygon",
      geometry: {
        points: [
          { x: 100, y: 100 },
          { x: 500, y: 100 },
          { x: 500, y: 400 },
          { x: 100, y: 400 },
        ],
      },
      quantity: 500,
      unit: "SF",
      isVerified: true,
      isAiGenerated: true,
      notes: "Main area slab",
    });
    expect(footing.measurements.map((m) => m.geometryType)).toEqual(["line", "polyline"]);
    expect(result).toEqual({ records: 5, warnings: [] });
    // Pretty output is what JSON.stringify(…, null, 2) gives.
    expect(text).toBe(`${JSON.stringify(data, null, 2)}\n`);
  });

  it("omits document on project exports, drops costs and unverified rows on request, and can be compact", async () => {
    const opts = options("json", { include_costs: false, include_unverified: false, pretty: false });
    const { file, result } = await renderToFile("json", await source(spec, opts), opts, dir);
    const text = fs.readFileSync(file, "utf8");
    expect(text.includes("\n")).toBe(false);
    const data = read(file);
    expect("document" in data).toBe(false);
    expect(data.exportInfo.source).toEqual({ type: "project", id: spec.id, name: "Test Construction Project" });
    expect(data.conditions.map((c) => [c.totalQuantity, c.measurementCount, c.costs])).toEqual([
      [1000, 2, null],
      [110, 2, null],
    ]);
    expect(data.summary.totalMeasurements).toBe(4);
    expect(text).toBe(JSON.stringify(data));
    expect(result.records).toBe(4);
  });

  it("writes an empty project, and conditions without measurements with an empty list", async () => {
    const empty = await importFixture({ name: "Empty" });
    const opts = options("json");
    const { file } = await renderToFile("json", await source(empty, opts), opts, dir);
    const data = read(file);
    expect(data.conditions).toEqual([]);
    expect(data.summary).toEqual({ totalConditions: 0, totalMeasurements: 0, byUnit: {} });

    const nasty = await importNasty();
    const nastyFile = (await renderToFile("json", await source(nasty, opts), opts, dir)).file;
    const n = read(nastyFile);
    expect(n.conditions.at(-1)).toMatchObject({ name: "No measurements here", measurementCount: 0, measurements: [] });
    expect(n.project.name).toBe(`Projekt "Ω" <Σ & Ж> 工程`);
    expect(n.conditions[0].name).toBe(NASTY.conditionName);
    expect(n.conditions[0].measurements[0]).toMatchObject({ quantity: -12.5, notes: NASTY.formula, sheetNumber: NASTY.formula });
    expect(n.conditions[2].measurements[0].notes).toBe(NASTY.control);
    expect(n.conditions[3].name).toBe(NASTY.cjk);
  });

  describe("breakdown (SPEC §12.3)", () => {
    let two: Imported;
    beforeAll(async () => {
      two = await importFixture(twoDocumentProject());
    });

    /** Sums of the measurements as written, per row key and condition, rounded to the cent. */
    function sumsFromMeasurements(data: Snapshot, key: (m: Record<string, unknown>) => string) {
      const sums = new Map<string, number>();
      for (const c of data.conditions)
        for (const m of c.measurements) {
          const k = `${key(m)}|${String(c.id)}`;
          sums.set(k, (sums.get(k) ?? 0) + (m.quantity as number));
        }
      return sums;
    }

    it("by sheet: a row per page in document then page order, quantities that add up to the condition totals", async () => {
      const opts = options("json", { breakdown: "sheet" });
      const { file } = await renderToFile("json", await source(two, opts), opts, dir);
      const data = read(file);
      expect(data.exportInfo.options.breakdown).toBe("sheet");
      const b = data.summary.breakdown!;
      expect(b.by).toBe("sheet");
      // Page 1 of both documents: the page number alone does not tell them apart, the document does.
      expect(b.rows.map((r) => [r.documentName, r.pageNumber, r.sheetNumber])).toEqual([
        ["Structural Set.pdf", 1, "S-001"],
        ["Structural Set.pdf", 2, "S-002"],
        [SECOND_DOCUMENT, 1, "A-101"],
      ]);
      expect(b.rows.map((r) => r.documentId)).toEqual([two.documents[0].id, two.documents[0].id, two.documents[1].id]);
      for (const r of b.rows) for (const q of Object.values(r.quantities)) expect(q).not.toBe(0);

      const sums = sumsFromMeasurements(data, (m) => `${String(m.documentId)}:${String(m.pageNumber)}`);
      const cells = b.rows.flatMap((r) =>
        Object.entries(r.quantities).map(([id, q]) => [`${r.documentId}:${r.pageNumber}|${id}`, q] as const),
      );
      expect(cells.length).toBe(sums.size);
      for (const [k, q] of cells) expect(q).toBeCloseTo(sums.get(k)!, 6);

      for (const c of data.conditions) {
        const total = b.rows.reduce((s, r) => s + (r.quantities[c.id as string] ?? 0), 0);
        expect(Math.round(total * 100), String(c.name)).toBe(Math.round((c.totalQuantity as number) * 100));
      }
    });

    it("by document: one row per document, without page details; none by default", async () => {
      const opts = options("json", { breakdown: "document" });
      const { file } = await renderToFile("json", await source(two, opts), opts, dir);
      const data = read(file);
      const b = data.summary.breakdown!;
      expect(b.by).toBe("document");
      expect(b.rows.map((r) => [r.documentName, r.pageNumber, r.sheetNumber])).toEqual([
        ["Structural Set.pdf", null, null],
        [SECOND_DOCUMENT, null, null],
      ]);
      const [slab, footing, wall] = data.conditions;
      expect(Object.keys(b.rows[0].quantities)).toEqual([slab.id, footing.id]);
      expect(Object.keys(b.rows[1].quantities)).toEqual([slab.id, wall.id]);
      for (const c of data.conditions) {
        const total = b.rows.reduce((s, r) => s + (r.quantities[c.id as string] ?? 0), 0);
        expect(Math.round(total * 100)).toBe(Math.round((c.totalQuantity as number) * 100));
      }

      const plain = options("json");
      const none = read((await renderToFile("json", await source(two, plain), plain, dir)).file);
      expect("breakdown" in none.summary).toBe(false);
    });

    it("follows the filters and sums without floating-point noise", async () => {
      const point = (condition: string, quantity: number, is_verified = true) => ({
        condition,
        geometry_type: "point",
        geometry: { x: 1, y: 2 },
        quantity,
        is_verified,
      });
      const p = await importFixture({
        name: "Noise",
        conditions: [
          { ref: "a", name: "A", measurement_type: "area", unit: "SF" },
          { ref: "b", name: "B", measurement_type: "area", unit: "SF" },
        ],
        documents: [
          {
            name: "D",
            pages: [
              { page_number: 1, measurements: [point("a", 0.1), point("a", 0.2), point("b", 0.7), point("b", 9, false)] },
              { page_number: 2, measurements: [point("a", 0.2), point("b", 0.1)] },
            ],
          },
        ],
      });
      const opts = options("json", { breakdown: "document", include_unverified: false });
      const data = read((await renderToFile("json", await source(p, opts), opts, dir)).file);
      const [a, b] = data.conditions;
      expect([a.totalQuantity, b.totalQuantity]).toEqual([0.5, 0.8]);
      expect(data.summary.breakdown!.rows).toEqual([
        {
          documentId: p.documents[0].id,
          documentName: "D",
          pageNumber: null,
          sheetNumber: null,
          quantities: { [a.id as string]: 0.5, [b.id as string]: 0.8 },
        },
      ]);

      const bySheet = options("json", { breakdown: "sheet", condition_ids: [a.id as string] });
      const sheets = read((await renderToFile("json", await source(p, bySheet), bySheet, dir)).file).summary.breakdown!.rows;
      expect(sheets.map((r) => [r.pageNumber, r.quantities])).toEqual([
        [1, { [a.id as string]: 0.3 }],
        [2, { [a.id as string]: 0.2 }],
      ]);
    });

    it("on a document export covers that document only", async () => {
      const opts = options("json", { breakdown: "sheet" });
      const { file } = await renderToFile(
        "json",
        await source(two, opts, { type: "document", documentId: two.documents[1].id }),
        opts,
        dir,
      );
      const b = read(file).summary.breakdown!;
      expect(b.rows.map((r) => [r.documentName, r.pageNumber])).toEqual([[SECOND_DOCUMENT, 1]]);
    });
  });
});
