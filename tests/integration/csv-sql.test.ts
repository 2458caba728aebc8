/**
 * CSV rows written by the database (formats/csv-sql.ts through
 * ExportSource.sqlRows) are the bytes the JavaScript row loop of csv.ts
 * writes: every fixture and option combination is rendered both ways and
 * compared byte for byte — on PGlite, and on PostgreSQL in the
 * integration-pg lane. Values the SQL refuses (csv-sql.ts lists them) must
 * come back as rows the renderer writes itself, still the same bytes.
 */
import { PassThrough } from "node:stream";
import { and, eq, inArray, sql } from "drizzle-orm";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { conditions, measurements, pages } from "@/db/schema";
import { RENDERERS } from "@/lib/exports/formats";
import { COLUMN_IDS } from "@/lib/exports/formats/columns";
import type { ExportSource, SqlRowsPart } from "@/lib/exports/formats/types";
import type { NormalisedOptions } from "@/lib/exports/schemas";
import { loadExportSource } from "@/lib/exports/source";
import {
  countingProgress,
  GENERATED_AT,
  importFixture,
  importNasty,
  options,
  seedLargeProject,
  twoDocumentProject,
  type Imported,
} from "../fixtures/formats-data";

type Scope = { type: "project" } | { type: "document"; documentId: string };

async function load(p: Imported, opts: NormalisedOptions, scope: Scope = { type: "project" }, batchSize?: number) {
  return loadExportSource(
    await getDb(),
    {
      exportId: "11111111-2222-4333-8444-555555555555",
      userId: p.userId,
      type: scope.type,
      projectId: p.id,
      documentId: scope.type === "document" ? scope.documentId : null,
      options: opts,
      generatedAt: GENERATED_AT,
    },
    { batchSize, sqlRows: true },
  );
}

async function render(src: ExportSource, opts: NormalisedOptions) {
  const out = new PassThrough();
  const parts: Buffer[] = [];
  out.on("data", (b: Buffer) => parts.push(b));
  const progress = countingProgress();
  const result = await RENDERERS.csv.render(src, opts, out, progress);
  return { bytes: Buffer.concat(parts), result, rows: progress.rows };
}

/**
 * Renders `p` both ways and expects the same bytes, records and progress;
 * returns how many parts the database wrote and how many it refused.
 */
async function expectSameBytes(p: Imported, opts: NormalisedOptions, scope?: Scope, batchSize?: number) {
  const jsSource = { ...(await load(p, opts, scope, batchSize)), sqlRows: undefined };
  const sqlSource = await load(p, opts, scope, batchSize);
  const counts = { written: 0, refused: 0 };
  const inner = sqlSource.sqlRows!.bind(sqlSource);
  sqlSource.sqlRows = async function* (request) {
    for await (const part of inner(request) as AsyncIterable<SqlRowsPart>) {
      if (part.bytes) counts.written++;
      else counts.refused++;
      yield part;
    }
  };
  const js = await render(jsSource, opts);
  const db = await render(sqlSource, opts);
  expect(firstDifference(db.bytes.toString("utf8"), js.bytes.toString("utf8"))).toBeNull();
  expect(db.bytes.equals(js.bytes)).toBe(true);
  expect(db.result).toEqual(js.result);
  expect(db.rows).toBe(js.rows);
  return { ...counts, records: js.result.records };
}

/** The first line where two files differ, both ways, or null. */
function firstDifference(a: string, b: string): { line: number; database: string; javascript: string } | null {
  const x = a.split("\r\n");
  const y = b.split("\r\n");
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] !== y[i]) return { line: i, database: JSON.stringify(x[i]), javascript: JSON.stringify(y[i]) };
  }
  return null;
}

const ALL_COLUMNS = [...COLUMN_IDS];

