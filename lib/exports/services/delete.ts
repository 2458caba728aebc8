/**
 * Deleting an export, or a project with all its exports: rows and their
 * "deleted" events in one transaction (the audit trail stays), then running
 * jobs are cancelled and the files removed (a failed removal is queued).
 */
import { and, eq } from "drizzle-orm";
import type { Db } from "@/db";
import { documents, exports, projects } from "@/db/schema";
import { notFound } from "@/lib/errors";
import { pauseForDeletedSource } from "@/lib/schedules/pause";
import { recordEvent, type RequestMeta } from "../events";
import { isActive } from "../model";
import { removeObject, storageKeyFor } from "../pipeline";
import { getRunner } from "../runner";
import { dbOr } from "./db";
import { findOwned, type ExportRef } from "./read";

export async function deleteExport({ userId, id, meta = {} }: ExportRef & { meta?: RequestMeta }, dbIn?: Db) {
  const db = await dbOr(dbIn);
  const current = await findOwned(db, { userId, id });
  const deleted = await db.transaction(async (tx) => {
    const [row] = await tx
      .delete(exports)
      .where(and(eq(exports.id, current.id), eq(exports.userId, userId)))
      .returning();
    if (row) {
      await recordEvent(tx, {
        exportId: row.id,
        userId,
        type: "deleted",
        data: { status: row.status, file_key: row.fileKey },
        ip: meta.ip,
        userAgent: meta.userAgent,
      });
    }
    return row;
  });
  if (!deleted) throw notFound("Export");
  // A running job finds its row gone at the next checkpoint and stops.
  if (isActive(deleted.status)) await getRunner().cancel({ id: deleted.id, userId });
  await removeObject(deleted.fileKey ?? storageKeyFor(deleted));
}

/**
 * Deletes a project with everything in it: running exports are cancelled, the
 * export rows removed (their audit trail stays), then the files.
 */
export async function deleteProjectWithExports(
  { userId, projectId, meta = {} }: { userId: string; projectId: string; meta?: RequestMeta },
  dbIn?: Db,
) {
  const db = await dbOr(dbIn);
  const removed = await db.transaction(async (tx) => {
    const docs = await tx
      .select({ id: documents.id })
      .from(documents)
      .innerJoin(projects, eq(projects.id, documents.projectId))
      .where(and(eq(documents.projectId, projectId), eq(projects.userId, userId)));
    const documentIds = docs.map((d) => d.id);
    const [project] = await tx
      .delete(projects)
      .where(and(eq(projects.id, projectId), eq(projects.userId, userId)))
      .returning({ id: projects.id });
    if (!project) throw notFound("Project");
    // Its schedules, and those of its documents, pause at once (SPEC §13.3).
    await pauseForDeletedSource(tx, userId, { projectId, documentIds });
    const rows = await tx
      .delete(exports)
      .where(and(eq(exports.projectId, projectId), eq(exports.userId, userId)))
      .returning();
    for (const row of rows) {
      await recordEvent(tx, {
        exportId: row.id,
        userId,
        type: "deleted",
        data: { status: row.status, reason: "project deleted" },
        ip: meta.ip,
        userAgent: meta.userAgent,
      });
    }
    return rows;
  });
  for (const row of removed) {
    if (isActive(row.status)) await getRunner().cancel({ id: row.id, userId });
    await removeObject(row.fileKey ?? storageKeyFor(row));
  }
}
