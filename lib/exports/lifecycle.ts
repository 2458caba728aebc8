/**
 * Every status change of an export goes through `transition()` (SPEC §7): the
 * new status and its audit event are written in one transaction, and only if
 * the export is still in one of the `from` statuses — two workers, or a
 * cancel racing a finish, can never both move it. The rules of which status
 * allows what live in ./model.ts.
 */
import { and, eq, inArray, type SQL } from "drizzle-orm";
import type { PgUpdateSetSource } from "drizzle-orm/pg-core";
import type { Db, Tx } from "@/db";
import { exports, type ExportRow, type ExportStatus } from "@/db/schema";
import { recordExportOutcome } from "@/lib/schedules/pause";
import { emitExportStatusEvent, notifyWebhooks } from "@/lib/webhooks/outbox";
import { recordEvent, type EventInput } from "./events";

export type TransitionEvent = Omit<EventInput, "exportId" | "userId"> & { userId?: string };

export type Transition = {
  /** The statuses the export may be in now; in any other, nothing changes. */
  from: readonly ExportStatus[];
  to: ExportStatus;
  /** Other columns to write with the status (updatedAt is always set). */
  set?: Omit<PgUpdateSetSource<typeof exports>, "id" | "status">;
  /** Extra conditions, e.g. the owner (`eq(exports.userId, userId)`). */
  where?: SQL;
  /** The audit event; a function sees the updated row (attempts, timestamps). */
  event: TransitionEvent | ((row: ExportRow) => TransitionEvent);
};

/**
 * Moves export `id` to `t.to` when its status is one of `t.from`, and records
 * the event in the same transaction. Returns the updated row, or null when
 * the export is not there or not in a `from` status (someone else moved it:
 * the caller decides what that means).
 */
export async function transition(db: Db | Tx, id: string, t: Transition): Promise<ExportRow | null> {
  const run = async (tx: Db | Tx) => {
    const [row] = await tx
      .update(exports)
      .set({ updatedAt: new Date(), ...t.set, status: t.to })
      .where(and(eq(exports.id, id), inArray(exports.status, [...t.from]), t.where))
      .returning();
    if (!row) return null;
    const event = typeof t.event === "function" ? t.event(row) : t.event;
    await recordEvent(tx, { ...event, exportId: id, userId: event.userId ?? row.userId });
    // Webhooks (SPEC §14.1): the outbox messages of this change, in this transaction; sent after the commit.
    messageIds = await emitExportStatusEvent(tx, row, t.to);
    // A scheduled export's end counts for its schedule (failures in a row pause it, SPEC §13.3), in this transaction.
    if (row.scheduleId && (t.to === "completed" || t.to === "failed")) await recordExportOutcome(tx, row);
    return row;
  };
  let messageIds: string[] = [];
  // A Tx is already inside a transaction; a Db gets one of its own.
  const row = await (isTx(db) ? run(db) : (db as Db).transaction((tx) => run(tx)));
  notifyWebhooks(messageIds);
  return row;
}

function isTx(db: Db | Tx): db is Tx {
  return typeof (db as Partial<Tx>).rollback === "function";
}
