/** What a source can be exported as: formats, their options and defaults, a suggested name. */
import { and, count, eq } from "drizzle-orm";
import { getDb } from "@/db";
import { conditions, documents, measurements, pages, projects } from "@/db/schema";
import { notFound } from "@/lib/errors";
import { env } from "@/lib/env";
import { FORMAT_CATALOGUE } from "./formats";
import { COLUMN_FORMATS, COLUMN_IDS, CSV_HEADERS, defaultColumns } from "./formats/columns";
import type { ExportFormat } from "./model";
import { suggestedName, type SourceRef } from "./services";

/** Every measurement column of SPEC §12.2 with its header as CSV writes it, and the formats that take it. */
export const COLUMN_CATALOGUE = COLUMN_IDS.map((id) => ({ id, header: CSV_HEADERS[id], formats: [...COLUMN_FORMATS] }));

/** What each format writes without `columns` for a source of this type (a project export names the document). */
export function defaultColumnsFor(type: "document" | "project") {
  return {
    csv: defaultColumns("csv", type),
    excel: defaultColumns("excel", type),
    pdf: defaultColumns("pdf", type),
  };
}

/** The most measurements a format can export, or null: only PDF has a cap (SPEC §6.3), above which creation is refused. */
function maxRows(format: ExportFormat): number | null {
  return format === "pdf" ? env.PDF_MAX_ROWS : null;
}

export async function exportCatalogue(userId: string, ref: SourceRef) {
  const db = await getDb();
  let source: {
    type: "document" | "project";
    id: string;
    name: string;
    project_id: string;
    page_count?: number;
    measurements_count: number;
  };
  if (ref.type === "document") {
    const [doc] = await db
      .select({ id: documents.id, name: documents.name, projectId: documents.projectId, pageCount: documents.pageCount })
      .from(documents)
      .innerJoin(projects, eq(projects.id, documents.projectId))
      .where(and(eq(documents.id, ref.id), eq(projects.userId, userId)));
    if (!doc) throw notFound("Document");
    const [{ n }] = await db
      .select({ n: count() })
      .from(measurements)
      .innerJoin(pages, eq(pages.id, measurements.pageId))
      .where(eq(pages.documentId, doc.id));
    source = { type: "document", id: doc.id, name: doc.name, project_id: doc.projectId, page_count: doc.pageCount, measurements_count: n };
  } else {
    const [project] = await db
      .select()
      .from(projects)
      .where(and(eq(projects.id, ref.id), eq(projects.userId, userId)));
    if (!project) throw notFound("Project");
    const [{ n }] = await db
      .select({ n: count() })
      .from(measurements)
      .innerJoin(conditions, eq(conditions.id, measurements.conditionId))
      .where(eq(conditions.projectId, project.id));
    source = { type: "project", id: project.id, name: project.name, project_id: project.id, measurements_count: n };
  }
  return {
    source,
    suggested_name: suggestedName(source.name),
    default_format: "csv",
    pdf_max_rows: env.PDF_MAX_ROWS,
    // Each format carries its own limit, so the dialog disables formats by rule instead of by name.
    formats: FORMAT_CATALOGUE.map((f) => ({ ...f, max_rows: maxRows(f.id) })),
    columns: COLUMN_CATALOGUE,
    default_columns: defaultColumnsFor(source.type),
  };
}
