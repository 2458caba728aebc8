/**
 * Project import (SPEC §5.3): the validated body is written in one
 * transaction, in chunks, so either all of it exists afterwards or none.
 */
import type { Db, Tx } from "@/db";
import { conditions, documents, measurements, pages, projects } from "@/db/schema";
import type { ProjectImport } from "./schemas";

const CHUNK = 1000;

export type ImportResult = {
  project: {
    id: string;
    name: string;
    conditions: { id: string; ref: string; name: string }[];
    documents: { id: string; name: string; pages: { id: string; page_number: number }[] }[];
    measurements_count: number;
  };
};

async function insertChunked<T>(rows: T[], insert: (chunk: T[]) => Promise<unknown>) {
  for (let i = 0; i < rows.length; i += CHUNK) await insert(rows.slice(i, i + CHUNK));
}

export async function importProject(db: Db, userId: string, body: ProjectImport): Promise<ImportResult> {
  return db.transaction(async (tx: Tx) => {
    const now = new Date();
    const [project] = await tx
      .insert(projects)
      .values({
        userId,
        name: body.name,
        description: body.description ?? null,
        clientName: body.client_name ?? null,
        address: body.address ?? null,
        createdAt: now,
        updatedAt: now,
      })
      .returning({ id: projects.id, name: projects.name });

    const conditionRows = body.conditions.map((c, i) => ({
      id: crypto.randomUUID(),
      projectId: project.id,
      name: c.name,
      description: c.description ?? null,
      scope: c.scope ?? null,
      category: c.category ?? null,
      measurementType: c.measurement_type,
      unit: c.unit,
      color: c.color ? c.color.toUpperCase() : null,
      depth: c.depth ?? null,
      thickness: c.thickness ?? null,
      building: c.building ?? null,
      area: c.area ?? null,
      elevation: c.elevation ?? null,
      sortOrder: i,
      materialCost: c.costs?.material_cost ?? null,
      laborCost: c.costs?.labor_cost ?? null,
      equipmentCost: c.costs?.equipment_cost ?? null,
      subcontractCost: c.costs?.subcontract_cost ?? null,
      otherCost: c.costs?.other_cost ?? null,
      totalCost: c.costs?.total_cost ?? null,
      unitCost: c.costs?.unit_cost ?? null,
      totalLaborHours: c.costs?.total_labor_hours ?? null,
      overheadPercent: c.costs?.overhead_percent ?? null,
      profitPercent: c.costs?.profit_percent ?? null,
      totalWithMarkup: c.costs?.total_with_markup ?? null,
      createdAt: now,
      updatedAt: now,
    }));
    await insertChunked(conditionRows, (chunk) => tx.insert(conditions).values(chunk));
    const byRef = new Map(body.conditions.map((c, i) => [c.ref ?? c.name, conditionRows[i]]));

    const documentRows: (typeof documents.$inferInsert & { id: string })[] = [];
    const pageRows: (typeof pages.$inferInsert & { id: string })[] = [];
    const measurementRows: (typeof measurements.$inferInsert)[] = [];
    const pagesByDocument = new Map<string, { id: string; page_number: number }[]>();
    let position = 0;
    body.documents.forEach((d, di) => {
      const documentId = crypto.randomUUID();
      const maxPage = d.pages.reduce((max, p) => Math.max(max, p.page_number), 0);
      documentRows.push({
        id: documentId,
        projectId: project.id,
        name: d.name,
        pageCount: d.page_count ?? Math.max(maxPage, d.pages.length),
        position: di,
        createdAt: now,
        updatedAt: now,
      });
      const docPages: { id: string; page_number: number }[] = [];
      pagesByDocument.set(documentId, docPages);
      for (const p of d.pages) {
        const pageId = crypto.randomUUID();
        pageRows.push({
          id: pageId,
          documentId,
          pageNumber: p.page_number,
          sheetNumber: p.sheet_number ?? null,
          sheetTitle: p.sheet_title ?? null,
        });
        docPages.push({ id: pageId, page_number: p.page_number });
        for (const m of p.measurements) {
          const condition = byRef.get(m.condition)!;
          measurementRows.push({
            conditionId: condition.id,
            pageId,
            geometryType: m.geometry_type,
            geometry: m.geometry,
            quantity: m.quantity,
            unit: m.unit ?? condition.unit,
            isAiGenerated: m.is_ai_generated,
            isVerified: m.is_verified,
            notes: m.notes ?? null,
            position: position++,
          });
        }
      }
    });
    await insertChunked(documentRows, (chunk) => tx.insert(documents).values(chunk));
    await insertChunked(pageRows, (chunk) => tx.insert(pages).values(chunk));
    await insertChunked(measurementRows, (chunk) => tx.insert(measurements).values(chunk));

    return {
      project: {
        id: project.id,
        name: project.name,
        conditions: body.conditions.map((c, i) => ({ id: conditionRows[i].id, ref: c.ref ?? c.name, name: c.name })),
        documents: documentRows.map((d) => ({
          id: d.id,
          name: d.name,
          pages: pagesByDocument.get(d.id) ?? [],
        })),
        measurements_count: measurementRows.length,
      },
    };
  });
}
