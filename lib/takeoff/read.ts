/**
 * Browsing host data with computed totals (SPEC §3: a condition's total
 * quantity and measurement count are computed from its measurements, never
 * stored). Every query is scoped to the owner inside the query.
 */
import { and, asc, count, eq, sql, sum } from "drizzle-orm";
import type { Db } from "@/db";
import { conditions, documents, measurements, pages, projects, type Condition, type Project } from "@/db/schema";
import { notFound } from "@/lib/errors";

const COST_FIELDS = [
  ["material_cost", "materialCost"],
  ["labor_cost", "laborCost"],
  ["equipment_cost", "equipmentCost"],
  ["subcontract_cost", "subcontractCost"],
  ["other_cost", "otherCost"],
  ["total_cost", "totalCost"],
  ["unit_cost", "unitCost"],
  ["total_labor_hours", "totalLaborHours"],
  ["overhead_percent", "overheadPercent"],
  ["profit_percent", "profitPercent"],
  ["total_with_markup", "totalWithMarkup"],
] as const;

export type CostsOut = Record<(typeof COST_FIELDS)[number][0], number | null>;

/** A condition's costs, or null when it has none at all. */
export function conditionCosts(c: Condition): CostsOut | null {
  const out = {} as CostsOut;
  let any = false;
  for (const [snake, camel] of COST_FIELDS) {
    out[snake] = c[camel];
    if (c[camel] !== null) any = true;
  }
  return any ? out : null;
}

export function projectOut(p: Project) {
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    client_name: p.clientName,
    address: p.address,
    created_at: p.createdAt.toISOString(),
    updated_at: p.updatedAt.toISOString(),
  };
}

function conditionOut(c: Condition, totals: { quantity: number; count: number }) {
  return {
    id: c.id,
    name: c.name,
    description: c.description,
    scope: c.scope,
    category: c.category,
    measurement_type: c.measurementType,
    unit: c.unit,
    color: c.color,
    depth: c.depth,
    thickness: c.thickness,
    building: c.building,
    area: c.area,
    elevation: c.elevation,
    sort_order: c.sortOrder,
    costs: conditionCosts(c),
    total_quantity: totals.quantity,
    measurement_count: totals.count,
  };
}

type ConditionOut = ReturnType<typeof conditionOut>;

function summarise(list: ConditionOut[]) {
  const byUnit: Record<string, { count: number; total_quantity: number }> = {};
  let totalWithMarkup = 0;
  let hasCosts = false;
  for (const c of list) {
    if (c.measurement_count > 0) {
      const u = (byUnit[c.unit] ??= { count: 0, total_quantity: 0 });
      u.count += c.measurement_count;
      u.total_quantity += c.total_quantity;
    }
    if (c.costs?.total_with_markup != null) {
      hasCosts = true;
      totalWithMarkup += c.costs.total_with_markup;
    }
  }
  return {
    conditions: list.length,
    measurements: list.reduce((n, c) => n + c.measurement_count, 0),
    by_unit: byUnit,
    total_with_markup: hasCosts ? totalWithMarkup : null,
  };
}

/** The caller's projects, newest first, with counts. */
export async function listProjects(db: Db, userId: string) {
  const rows = await db
    .select({
      project: projects,
      documents: sql<number>`(select count(*) from documents d where d.project_id = projects.id)`.mapWith(Number),
      conditions: sql<number>`(select count(*) from conditions c where c.project_id = projects.id)`.mapWith(Number),
      measurements:
        sql<number>`(select count(*) from measurements m join conditions c on c.id = m.condition_id where c.project_id = projects.id)`.mapWith(
          Number,
        ),
    })
    .from(projects)
    .where(eq(projects.userId, userId))
    .orderBy(sql`${projects.createdAt} desc nulls last`, sql`${projects.id} desc nulls last`);
  return rows.map((r) => ({
    ...projectOut(r.project),
    documents_count: r.documents,
    conditions_count: r.conditions,
    measurements_count: r.measurements,
  }));
}

export async function findOwnedProject(db: Db, userId: string, id: string): Promise<Project> {
  const [row] = await db
    .select()
    .from(projects)
    .where(and(eq(projects.id, id), eq(projects.userId, userId)));
  if (!row) throw notFound("Project");
  return row;
}

