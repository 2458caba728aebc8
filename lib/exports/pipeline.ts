/**
 * The export pipeline (SPEC §7): three idempotent stages that both runners
 * call — start (claim), render-and-upload (stream source → renderer → storage),
 * finish (verify and complete) — plus failure handling, the stall sweep and
 * the expiry cleanup. Nothing here keeps state in memory between calls.
 */
import { PassThrough } from "node:stream";
import { and, eq, inArray, lt, sql } from "drizzle-orm";
import { getDb, type Db } from "@/db";
import { documents, exports, projects, storageDeletions, type ExportRow } from "@/db/schema";
import { env } from "@/lib/env";
import { logger } from "@/lib/logger";
import { sanitizeFileName } from "@/lib/storage/content-disposition";
import { getStorage, type DiskStorage } from "@/lib/storage";
import { errorKindOf, ExportJobError, readableMessage, userError } from "./errors";
import { recordEvent } from "./events";
import { transition } from "./lifecycle";
import { RENDERERS } from "./formats";
import { ExportCancelledError, type ExportSource, type Progress } from "./formats/types";
import type { NormalisedOptions } from "./schemas";
import { readExportSource } from "./source";

/** What render-and-upload hands to finish: keys, sizes and counts, never bytes. */
export type StoredFile = {
  fileKey: string;
  fileName: string;
  fileSize: number;
  checksumSha256: string;
  contentType: string;
  records: number;
  rowsTotal: number;
  warnings: string[];
};

const PROGRESS_INTERVAL_MS = 1000;
const HEARTBEAT_INTERVAL_MS = 10_000;
const ACTIVE = ["pending", "processing"] as const;

export function storageKeyFor(row: Pick<ExportRow, "projectId" | "id" | "format">): string {
  return `exports/${row.projectId}/${row.id}.${RENDERERS[row.format].extension}`;
}

async function loadRow(db: Db, exportId: string): Promise<ExportRow | undefined> {
  const [row] = await db.select().from(exports).where(eq(exports.id, exportId));
  return row;
}

/**
 * Stage 1: claim a pending export (a conditional update, so two workers can
 * never both run it). Returns false when there is nothing to do: already
 * terminal, or being run by someone else.
 */
export async function start(exportId: string): Promise<boolean> {
  const db = await getDb();
  const now = new Date();
  const claimed = await db.transaction(async (tx) => {
    const [row] = await tx
      .update(exports)
      .set({
        status: "processing",
        attempts: sql`${exports.attempts} + 1`,
        startedAt: now,
        heartbeatAt: now,
        progress: 0,
        progressStep: "Starting",
        recordsCount: 0,
        errorMessage: null,
        errorKind: null,
        updatedAt: now,
      })
      .where(and(eq(exports.id, exportId), eq(exports.status, "pending")))
      .returning();
    if (row) await recordEvent(tx, { exportId, userId: row.userId, type: "started", data: { attempt: row.attempts } });
    return row;
  });
  return Boolean(claimed);
}

