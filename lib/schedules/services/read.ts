/**
 * Reading schedules: one, or all of a user's, each with its source's name
 * and its last export's status joined in (both null when gone). Every join
 * is scoped to the owner.
 */
import { and, desc, eq, sql, type SQL } from "drizzle-orm";
import type { Db, Tx } from "@/db";
import { documents, exportSchedules, exports, projects, type ExportScheduleRow } from "@/db/schema";
import { notFound } from "@/lib/errors";
import { dbOr } from "@/lib/exports/services/db";
import { scheduleOut, type ScheduleRowIn } from "../serialize";

export type ScheduleRef = { userId: string; id: string };

function selectWithJoins(db: Db | Tx, userId: string, where: SQL) {
  return db
    .select({
      schedule: exportSchedules,
      // Null unless the source is there and the owner's (the projects join is owner-scoped).
      sourceName: sql<
        string | null
      >`case when ${projects.id} is null then null when ${exportSchedules.sourceType} = 'document' then ${documents.name} else ${projects.name} end`,
      lastExportStatus: exports.status,
    })
    .from(exportSchedules)
    .leftJoin(documents, and(eq(exportSchedules.sourceType, "document"), eq(documents.id, exportSchedules.sourceId)))
    .leftJoin(
      projects,
      and(
        eq(projects.userId, userId),
        sql`${projects.id} = case when ${exportSchedules.sourceType} = 'document' then ${documents.projectId} else ${exportSchedules.sourceId} end`,
      ),
    )
    .leftJoin(exports, and(eq(exports.id, exportSchedules.lastExportId), eq(exports.userId, userId)))
    .where(and(eq(exportSchedules.userId, userId), where));
}

function toRowIn(r: {
  schedule: ExportScheduleRow;
  sourceName: string | null;
  lastExportStatus: ScheduleRowIn["lastExportStatus"];
}): ScheduleRowIn {
  return { ...r.schedule, sourceName: r.sourceName, lastExportStatus: r.lastExportStatus };
}

/** The owner's schedule row, or not_found. */
export async function findOwnedSchedule(db: Db | Tx, { userId, id }: ScheduleRef): Promise<ExportScheduleRow> {
  const [row] = await db
    .select()
    .from(exportSchedules)
    .where(and(eq(exportSchedules.id, id), eq(exportSchedules.userId, userId)));
  if (!row) throw notFound("Schedule");
  return row;
}

export async function getScheduleOut(db: Db | Tx, { userId, id }: ScheduleRef) {
  const [row] = await selectWithJoins(db, userId, eq(exportSchedules.id, id));
  if (!row) throw notFound("Schedule");
  return scheduleOut(toRowIn(row));
}

/** GET /api/schedules/{id} */
export async function getSchedule(ref: ScheduleRef, dbIn?: Db) {
  return getScheduleOut(await dbOr(dbIn), ref);
}

/** GET /api/schedules: newest first (at most 50 per user, so no paging). */
export async function listSchedules({ userId }: { userId: string }, dbIn?: Db) {
  const db = await dbOr(dbIn);
  const rows = await selectWithJoins(db, userId, sql`true`).orderBy(desc(exportSchedules.createdAt), desc(exportSchedules.id));
  return { schedules: rows.map((r) => scheduleOut(toRowIn(r))), total: rows.length };
}
