/**
 * Progress of a running export: throttled writes of percent, step and count
 * that double as the heartbeat (the stall sweep's sign of life) and as the
 * cancellation check (the write finds the export no longer processing).
 */
import { and, eq } from "drizzle-orm";
import type { Db } from "@/db";
import { exports } from "@/db/schema";
import { logger } from "@/lib/logger";
import { ExportCancelledError, type Progress } from "../formats/types";

const PROGRESS_INTERVAL_MS = 1000;
/** The stall sweep's EXPORT_STALL_SECONDS must stay a few of these long. */
export const HEARTBEAT_INTERVAL_MS = 10_000;

/** Progress reporting: throttled writes that double as heartbeat and cancellation check. */
export function createProgress(
  db: Db,
  exportId: string,
  rowsTotal: number,
  abort: AbortController,
  /** The percentage from the records written, when not their share of rowsTotal (a bundle's parts, SPEC §14.3). */
  percentOf?: (records: number) => number,
) {
  let records = 0;
  let step = "Rendering";
  let lastWrite = 0;
  let cancelled = false;

  const write = async () => {
    lastWrite = Date.now();
    const percent = percentOf ? percentOf(records) : rowsTotal > 0 ? Math.min(95, Math.floor((records / rowsTotal) * 95)) : 50;
    const [row] = await db
      .update(exports)
      .set({ progress: percent, progressStep: step, recordsCount: records, heartbeatAt: new Date(), updatedAt: new Date() })
      .where(and(eq(exports.id, exportId), eq(exports.status, "processing")))
      .returning({ id: exports.id });
    if (!row) {
      cancelled = true;
      abort.abort(new ExportCancelledError());
    }
  };

  const progress: Progress = {
    async advance(n, newStep) {
      records += n;
      if (newStep) step = newStep;
      if (cancelled) throw new ExportCancelledError();
      if (Date.now() - lastWrite >= PROGRESS_INTERVAL_MS) await write();
      if (cancelled) throw new ExportCancelledError();
    },
    // A new step is written at once, past the throttle: there are a handful per export (an Excel
    // sheet, a bundle's part), and each is worth seeing — a bundle of quick parts would otherwise
    // show only the ones that happened to straddle a second.
    async step(newStep) {
      const changed = newStep !== step;
      step = newStep;
      if (cancelled) throw new ExportCancelledError();
      if (changed || Date.now() - lastWrite >= PROGRESS_INTERVAL_MS) await write();
      if (cancelled) throw new ExportCancelledError();
    },
  };

  // Renderers may spend a while without rows (e.g. zipping a workbook): keep
  // the heartbeat alive so the stall sweep does not take the job away.
  const timer = setInterval(() => {
    if (Date.now() - lastWrite >= HEARTBEAT_INTERVAL_MS) write().catch((err) => logger.warn("heartbeat failed", { exportId, error: err }));
  }, HEARTBEAT_INTERVAL_MS);
  timer.unref();

  return { progress, stop: () => clearInterval(timer), isCancelled: () => cancelled };
}
