import { asc, eq, inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { conditions, measurements, pages } from "@/db/schema";
import type { ExportSource, SourceMeasurement } from "@/lib/exports/formats/types";
import { loadExportSource, SourceMissingError } from "@/lib/exports/source";
import { GENERATED_AT, importFixture, insertUser, options, seedLargeProject, source, type Imported } from "../../fixtures/formats-data";

async function collect(it: AsyncIterable<SourceMeasurement[]>): Promise<SourceMeasurement[]> {
  const all: SourceMeasurement[] = [];
  for await (const batch of it) all.push(...batch);
  return all;
}

const m = (condition: string, notes: string, verified = true) => ({
  condition,
  geometry_type: "point",
  geometry: { x: 1, y: 2 },
  quantity: 1,
  is_verified: verified,
  notes,
});

/** Two documents imported out of page order, three conditions (one without measurements). */
function orderingProject() {
  return {
    name: "Ordering",
    conditions: [
      { ref: "a", name: "Alpha", measurement_type: "count", unit: "EA" },
      { ref: "b", name: "Beta", measurement_type: "count", unit: "EA", costs: { total_with_markup: 10 } },
      { ref: "c", name: "Gamma (none)", measurement_type: "count", unit: "EA" },
    ],
    documents: [
      {
        name: "Doc 1",
        pages: [
          { page_number: 2, sheet_number: "D1-2", measurements: [m("b", "b-d1p2-1"), m("a", "a-d1p2-1"), m("a", "a-d1p2-2", false)] },
          { page_number: 1, sheet_number: "D1-1", measurements: [m("a", "a-d1p1-1"), m("b", "b-d1p1-1"), m("a", "a-d1p1-2")] },
          { page_number: 7, sheet_number: "D1-7", measurements: [m("b", "b-d1p7-gone"), m("a", "a-d1p7-gone")] },
        ],
      },
      { name: "Doc 2", pages: [{ page_number: 1, sheet_number: "D2-1", measurements: [m("b", "b-d2p1-1"), m("a", "a-d2p1-1")] }] },
    ],
  };
}

/** Page 7 deleted (its measurements lose their page), Doc 2 page 1 given no number. */
async function orderingFixture(): Promise<Imported> {
  const p = await importFixture(orderingProject());
  const db = await getDb();
  const doc1 = p.documents[0];
  await db.delete(pages).where(eq(pages.id, doc1.pages.find((x) => x.page_number === 7)!.id));
  return p;
}

const notes = (rows: SourceMeasurement[]) => rows.map((r) => r.notes);

/** What the pipeline passes for a CSV export of the whole project. */
const projectInput = (p: Imported, exportId: string) => ({
  exportId,
  userId: p.userId,
  type: "project" as const,
  projectId: p.id,
  documentId: null,
  options: options("csv"),
  generatedAt: GENERATED_AT,
});

describe("loadExportSource", () => {
  it("orders a project export by condition, document, page number (nulls last), position", async () => {
    const p = await orderingFixture();
    const src = await source(p, options("csv"));
    expect(src.conditions.map((c) => c.name)).toEqual(["Alpha", "Beta", "Gamma (none)"]);
    expect(notes(await collect(src.measurements()))).toEqual([
      "a-d1p1-1",
      "a-d1p1-2",
      "a-d1p2-1",
      "a-d1p2-2",
      "a-d2p1-1",
      "a-d1p7-gone",
      "b-d1p1-1",
      "b-d1p2-1",
      "b-d2p1-1",
      "b-d1p7-gone",
    ]);
  });

  it("orders By Page rows by document, page number (nulls last), condition, position", async () => {
    const p = await orderingFixture();
    const src = await source(p, options("csv"));
    expect(notes(await collect(src.measurementsByPage()))).toEqual([
      "a-d1p1-1",
      "a-d1p1-2",
      "b-d1p1-1",
      "a-d1p2-1",
      "a-d1p2-2",
      "b-d1p2-1",
      "a-d2p1-1",
      "b-d2p1-1",
      "a-d1p7-gone",
      "b-d1p7-gone",
    ]);
  });

  it("puts pages without a number last within their document", async () => {
    const p = await orderingFixture();
    const db = await getDb();
    await db
      .update(pages)
      .set({ pageNumber: null })
      .where(eq(pages.id, p.documents[0].pages.find((x) => x.page_number === 1)!.id));
    const rows = await collect((await source(p, options("csv"))).measurementsByPage());
    expect(notes(rows).slice(0, 6)).toEqual(["a-d1p2-1", "a-d1p2-2", "b-d1p2-1", "a-d1p1-1", "a-d1p1-2", "b-d1p1-1"]);
    expect(rows[3].pageNumber).toBeNull();
    expect(rows[3].sheetNumber).toBe("D1-1");
  });

  it("gives the same rows in the same order whatever the batch size (keyset pagination and chunking)", async () => {
    const p = await orderingFixture();
    const input = projectInput(p, "00000000-0000-4000-8000-000000000001");
    const db = await getDb();
    const reference = await loadExportSource(db, input);
    for (const batchSize of [1, 2, 3]) {
      const small = await loadExportSource(db, input, { batchSize });
      const batches: number[] = [];
      const rows: SourceMeasurement[] = [];
      for await (const b of small.measurements()) {
        batches.push(b.length);
        rows.push(...b);
      }
      expect(rows).toEqual(await collect(reference.measurements()));
      expect(await collect(small.measurementsByPage())).toEqual(await collect(reference.measurementsByPage()));
      expect(Math.max(...batches)).toBeLessThanOrEqual(batchSize * 2);
    }
  });

  it("lets a consumer stop early (cancellation) with the read-ahead settled and the database usable", async () => {
    const p = await orderingFixture();
    const db = await getDb();
    const input = projectInput(p, "00000000-0000-4000-8000-000000000002");
    const small = await loadExportSource(db, input, { batchSize: 2 });
    let seen = 0;
    for await (const batch of small.measurements()) {
      seen += batch.length;
      break;
    }
    expect(seen).toBeGreaterThan(0);
    expect(await collect(small.measurements())).toHaveLength(10);
  });

  it("still reads every later chunk when rows it had planned were deleted mid-export", async () => {
    const p = await orderingFixture();
    const db = await getDb();
    const input = projectInput(p, "00000000-0000-4000-8000-000000000003");
    const [alpha, beta] = p.conditions.map((c) => c.id);
    const betaRows = (await collect((await loadExportSource(db, input)).measurements())).filter((r) => r.conditionId === beta);
    expect(betaRows.length).toBeGreaterThan(2);
    // Alpha's rows go right after the plan is made, before its first chunk is read: those
    // reads come back empty, leaving planned rows that never arrive.
    let deleted = false;
    let deletion: Promise<unknown> | undefined;
    // Measurement reads go straight to the driver's client (queryRows): its query methods
    // (postgres.js `unsafe`, PGlite `query`) delete first.
    const client = (db as unknown as { $client: Record<string, unknown> }).$client;
    const racingClient = new Proxy(client, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if ((prop !== "unsafe" && prop !== "query") || typeof value !== "function") return value;
        return async (...args: unknown[]) => {
          // Reads asked for at the same time all wait for the deletion.
          deletion ??= db
            .delete(measurements)
            .where(eq(measurements.conditionId, alpha))
            .then(() => (deleted = true));
          await deletion;
          return value.apply(target, args);
        };
      },
    });
    const racing = new Proxy(db, {
      get: (target, prop, receiver) => (prop === "$client" ? racingClient : Reflect.get(target, prop, receiver)),
    });
    // Batches of 3: Alpha's pairs of 1 or 2 rows are read as one-query chunks, which (unlike
    // keyset pages) are only read when asked for ahead or at their turn.
    const src = await loadExportSource(racing, input, { batchSize: 3 });
    expect(await collect(src.measurements())).toEqual(betaRows);
    expect(deleted).toBe(true);
  });

  it("breaks sort_order ties by name", async () => {
    const p = await orderingFixture();
    const db = await getDb();
    await db
      .update(conditions)
      .set({ sortOrder: 5 })
      .where(
        inArray(
          conditions.id,
          p.conditions.map((c) => c.id),
        ),
      );
    const src = await source(p, options("csv"));
    expect(src.conditions.map((c) => c.name)).toEqual(["Alpha", "Beta", "Gamma (none)"]);
    await db.update(conditions).set({ name: "Zeta" }).where(eq(conditions.id, p.conditions[0].id));
    expect((await source(p, options("csv"))).conditions.map((c) => c.name)).toEqual(["Beta", "Gamma (none)", "Zeta"]);
  });

  it("computes totals after filters and maps page details", async () => {
    const p = await importFixture();
    const all = await source(p, options("csv"));
    expect(all.rowsTotal).toBe(5);
    expect(all.conditions.map((c) => [c.name, c.totalQuantity, c.measurementCount])).toEqual([
      ["Floor Slab", 1500, 3],
      ["Continuous Footing", 110, 2],
    ]);
    expect(all.conditions[0].costs?.total_with_markup).toBe(9676);
    const [first] = await collect(all.measurements());
    expect(first).toMatchObject({
      pageNumber: 1,
      sheetNumber: "S-001",
      sheetTitle: "Foundation Plan",
      documentId: p.documents[0].id,
      quantity: 500,
      unit: "SF",
      isVerified: true,
      isAiGenerated: true,
      notes: "Main area slab",
    });

    const verifiedOnly = await source(p, options("csv", { include_unverified: false, include_costs: false }));
    expect(verifiedOnly.rowsTotal).toBe(4);
    expect(verifiedOnly.conditions.map((c) => [c.totalQuantity, c.measurementCount, c.costs])).toEqual([
      [1000, 2, null],
      [110, 2, null],
    ]);
    expect((await collect(verifiedOnly.measurements())).every((r) => r.isVerified)).toBe(true);

    const onlyFooting = await source(p, options("csv", { condition_ids: [p.conditions[1].id] }));
    expect(onlyFooting.conditions.map((c) => c.name)).toEqual(["Continuous Footing"]);
    expect(notes(await collect(onlyFooting.measurements()))).toHaveLength(2);
  });

  it("restores the documented key order of geometry (jsonb sorts keys)", async () => {
    const p = await importFixture();
    const rows = await collect((await source(p, options("csv"))).measurements());
    const line = rows.find((r) => r.geometryType === "line")!;
    expect(Object.keys(line.geometry as object)).toEqual(["start", "end"]);
  });

  it("keeps every condition in a project export, only conditions with rows in a document export", async () => {
    const p = await orderingFixture();
    const project = await source(p, options("csv"));
    expect(project.conditions.find((c) => c.name === "Gamma (none)")?.measurementCount).toBe(0);
    expect(project.rowsTotal).toBe(10);

    const doc2 = await source(p, options("csv"), { type: "document", documentId: p.documents[1].id });
    expect(doc2.document).toMatchObject({ id: p.documents[1].id, name: "Doc 2" });
    expect(doc2.conditions.map((c) => [c.name, c.measurementCount])).toEqual([
      ["Alpha", 1],
      ["Beta", 1],
    ]);
    expect(notes(await collect(doc2.measurements()))).toEqual(["a-d2p1-1", "b-d2p1-1"]);

    const doc1Verified = await source(p, options("csv", { include_unverified: false, condition_ids: [p.conditions[0].id] }), {
      type: "document",
      documentId: p.documents[0].id,
    });
    expect(notes(await collect(doc1Verified.measurements()))).toEqual(["a-d1p1-1", "a-d1p1-2", "a-d1p2-1"]);
    expect(doc1Verified.rowsTotal).toBe(3);
  });

  it("treats another user's project, a deleted document and a foreign document as missing", async () => {
    const p = await importFixture();
    const other = await importFixture();
    const stranger = await insertUser();
    const db = await getDb();
    const base = {
      exportId: "x",
      type: "project" as const,
      projectId: p.id,
      documentId: null,
      options: options("csv"),
      generatedAt: GENERATED_AT,
    };

    await expect(loadExportSource(db, { ...base, userId: stranger.id })).rejects.toBeInstanceOf(SourceMissingError);
    await expect(loadExportSource(db, { ...base, userId: p.userId, type: "document", documentId: other.documents[0].id })).rejects.toThrow(
      /document this export was made from no longer exists/,
    );
    const err = await loadExportSource(db, { ...base, userId: p.userId, projectId: "00000000-0000-4000-8000-000000000000" }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SourceMissingError);
    expect((err as Error).name).toBe("SourceMissingError");
    expect((err as Error).message).toBe("The project this export was made from no longer exists.");
  });

  it("reads nothing for an empty project", async () => {
    const p = await importFixture({ name: "Empty" });
    const src: ExportSource = await source(p, options("csv"));
    expect(src.conditions).toEqual([]);
    expect(src.rowsTotal).toBe(0);
    expect(await collect(src.measurements())).toEqual([]);
    expect(await collect(src.measurementsByPage())).toEqual([]);
  });

  it("skips measurements of conditions outside the filter even when they share pages", async () => {
    const p = await orderingFixture();
    const db = await getDb();
    const before = await db.select({ id: measurements.id }).from(measurements).where(eq(measurements.conditionId, p.conditions[1].id));
    const src = await source(p, options("csv", { condition_ids: [p.conditions[1].id] }));
    const rows = await collect(src.measurementsByPage());
    expect(rows.map((r) => r.id).sort()).toEqual(before.map((r) => r.id).sort());
  });

  it("reads thousands of rows in both orders exactly as one sorted query would, in small batches", async () => {
    // Many small pairs (chunks of several pairs) and pairs larger than a query (keyset pages).
    for (const shape of [
      { rows: 9_000, conditionCount: 6, pageCount: 30 },
      { rows: 9_000, conditionCount: 2, pageCount: 2 },
    ]) {
      const p = await seedLargeProject(shape.rows, { conditionCount: shape.conditionCount, pageCount: shape.pageCount });
      const db = await getDb();
      const all = db
        .select({ id: measurements.id, condition: conditions.sortOrder, page: pages.pageNumber, position: measurements.position })
        .from(measurements)
        .innerJoin(conditions, eq(conditions.id, measurements.conditionId))
        .innerJoin(pages, eq(pages.id, measurements.pageId))
        .where(eq(conditions.projectId, p.id));
      const exportOrder = await all.orderBy(
        asc(conditions.sortOrder),
        asc(pages.pageNumber),
        asc(measurements.position),
        asc(measurements.id),
      );
      const pageOrder = await all.orderBy(
        asc(pages.pageNumber),
        asc(conditions.sortOrder),
        asc(measurements.position),
        asc(measurements.id),
      );

      const src = await source(p, options("csv"));
      const batches: number[] = [];
      const rows: SourceMeasurement[] = [];
      for await (const b of src.measurements()) {
        batches.push(b.length);
        rows.push(...b);
      }
      expect(rows.map((r) => r.id)).toEqual(exportOrder.map((r) => r.id));
      expect(rows.every((r, i) => r.pageNumber === exportOrder[i].page)).toBe(true);
      expect((await collect(src.measurementsByPage())).map((r) => r.id)).toEqual(pageOrder.map((r) => r.id));
      // Batches are small, so the renderer's rows die young (lib/exports/source/index.ts).
      expect(Math.max(...batches)).toBeLessThanOrEqual(1_000);
      expect(batches.length).toBeGreaterThan(shape.rows / 1_000);
    }
  }, 60_000);
});
