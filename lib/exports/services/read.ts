/** Reading one export, its audit trail, or its progress by task id — each scoped to its owner inside the query. */
import { and, eq } from "drizzle-orm";
import type { Db, Tx } from "@/db";
import { exportEvents, exports, type ExportRow } from "@/db/schema";
import { notFound } from "@/lib/errors";
import { eventOut } from "../serialize";
import { dbOr } from "./db";
import { withUrl } from "./links";

export type ExportRef = { userId: string; id: string };

/** The caller's export, or not_found (also for another user's). */
export async function findOwned(db: Db | Tx, { userId, id }: ExportRef): Promise<ExportRow> {
  const [row] = await db
    .select()
    .from(exports)
    .where(and(eq(exports.id, id), eq(exports.userId, userId)));
  if (!row) throw notFound("Export");
  return row;
}

export async function getExport(ref: ExportRef, db?: Db) {
  return withUrl(await findOwned(await dbOr(db), ref));
}

export async function listEvents({ userId, id }: ExportRef, db?: Db) {
  // The trail outlives the export, so it is scoped through the event's own owner.
  const rows = await (
    await dbOr(db)
  )
    .select()
    .from(exportEvents)
    .where(and(eq(exportEvents.exportId, id), eq(exportEvents.userId, userId)))
    .orderBy(exportEvents.createdAt, exportEvents.id);
  if (rows.length === 0) throw notFound("Export");
  return { events: rows.map(eventOut) };
}

export async function taskStatus({ userId, taskId }: { userId: string; taskId: string }, db?: Db) {
  const [row] = await (
    await dbOr(db)
  )
    .select()
    .from(exports)
    .where(and(eq(exports.taskId, taskId), eq(exports.userId, userId)));
  if (!row) throw notFound("Task");
  return {
    task_id: row.taskId,
    export_id: row.id,
    status: row.status,
    progress: { percent: row.progress, step: row.progressStep },
    error: row.errorMessage ? { message: row.errorMessage, kind: row.errorKind } : null,
    created_at: row.createdAt.toISOString(),
    started_at: row.startedAt?.toISOString() ?? null,
    completed_at: row.completedAt?.toISOString() ?? null,
  };
}