/** A project with its documents and conditions, totals computed from measurements. */
export async function getProject(db: Db, userId: string, id: string) {
  const project = await findOwnedProject(db, userId, id);
  const [docRows, conditionRows] = await Promise.all([
    db
      .select({
        document: documents,
        measurements:
          sql<number>`(select count(*) from measurements m join pages p on p.id = m.page_id where p.document_id = documents.id)`.mapWith(
            Number,
          ),
      })
      .from(documents)
      .where(eq(documents.projectId, project.id))
      .orderBy(asc(documents.position), asc(documents.name)),
    db
      .select({
        condition: conditions,
        quantity: sql<number>`coalesce(${sum(measurements.quantity)}, 0)`.mapWith(Number),
        count: count(measurements.id),
      })
      .from(conditions)
      .leftJoin(measurements, eq(measurements.conditionId, conditions.id))
      .where(eq(conditions.projectId, project.id))
      .groupBy(conditions.id)
      .orderBy(asc(conditions.sortOrder), asc(conditions.name)),
  ]);
  const conditionList = conditionRows.map((r) => conditionOut(r.condition, r));
  return {
    ...projectOut(project),
    documents: docRows.map((r) => ({
      id: r.document.id,
      name: r.document.name,
      page_count: r.document.pageCount,
      measurements_count: r.measurements,
      created_at: r.document.createdAt.toISOString(),
    })),
    conditions: conditionList,
    totals: summarise(conditionList),
  };
}

/** A document with its pages and the takeoff summary of its own measurements. */
export async function getDocument(db: Db, userId: string, id: string) {
  const [row] = await db
    .select({ document: documents, project: projects })
    .from(documents)
    .innerJoin(projects, eq(projects.id, documents.projectId))
    .where(and(eq(documents.id, id), eq(projects.userId, userId)));
  if (!row) throw notFound("Document");
  const { document, project } = row;

  const [pageRows, conditionRows] = await Promise.all([
    db
      .select({ page: pages, measurements: count(measurements.id) })
      .from(pages)
      .leftJoin(measurements, eq(measurements.pageId, pages.id))
      .where(eq(pages.documentId, document.id))
      .groupBy(pages.id)
      .orderBy(sql`${pages.pageNumber} asc nulls last`),
    db
      .select({
        condition: conditions,
        quantity: sql<number>`coalesce(${sum(measurements.quantity)}, 0)`.mapWith(Number),
        count: count(measurements.id),
      })
      .from(conditions)
      .innerJoin(measurements, eq(measurements.conditionId, conditions.id))
      .innerJoin(pages, eq(pages.id, measurements.pageId))
      .where(and(eq(conditions.projectId, project.id), eq(pages.documentId, document.id)))
      .groupBy(conditions.id)
      .orderBy(asc(conditions.sortOrder), asc(conditions.name)),
  ]);
  const conditionList = conditionRows.map((r) => conditionOut(r.condition, r));
  return {
    id: document.id,
    project_id: project.id,
    name: document.name,
    page_count: document.pageCount,
    created_at: document.createdAt.toISOString(),
    updated_at: document.updatedAt.toISOString(),
    project: { id: project.id, name: project.name, client_name: project.clientName },
    pages: pageRows.map((r) => ({
      id: r.page.id,
      page_number: r.page.pageNumber,
      sheet_number: r.page.sheetNumber,
      sheet_title: r.page.sheetTitle,
      measurements_count: r.measurements,
    })),
    conditions: conditionList,
    totals: summarise(conditionList),
  };
}

/** Every document of the user's projects with measurement counts (dashboard overview). */
export async function listDocumentsOfUser(db: Db, userId: string) {
  const rows = await db
    .select({
      document: documents,
      measurements:
        sql<number>`(select count(*) from measurements m join pages p on p.id = m.page_id where p.document_id = documents.id)`.mapWith(
          Number,
        ),
    })
    .from(documents)
    .innerJoin(projects, eq(projects.id, documents.projectId))
    .where(eq(projects.userId, userId))
    .orderBy(asc(documents.position), asc(documents.name));
  return rows.map((r) => ({
    id: r.document.id,
    project_id: r.document.projectId,
    name: r.document.name,
    page_count: r.document.pageCount,
    measurements_count: r.measurements,
  }));
}
