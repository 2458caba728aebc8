/**
 * The export pipeline's stages (SPEC §7), which both runners call: start
 * (claim), render-and-upload (stream source → renderer → storage), finish
 * (verify and complete), plus fail and runExport (all three in sequence, the
 * inline runner's job). Every status change goes through transition().
 * Nothing here keeps state in memory between calls.
 */
import { PassThrough, type Writable } from "node:stream";
import { and, eq, sql } from "drizzle-orm";
import { getDb, type Db } from "@/db";
import { documents, exports, projects, type ExportRow } from "@/db/schema";
import { env } from "@/lib/env";
import { logger } from "@/lib/logger";
import { sanitizeFileName } from "@/lib/storage/content-disposition";
import { getStorage } from "@/lib/storage";
import { errorKindOf, ExportJobError, readableMessage, userError } from "../errors";
import { fileTypeOf, RENDERERS } from "../formats";
import { bundleJob } from "../bundles/render";
import { ExportCancelledError, type ExportSource, type Progress, type RenderResult } from "../formats/types";
import { transition } from "../lifecycle";
import { ACTIVE_STATUSES, isFinalFailure } from "../model";
import type { NormalisedOptions } from "../schemas";
import { readExportSource } from "../source";
import { removeObject } from "./deletions";
import { createProgress } from "./progress";

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

export function storageKeyFor(row: Pick<ExportRow, "projectId" | "id" | "format">): string {
  return `exports/${row.projectId}/${row.id}.${fileTypeOf(row.format).extension}`;
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
  const claimed = await transition(db, exportId, {
    from: ["pending"],
    to: "processing",
    set: {
      attempts: sql`${exports.attempts} + 1`,
      startedAt: now,
      heartbeatAt: now,
      progress: 0,
      progressStep: "Starting",
      recordsCount: 0,
      errorMessage: null,
      errorKind: null,
    },
    event: (row) => ({ type: "started", data: { attempt: row.attempts } }),
  });
  return Boolean(claimed);
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
  if (row.type === "bulk_export") {
    // SPEC §14.3: every part rendered into one .zip, uploaded as one file.
    const bundle = bundleJob(db, row);
    return uploadWith(db, row, { rowsTotal: 0, percentOf: bundle.percent }, opts, (body, progress) => bundle.render(body, progress));
  }
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

async function renderWith(
  db: Db,
  row: ExportRow,
  source: ExportSource,
  options: NormalisedOptions,
  opts: { signal?: AbortSignal },
): Promise<StoredFile> {
  const exportId = row.id;
  if (row.format === "zip") throw new Error("A bundle is rendered by bundleJob");
  const renderer = RENDERERS[row.format];
  if (row.format === "pdf" && source.rowsTotal > env.PDF_MAX_ROWS) {
    throw userError(pdfCapMessage(source.rowsTotal));
  }
  await db
    .update(exports)
    .set({ rowsTotal: source.rowsTotal, progressStep: "Rendering", heartbeatAt: new Date(), updatedAt: new Date() })
    .where(eq(exports.id, exportId));
  return uploadWith(db, row, { rowsTotal: source.rowsTotal }, opts, async (body, progress) => ({
    ...(await renderer.render(source, options, body, progress)),
    rowsTotal: source.rowsTotal,
  }));
}

/**
 * Streams what `produce` writes to storage under the export's key, with
 * progress, heartbeat and cancellation; on any failure the partial object is
 * removed.
 */
async function uploadWith(
  db: Db,
  row: ExportRow,
  count: { rowsTotal: number; percentOf?: (records: number) => number },
  opts: { signal?: AbortSignal },
  produce: (body: Writable, progress: Progress) => Promise<RenderResult & { rowsTotal: number }>,
): Promise<StoredFile> {
  const exportId = row.id;
  const fileType = fileTypeOf(row.format);
  const key = storageKeyFor(row);
  const storage = getStorage();
  const abort = new AbortController();
  const onOuterAbort = () => abort.abort(opts.signal?.reason ?? new ExportCancelledError());
  opts.signal?.addEventListener("abort", onOuterAbort, { once: true });
  const tracker = createProgress(db, exportId, count.rowsTotal, abort, count.percentOf);
  // Small on purpose: a chunk that waits here long enough to outlive two young-generation
  // collections is promoted, and its buffer is then freed only by a full GC. With 1 MB here,
  // such buffers made a million-row JSON export's peak RSS 2–3× the 100k-row one's.
  const body = new PassThrough({ highWaterMark: 64 * 1024 });
  // The renderer sees an upload failure through body.errored; without a listener the
  // 'error' event of a store that rejects before reading the body would be an uncaught exception.
  body.on("error", () => {});
  const upload = storage.put(key, body, { contentType: fileType.contentType, signal: abort.signal });
  // Surface upload failures to the renderer at once instead of letting it write into a dead pipe.
  upload.catch((err) => body.destroy(err instanceof Error ? err : new Error(String(err))));

  try {
    const result = await produce(body, tracker.progress);
    body.end();
    const stored = await upload;
    if (tracker.isCancelled()) throw new ExportCancelledError();
    // Rows vanish silently from a keyset read when their source is deleted mid-run:
    // refuse to call a truncated file complete.
    await assertSourceStillExists(db, row);
    return {
      fileKey: key,
      fileName: sanitizeFileName(row.name, fileType.extension),
      fileSize: stored.size,
      checksumSha256: stored.checksumSha256,
      contentType: fileType.contentType,
      records: result.records,
      rowsTotal: result.rowsTotal,
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
  const [project] = await db
    .select({ id: projects.id })
    .from(projects)
    .where(and(eq(projects.id, row.projectId), eq(projects.userId, row.userId)));
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
    const fileName = current ? sanitizeFileName(current.name, fileTypeOf(current.format).extension) : file.fileName;
    return transition(tx, exportId, {
      from: ["processing"],
      to: "completed",
      set: {
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
      },
      event: (row) => ({
        type: "completed",
        data: {
          file_size: file.fileSize,
          records: file.records,
          duration_ms: row.startedAt ? now.getTime() - row.startedAt.getTime() : null,
        },
      }),
    });
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
  const row = await transition(db, exportId, {
    from: ACTIVE_STATUSES,
    to: opts.final ? "failed" : "pending",
    set: {
      errorMessage: message,
      errorKind: kind,
      progressStep: opts.final ? "Failed" : "Waiting to retry",
      heartbeatAt: null,
      updatedAt: now,
    },
    event: (updated) => ({
      type: opts.final ? "failed" : "retried",
      data: { message, kind, attempt: updated.attempts, automatic: !opts.final },
    }),
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
    const final = isFinalFailure(errorKindOf(err), attemptsThisRun, env.EXPORTS_MAX_ATTEMPTS);
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
