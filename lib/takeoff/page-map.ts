/**
 * Reading a page's takeoff for its map (SPEC §12.4): the page scoped to its
 * owner inside the query, its measurements (optionally of some conditions
 * only), and the per-page legends of a whole document for the dashboard.
 * The drawing itself is pure: lib/takeoff/map.
 */
import { and, asc, count, eq, inArray, sql, sum, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db";
import { conditions, documents, measurements, pages, projects } from "@/db/schema";
import { notFound } from "@/lib/errors";
import { mapTitle, prepareMap, renderMapSvg, type ConditionTotals, type MapCondition, type MapMeasurement } from "./map";

/** The most condition ids one `?conditions=` may name. */
export const MAX_CONDITION_FILTER = 500;

const ConditionIdsSchema = z
  .string()
  .transform((v) => v.split(",").map((s) => s.trim()))
  .pipe(
    z
      .array(z.string().uuid("must be a comma-separated list of condition ids"))
      .min(1)
      .max(MAX_CONDITION_FILTER, `at most ${MAX_CONDITION_FILTER} condition ids`),
  )
  .transform((ids) => [...new Set(ids.map((id) => id.toLowerCase()))]);

/** Query of GET /api/pages/{id}/takeoff.svg. */
export const PageMapQuerySchema = z.strictObject({
  conditions: ConditionIdsSchema.optional().meta({
    description: "Comma-separated condition ids: draw only these (ids not on the page match nothing).",
  }),
  legend: z.enum(["true", "false"]).optional().meta({ description: "Draw the legend below the map (default true)." }),
});
export type PageMapQuery = z.output<typeof PageMapQuerySchema>;

export type PageMapData = {
  title: string;
  conditions: MapCondition[];
  measurements: MapMeasurement[];
};

/**
 * The page (another user's is "Page not found"), the conditions of its
 * project and the page's measurements: three reads at once, each scoped to
 * the owner inside its own query (no read waits for another).
 */
export async function readPageMap(db: Db, input: { userId: string; pageId: string; conditionIds?: string[] }): Promise<PageMapData> {
  const owned = and(eq(pages.id, input.pageId), eq(projects.userId, input.userId));
  const onlyConditions = (column: typeof conditions.id | typeof measurements.conditionId): SQL | undefined =>
    input.conditionIds ? inArray(column, input.conditionIds) : undefined;
  const ownedProject = db
    .select({ id: documents.projectId })
    .from(pages)
    .innerJoin(documents, eq(documents.id, pages.documentId))
    .innerJoin(projects, eq(projects.id, documents.projectId))
    .where(owned);

  const [[row], conditionRows, measurementRows] = await Promise.all([
    db
      .select({
        pageNumber: pages.pageNumber,
        sheetNumber: pages.sheetNumber,
        sheetTitle: pages.sheetTitle,
        documentName: documents.name,
      })
      .from(pages)
      .innerJoin(documents, eq(documents.id, pages.documentId))
      .innerJoin(projects, eq(projects.id, documents.projectId))
      .where(owned),
    db
      .select({ id: conditions.id, name: conditions.name, color: conditions.color, unit: conditions.unit })
      .from(conditions)
      .where(and(inArray(conditions.projectId, ownedProject), onlyConditions(conditions.id)))
      .orderBy(asc(conditions.sortOrder), asc(conditions.name), asc(conditions.id)),
    db
      .select({
        conditionId: measurements.conditionId,
        geometryType: measurements.geometryType,
        geometry: measurements.geometry,
        quantity: measurements.quantity,
      })
      .from(measurements)
      .innerJoin(pages, eq(pages.id, measurements.pageId))
      .innerJoin(documents, eq(documents.id, pages.documentId))
      .innerJoin(projects, eq(projects.id, documents.projectId))
      .where(and(eq(measurements.pageId, input.pageId), eq(projects.userId, input.userId), onlyConditions(measurements.conditionId)))
      .orderBy(asc(measurements.position), asc(measurements.id)),
  ]);
  if (!row) throw notFound("Page");
  return { title: `Takeoff map — ${mapTitle(row)}`, conditions: conditionRows, measurements: measurementRows };
}

/** The page's map as an SVG document. */
export async function pageMapSvg(db: Db, input: { userId: string; pageId: string; query: PageMapQuery }): Promise<string> {
  const data = await readPageMap(db, { userId: input.userId, pageId: input.pageId, conditionIds: input.query.conditions });
  return renderMapSvg(prepareMap(data), { title: data.title, legend: input.query.legend !== "false" });
}

/** Per page of a document, each condition's quantity and count there (the dashboard's legends, without reading geometry). */
export async function documentPageTotals(
  db: Db,
  input: { userId: string; documentId: string },
): Promise<Map<string, Map<string, ConditionTotals>>> {
  const rows = await db
    .select({
      pageId: measurements.pageId,
      conditionId: measurements.conditionId,
      quantity: sql<number>`coalesce(${sum(measurements.quantity)}, 0)`.mapWith(Number),
      count: count(measurements.id),
    })
    .from(measurements)
    .innerJoin(pages, eq(pages.id, measurements.pageId))
    .innerJoin(documents, eq(documents.id, pages.documentId))
    .innerJoin(projects, eq(projects.id, documents.projectId))
    .where(and(eq(pages.documentId, input.documentId), eq(projects.userId, input.userId)))
    .groupBy(measurements.pageId, measurements.conditionId);
  const out = new Map<string, Map<string, ConditionTotals>>();
  for (const r of rows) {
    if (!r.pageId) continue;
    let page = out.get(r.pageId);
    if (!page) out.set(r.pageId, (page = new Map()));
    page.set(r.conditionId, { quantity: r.quantity, count: r.count });
  }
  return out;
}
