/**
 * A create request with `preset_id` (SPEC §13.1) turned into the body
 * createExport takes: the preset's format, a copy of its options, and — when
 * the request names nothing and the preset has a template — the rendered
 * template as the name. The export records the preset (`origin.presetId`);
 * later edits of the preset change nothing in it.
 */
import { and, eq } from "drizzle-orm";
import type { Db } from "@/db";
import { documents, projects } from "@/db/schema";
import { notFound } from "@/lib/errors";
import type { CreateExportBody, CreateExportRequest } from "@/lib/exports/schemas";
import type { ExportOrigin, SourceRef } from "@/lib/exports/services/create";
import { dbOr } from "@/lib/exports/services/db";
import { renderNameTemplate, type NameTemplateValues } from "../template";
import { resolvePreset } from "./read";

/** The names a template fills in for a source of `userId` (not_found for a missing or foreign one, as on creation). */
export async function templateSource(
  db: Db,
  userId: string,
  ref: SourceRef,
): Promise<Pick<NameTemplateValues, "source" | "project" | "document">> {
  if (ref.type === "document") {
    const [row] = await db
      .select({ document: documents.name, project: projects.name })
      .from(documents)
      .innerJoin(projects, eq(projects.id, documents.projectId))
      .where(and(eq(documents.id, ref.id), eq(projects.userId, userId)));
    if (!row) throw notFound("Document");
    return { source: row.document, project: row.project, document: row.document };
  }
  const [row] = await db
    .select({ project: projects.name })
    .from(projects)
    .where(and(eq(projects.id, ref.id), eq(projects.userId, userId)));
  if (!row) throw notFound("Project");
  return { source: row.project, project: row.project, document: null };
}

export async function resolveCreateRequest(
  input: { userId: string; source: SourceRef; body: CreateExportRequest; now?: Date },
  dbIn?: Db,
): Promise<{ body: CreateExportBody; origin: ExportOrigin }> {
  const { preset_id: presetId, format, ...rest } = input.body;
  if (presetId === undefined) {
    // The schema lets only a body with a format through without preset_id.
    if (!format) throw new Error("create request without format or preset_id");
    return { body: { ...rest, format }, origin: {} };
  }
  const db = await dbOr(dbIn);
  const preset = await resolvePreset(db, input.userId, presetId);
  let name = rest.name;
  if (name === undefined && preset.nameTemplate) {
    const names = await templateSource(db, input.userId, input.source);
    const rendered = renderNameTemplate(preset.nameTemplate, {
      ...names,
      format: preset.format,
      timeZone: preset.options.timezone ?? "UTC",
      now: input.now ?? new Date(),
    });
    name = rendered || undefined;
  }
  return {
    body: { format: preset.format, options: preset.options as Record<string, unknown>, name, description: rest.description },
    origin: { presetId: preset.id },
  };
}
