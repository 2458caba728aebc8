/** The export audit trail (SPEC §3 export_events): one row per transition. */
import type { Db, Tx } from "@/db";
import { exportEvents, type ExportEventType } from "@/db/schema";

/** Where a request came from, recorded with the events it causes. */
export type RequestMeta = { ip?: string | null; userAgent?: string | null };

export type EventInput = {
  exportId: string;
  userId: string;
  type: ExportEventType;
  data?: Record<string, unknown>;
  ip?: string | null;
  userAgent?: string | null;
};

export async function recordEvent(db: Db | Tx, e: EventInput) {
  await db.insert(exportEvents).values({
    exportId: e.exportId,
    userId: e.userId,
    type: e.type,
    data: e.data ?? {},
    ip: e.ip ?? null,
    userAgent: e.userAgent ? e.userAgent.slice(0, 500) : null,
    createdAt: new Date(),
  });
}