/** Progress reporting: throttled writes that double as heartbeat and cancellation check. */
function createProgress(db: Db, exportId: string, rowsTotal: number, abort: AbortController) {
  let records = 0;
  let step = "Rendering";
  let lastWrite = 0;
  let cancelled = false;

  const write = async () => {
    lastWrite = Date.now();
    const percent = rowsTotal > 0 ? Math.min(95, Math.floor((records / rowsTotal) * 95)) : 50;
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
    async step(newStep) {
      step = newStep;
      if (cancelled) throw new ExportCancelledError();
      if (Date.now() - lastWrite >= PROGRESS_INTERVAL_MS) await write();
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

/**
 * Stage 2: read the source in pages, render and stream to storage under the
 * export's deterministic key (a re-run overwrites). Throws ExportJobError for
 * user errors, ExportCancelledError when cancelled, anything else is system.
 */
export async function renderAndUpload(exportId: string, opts: { signal?: AbortSignal } = {}): Promise<StoredFile> {
  const db = await getDb();
  const row = await loadRow(db, exportId);
  if (!row || row.status !== "processing") throw new ExportCancelledError();
  const input = {
    exportId: row.id,
    userId: row.userId,
    type: row.type === "document_export" ? ("document" as const) : ("project" as const),
    projectId: row.projectId,
    documentId: row.documentId,
    options: row.options as NormalisedOptions,
    generatedAt: new Date(),
  };
  // The rows are read over a connection of their own; the export's own row, its progress
  // and heartbeat are written through the shared pool.
  return readExportSource(input, (source) => renderWith(db, row, source, input.options, opts));
}

async function renderWith(db: Db, row: ExportRow, source: ExportSource, options: NormalisedOptions, opts: { signal?: AbortSignal }): Promise<StoredFile> {
  const exportId = row.id;
  const renderer = RENDERERS[row.format];
  if (row.format === "pdf" && source.rowsTotal > env.PDF_MAX_ROWS) {
    throw userError(pdfCapMessage(source.rowsTotal));
  }
  await db
    .update(exports)
    .set({ rowsTotal: source.rowsTotal, progressStep: "Rendering", heartbeatAt: new Date(), updatedAt: new Date() })
    .where(eq(exports.id, exportId));

  const key = storageKeyFor(row);
  const storage = getStorage();
  const abort = new AbortController();
  const onOuterAbort = () => abort.abort(opts.signal?.reason ?? new ExportCancelledError());
  opts.signal?.addEventListener("abort", onOuterAbort, { once: true });
  const tracker = createProgress(db, exportId, source.rowsTotal, abort);
  // Small on purpose: a chunk that waits here long enough to outlive two young-generation
  // collections is promoted, and its buffer is then freed only by a full GC. With 1 MB here,
  // such buffers made a million-row JSON export's peak RSS 2–3× the 100k-row one's.
  const body = new PassThrough({ highWaterMark: 64 * 1024 });
  // The renderer sees an upload failure through body.errored; without a listener the
  // 'error' event of a store that rejects before reading the body would be an uncaught exception.
  body.on("error", () => {});
  const upload = storage.put(key, body, { contentType: renderer.contentType, signal: abort.signal });
  // Surface upload failures to the renderer at once instead of letting it write into a dead pipe.
  upload.catch((err) => body.destroy(err instanceof Error ? err : new Error(String(err))));

  try {
    const result = await renderer.render(source, options, body, tracker.progress);
    body.end();
    const stored = await upload;
    if (tracker.isCancelled()) throw new ExportCancelledError();
    // Rows vanish silently from a keyset read when their source is deleted mid-run:
    // refuse to call a truncated file complete.
    await assertSourceStillExists(db, row);
    return {
      fileKey: key,
      fileName: sanitizeFileName(row.name, renderer.extension),
      fileSize: stored.size,
      checksumSha256: stored.checksumSha256,
      contentType: renderer.contentType,
      records: result.records,
      rowsTotal: source.rowsTotal,
      warnings: result.warnings,
    };
  } catch (err) {
    if (!abort.signal.aborted) abort.abort(err);
    body.destroy();
    await upload.catch(() => {});
    await removeObject(key);
    throw tracker.isCancelled() || abort.signal.reason instanceof ExportCancelledError ? new ExportCancelledError() : err;
  } finally {
    tracker.stop();
    opts.signal?.removeEventListener("abort", onOuterAbort);
  }
}

async function assertSourceStillExists(db: Db, row: ExportRow) {
  const [project] = await db.select({ id: projects.id }).from(projects).where(and(eq(projects.id, row.projectId), eq(projects.userId, row.userId)));
  if (!project) throw userError("The project was deleted while the export was running.");
  if (row.documentId) {
    const [doc] = await db.select({ id: documents.id }).from(documents).where(eq(documents.id, row.documentId));
    if (!doc) throw userError("The document was deleted while the export was running.");
  }
}

/**
 * Stage 3: verify the stored object's size, then mark completed. Returns false
 * when the export was cancelled meanwhile (its object is removed).
 */
export async function finish(exportId: string, file: StoredFile): Promise<boolean> {
  const db = await getDb();
  const head = await getStorage().head(file.fileKey);
  if (!head || head.size !== file.fileSize) {
    throw new ExportJobError(
      "system",
      `The stored file does not match what was written (expected ${file.fileSize} bytes, found ${head ? head.size : "no file"}).`,
    );
  }
  const now = new Date();
  const expiresAt = new Date(now.getTime() + env.EXPORT_RETENTION_DAYS * 24 * 3600 * 1000);
  const done = await db.transaction(async (tx) => {
    // The export may have been renamed while it rendered: name the file after the current name.
    const [current] = await tx.select({ name: exports.name, format: exports.format }).from(exports).where(eq(exports.id, exportId));
    const fileName = current ? sanitizeFileName(current.name, RENDERERS[current.format].extension) : file.fileName;
    const [row] = await tx
      .update(exports)
      .set({
        status: "completed",
        progress: 100,
        progressStep: "Completed",
        recordsCount: file.records,
        rowsTotal: file.rowsTotal,
        fileKey: file.fileKey,
        fileName,
        fileSize: file.fileSize,
        contentType: file.contentType,
        checksumSha256: file.checksumSha256,
        warnings: file.warnings,
        completedAt: now,
        expiresAt,
        heartbeatAt: now,
        updatedAt: now,
      })
      .where(and(eq(exports.id, exportId), eq(exports.status, "processing")))
      .returning();
    if (row) {
      await recordEvent(tx, {
        exportId,
        userId: row.userId,
        type: "completed",
        data: { file_size: file.fileSize, records: file.records, duration_ms: row.startedAt ? now.getTime() - row.startedAt.getTime() : null },
      });
    }
    return row;
  });
  if (!done) await removeObject(file.fileKey);
  return Boolean(done);
}

/**
 * Records a failure. `final` marks the export failed (partial object removed);
 * otherwise it goes back to pending for another attempt.
 */
export async function fail(exportId: string, err: unknown, opts: { final: boolean }): Promise<void> {
  const db = await getDb();
  const kind = errorKindOf(err);
  const message = readableMessage(err);
  const now = new Date();
  if (kind === "system") logger.error("export attempt failed", { exportId, final: opts.final, error: err });
  const row = await db.transaction(async (tx) => {
    const [updated] = await tx
      .update(exports)
      .set(
        opts.final
          ? { status: "failed", errorMessage: message, errorKind: kind, progressStep: "Failed", heartbeatAt: null, updatedAt: now }
          : { status: "pending", errorMessage: message, errorKind: kind, progressStep: "Waiting to retry", heartbeatAt: null, updatedAt: now },
      )
      .where(and(eq(exports.id, exportId), inArray(exports.status, [...ACTIVE])))
      .returning();
    if (updated) {
      await recordEvent(tx, {
        exportId,
        userId: updated.userId,
        type: opts.final ? "failed" : "retried",
        data: { message, kind, attempt: updated.attempts, automatic: !opts.final },
      });
    }
    return updated;
  });
  if (row && opts.final) await removeObject(storageKeyFor(row));
}

export type RunOutcome = "completed" | "failed" | "retry" | "cancelled" | "skipped";

/** All three stages in sequence, with error classification (the inline runner's job). */
export async function runExport(exportId: string, opts: { signal?: AbortSignal; firstAttempt?: number } = {}): Promise<RunOutcome> {
  if (!(await start(exportId))) return "skipped";
  try {
    const file = await renderAndUpload(exportId, opts);
    return (await finish(exportId, file)) ? "completed" : "cancelled";
  } catch (err) {
    if (err instanceof ExportCancelledError) return "cancelled";
    const db = await getDb();
    const row = await loadRow(db, exportId);
    // Cancelled or deleted while it ran (e.g. its object removed under finish): not a failure.
    if (!row || row.status !== "processing") return "cancelled";
    // EXPORTS_MAX_ATTEMPTS per run, as with Inngest's retries: attempts keep counting across manual retries.
    const attemptsThisRun = (row?.attempts ?? 0) - (opts.firstAttempt ?? 1) + 1;
    const final = errorKindOf(err) !== "system" || attemptsThisRun >= env.EXPORTS_MAX_ATTEMPTS;
    await fail(exportId, err, { final });
    return final ? "failed" : "retry";
  }
}

export function pdfCapMessage(rows: number): string {
  return (
    `PDF exports are limited to ${env.PDF_MAX_ROWS.toLocaleString("en-US")} measurements; this source has ${rows.toLocaleString("en-US")}. ` +
    `Export it as CSV or Excel instead.`
  );
}

/** Removes an object; when the store fails, the key is queued for the cleanup job. */
export async function removeObject(key: string): Promise<void> {
  try {
    await getStorage().delete(key);
  } catch (err) {
    logger.warn("storage delete failed; queued for retry", { key, error: err });
    const db = await getDb();
    await db
      .insert(storageDeletions)
      .values({ fileKey: key, lastError: readableMessage(err) })
      .onConflictDoUpdate({ target: storageDeletions.fileKey, set: { lastError: readableMessage(err), updatedAt: new Date() } });
  }
}

/**
 * Stall sweep: a `processing` export whose heartbeat is older than the stall
 * timeout goes back to pending (returned, to be re-queued), or fails with kind
 * `timeout` after its last attempt. `includeAllProcessing` treats every
 * processing export as stalled (embedded start-up: no other process can own one).
 */
export async function sweepStalled(opts: { includeAllProcessing?: boolean } = {}): Promise<{ requeued: { id: string; userId: string }[]; failed: string[] }> {
  const db = await getDb();
  const cutoff = new Date(Date.now() - env.EXPORT_STALL_SECONDS * 1000);
  const stalled = await db
    .select({ id: exports.id, userId: exports.userId, attempts: exports.attempts })
    .from(exports)
    .where(
      and(
        eq(exports.status, "processing"),
        opts.includeAllProcessing ? undefined : sql`coalesce(${exports.heartbeatAt}, ${exports.updatedAt}) < ${cutoff.toISOString()}`,
      ),
    );
  const requeued: { id: string; userId: string }[] = [];
  const failed: string[] = [];
  for (const s of stalled) {
    const final = s.attempts >= env.EXPORTS_MAX_ATTEMPTS;
    const err = new ExportJobError(
      "timeout",
      final
        ? `The export stopped making progress and was given up after ${s.attempts} attempts.`
        : "The export stopped making progress (the worker may have restarted); it will be retried.",
    );
    await fail(s.id, err, { final });
    if (final) failed.push(s.id);
    else requeued.push({ id: s.id, userId: s.userId });
  }
  return { requeued, failed };
}

/**
 * Retention: completed exports past `expires_at` lose their file and become
 * `expired` (the row is kept); failed storage deletions are retried.
 */
export async function cleanupExpired(now = new Date()): Promise<{ expired: number; deletionsRetried: number; tempFilesRemoved: number }> {
  const db = await getDb();
  const due = await db
    .select()
    .from(exports)
    .where(and(eq(exports.status, "completed"), lt(exports.expiresAt, now)))
    .limit(1000);
  let expired = 0;
  for (const row of due) {
    const updated = await transition(db, row.id, {
      from: ["completed"],
      to: "expired",
      set: { progressStep: "Expired" },
      event: { type: "expired", data: { expires_at: row.expiresAt?.toISOString() } },
    });
    if (!updated) continue;
    expired++;
    // After the commit: a file whose delete fails is queued, never left behind by a rolled-back status.
    if (row.fileKey) await removeObject(row.fileKey);
  }

  const queued = await db.select().from(storageDeletions).limit(1000);
  let deletionsRetried = 0;
  for (const q of queued) {
    try {
      await getStorage().delete(q.fileKey);
      await db.delete(storageDeletions).where(eq(storageDeletions.id, q.id));
      deletionsRetried++;
    } catch (err) {
      await db
        .update(storageDeletions)
        .set({ attempts: q.attempts + 1, lastError: readableMessage(err), updatedAt: new Date() })
        .where(eq(storageDeletions.id, q.id));
    }
  }
  // Temp files left by a process killed mid-write (disk driver only; S3 relies on the bucket's multipart lifecycle rule).
  const storage = getStorage() as Partial<DiskStorage>;
  const tempFilesRemoved = typeof storage.sweepTemp === "function" ? await storage.sweepTemp(6 * 3600 * 1000) : 0;
  return { expired, deletionsRetried, tempFilesRemoved };
}