describe("CSV rows written by the database", () => {
  let nasty: Imported;
  let spec: Imported;
  let twoDocs: Imported;

  beforeAll(async () => {
    nasty = await importNasty();
    spec = await importFixture();
    twoDocs = await importFixture(twoDocumentProject());
  });

  it("are the bytes of the JavaScript rows for the hostile fixture, with every option", async () => {
    const document: Scope = { type: "document", documentId: nasty.documents[0].id };
    const cases: [Record<string, unknown>, Scope?][] = [
      [{}],
      [{}, document],
      [{ columns: ALL_COLUMNS }],
      [{ columns: ALL_COLUMNS }, document],
      [{ include_costs: false }],
      [{ include_unverified: false }],
      [{ include_unverified: true, columns: ["notes", "unit", "quantity", "coordinates", "condition"] }],
      [{ condition_ids: [nasty.conditions[0].id, nasty.conditions[3].id] }],
      [{ delimiter: ";", bom: false, columns: ALL_COLUMNS }],
      [{ delimiter: "tab", columns: ALL_COLUMNS }],
      [{ columns: ["extended_cost", "unit_cost", "measurement_id"] }],
    ];
    for (const [overrides, scope] of cases) {
      const counts = await expectSameBytes(nasty, options("csv", overrides), scope);
      expect(counts.refused, JSON.stringify(overrides)).toBe(0);
      expect(counts.written, JSON.stringify(overrides)).toBeGreaterThan(0);
    }
  });

  it("are the bytes of the JavaScript rows for the SPEC example and two documents, project and document exports", async () => {
    for (const p of [spec, twoDocs]) {
      for (const scope of [{ type: "project" } as Scope, ...p.documents.map((d): Scope => ({ type: "document", documentId: d.id }))]) {
        for (const overrides of [
          {},
          { columns: ALL_COLUMNS },
          { columns: ["document", "page", "sheet_number", "sheet_title", "quantity"] },
        ]) {
          const counts = await expectSameBytes(p, options("csv", overrides), scope);
          expect(counts.refused).toBe(0);
        }
      }
    }
  });

  it("read in chunks and keyset pages of a large project, measurements without a page included", async () => {
    const big = await seedLargeProject(1200, { conditionCount: 3, pageCount: 12 });
    const db = await getDb();
    // Some rows lose their page (a deleted sheet): they come last in their condition.
    await db
      .update(measurements)
      .set({ pageId: null })
      .where(
        and(
          sql`${measurements.position} % 97 = 0`,
          inArray(
            measurements.conditionId,
            big.conditions.map((c) => c.id),
          ),
        ),
      );
    // Pairs of ~33 rows: in batches of 20 each is read in keyset pages, in batches of 100 three share a chunk.
    for (const batchSize of [20, 100]) {
      for (const overrides of [{}, { include_unverified: false }, { columns: ALL_COLUMNS }]) {
        const counts = await expectSameBytes(big, options("csv", overrides), { type: "project" }, batchSize);
        expect(counts.refused).toBe(0);
        expect(counts.written).toBeGreaterThan(10);
      }
      await expectSameBytes(big, options("csv"), { type: "document", documentId: big.documents[0].id }, batchSize);
    }
    // An empty export: the header only.
    const none = await expectSameBytes(big, options("csv", { condition_ids: ["00000000-0000-4000-8000-000000000000"] }));
    expect(none.records).toBe(0);
  });

  it("hands back the rows of values it cannot write exactly, and those chunks are written the JavaScript way", async () => {
    const p = await importFixture(twoDocumentProject());
    const db = await getDb();
    const [slab] = await db.select().from(conditions).where(eq(conditions.id, p.conditions[0].id));
    const [page] = await db.select().from(pages).where(eq(pages.documentId, p.documents[0].id)).limit(1);
    // Geometry written outside the import (by SQL, another tool): each in its own chunk of one row.
    const geometries = [
      '{"x": 1.50, "y": 2}',
      '{"x": 1e-7, "y": 0}',
      '{"x": 0.0000009, "y": 0}',
      '{"x": 0.0000015, "y": 0.000001}',
      '{"x": 1e21, "y": 1e20}',
      '{"x": 0.10000000000000001, "y": 0.30000000000000004}',
      '{"x": 12345678901234567, "y": 123456789012345}',
      '{"x": -0.0, "y": -0}',
      '{"start": {"x": 1, "y": 2}, "end": {"x": 3, "y": 4}}',
      '{"start": {"x": 1}, "end": {"x": 2}, "mid": 3}',
      '{"start": 1}',
      '{"a": {"start": 1, "end": 2}}',
      '{"a": "b, c"}',
      '{"1": 2, "b": 3, "10": 4}',
      '{"a b": 1, "c: d": 2}',
      '{"a,b": 1, "ключ": [1, 2.5, -3]}',
      '{"points": [], "z": {}}',
      '[1, 2, [3, {"x": 4}]]',
      "5",
      "-2.25",
      "null",
      "true",
      '"str, \\"quoted\\""',
      '{"e": "\\u0001\\n"}',
    ];
    await db.insert(conditions).values(
      geometries.map((_, i) => ({
        ...slab,
        id: undefined,
        name: `Hostile ${i}`,
        sortOrder: 100 + i,
        createdAt: undefined,
        updatedAt: undefined,
      })),
    );
    const hostile = await db
      .select()
      .from(conditions)
      .where(sql`${conditions.projectId} = ${p.id} and ${conditions.sortOrder} >= 100`);
    hostile.sort((a, b) => a.sortOrder - b.sortOrder);
    for (const [i, g] of geometries.entries()) {
      await db.execute(sql`insert into measurements (condition_id, page_id, geometry_type, geometry, quantity, unit, is_verified, position)
        values (${hostile[i].id}, ${page.id}, 'polygon', ${g}::jsonb, ${i + 0.5}, 'SF', true, ${1000 + i})`);
    }
    const counts = await expectSameBytes(p, options("csv", { columns: ALL_COLUMNS }));
    // Refused: trailing zero, two below 1e-6, 1e21, 17 digits (twice), -0.0, start with a third key, {"start": 1}, a string value,
    // integer keys, keys with spaces, two strings at the top or inside.
    expect(counts.refused).toBe(14);
    expect(counts.written).toBeGreaterThan(5);
    await expectSameBytes(p, options("csv", { columns: ["quantity", "notes"] }));
  });

  it("writes quantities and extended costs as toFixed does, ties and signs included", async () => {
    const p = await importFixture(twoDocumentProject());
    const db = await getDb();
    const [page] = await db.select().from(pages).where(eq(pages.documentId, p.documents[0].id)).limit(1);
    const conditionIds = p.conditions.map((c) => c.id);
    const unitCosts = [2.5, 5.47, 1 / 3, -1.25, 0.1, 123456.789];
    for (const [i, id] of conditionIds.entries()) await db.update(conditions).set({ unitCost: unitCosts[i] }).where(eq(conditions.id, id));
    const quantities = [
      0,
      -0,
      1.00005,
      0.03125,
      -0.03125,
      1.23455,
      -1.23455,
      0.00005,
      -0.00005,
      -0.00001,
      -0.00004999,
      0.00015,
      686.485,
      125.5,
      12345.67001953125,
      99999999999.99995,
      1e11,
      123456789012.3456,
      1e-7,
      -1e-7,
      2.675,
      1.005,
      0.1 + 0.2,
      1 / 3,
      -2 / 3,
      1e15,
      5e-5,
    ];
    const random = fc.sample(
      fc.oneof(
        fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }),
        fc.integer({ min: -99_999_999, max: 99_999_999 }).map((n) => n / 100_000),
        fc.integer({ min: -9_999_999, max: 9_999_999 }).map((n) => n / 1000),
        fc.double({ min: -1e-3, max: 1e-3, noNaN: true }),
      ),
      { numRuns: 600, seed: 18 },
    );
    const values = [...quantities, ...random];
    const rows = values.map((q, i) => ({
      conditionId: conditionIds[i % conditionIds.length],
      pageId: page.id,
      geometryType: "point" as const,
      geometry: { x: i, y: 0 },
      quantity: q,
      unit: "SF",
      isVerified: true,
      position: 5000 + i,
    }));
    for (let i = 0; i < rows.length; i += 200) await db.insert(measurements).values(rows.slice(i, i + 200));
    // Small batches, so a refused value costs its own chunk only.
    const counts = await expectSameBytes(
      p,
      options("csv", { columns: ["quantity", "unit_cost", "extended_cost", "coordinates"] }),
      undefined,
      8,
    );
    expect(counts.refused).toBeGreaterThan(0);
    expect(counts.written).toBeGreaterThan(counts.refused);
  });

  it("writes any text in a cell as the JavaScript cell writer does", async () => {
    const p = await importFixture(twoDocumentProject());
    const db = await getDb();
    const [page] = await db.select().from(pages).where(eq(pages.documentId, p.documents[0].id)).limit(1);
    const text = fc.oneof(
      fc.string({ unit: "binary", maxLength: 20 }),
      fc.string({
        unit: fc.constantFrom("=", "+", "-", "@", "\t", "\r", "\n", " ", '"', ",", ";", "'", "1", ".", "\uFEFF", "a"),
        maxLength: 8,
      }),
    );
    // PostgreSQL text holds no NUL; every other character may come.
    const notes = fc.sample(text, { numRuns: 400, seed: 18 }).map((s) => s.replace(/\0/g, ""));
    const units = fc.sample(text, { numRuns: 400, seed: 81 }).map((s) => s.replace(/\0/g, "") || "SF");
    const rows = notes.map((note, i) => ({
      conditionId: p.conditions[i % p.conditions.length].id,
      pageId: page.id,
      geometryType: "point" as const,
      geometry: { x: i, y: -i },
      quantity: i,
      unit: units[i],
      notes: note,
      isVerified: true,
      position: 9000 + i,
    }));
    for (let i = 0; i < rows.length; i += 200) await db.insert(measurements).values(rows.slice(i, i + 200));
    for (const delimiter of [",", ";", "tab"]) {
      const counts = await expectSameBytes(p, options("csv", { delimiter, columns: ["notes", "unit", "condition"] }));
      expect(counts.refused).toBe(0);
    }
    await db.delete(measurements).where(
      inArray(
        measurements.position,
        rows.map((r) => r.position),
      ),
    );
  });
});
