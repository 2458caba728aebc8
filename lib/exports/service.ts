/**
 * The exports service: everything the /api/exports routes and the dashboard
 * do, each query scoped to its owner inside the query. Creation writes the
 * row first and then hands it to the runner (STYLE: insert, then send).
 */
import crypto from "node:crypto";
import { and, count, desc, eq, fillPlaceholders, gte, ilike, inArray, isNotNull, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { getDb, queryRows, type Db, type Tx } from "@/db";
import {
  conditions,
  documents,
  EXPORT_FORMATS,
  EXPORT_STATUSES,
  EXPORT_TYPES,
  exportCounts,
  exportEvents,
  exports,
  measurements,
  pages,
  projects,
  type ExportFormat,
  type ExportRow,
} from "@/db/schema";
import { AppError, notFound, validationError } from "@/lib/api/errors";
import { parseId } from "@/lib/api/request";
import { env } from "@/lib/env";
import { logger } from "@/lib/logger";
import { getStorage } from "@/lib/storage";
import { sanitizeFileName } from "@/lib/storage/content-disposition";
import { createSignedUrlCache, type SignedUrlCache } from "@/lib/storage/signed-url-cache";
import { recordEvent } from "./events";
import { RENDERERS } from "./formats";
import { pdfCapMessage, removeObject, storageKeyFor } from "./pipeline";
import { getRunner } from "./runner";
import { normaliseOptions, type CreateExportBody, type NormalisedOptions } from "./schemas";
import { eventOut, EXPORT_OUT_FIELDS, exportOut, iso, type ExportOut, type ExportRowIn } from "./serialize";

const ACTIVE_STATUSES = ["pending", "processing"] as const;
const RETRYABLE_STATUSES = ["failed", "cancelled", "expired"] as const;
const IDEMPOTENCY_WINDOW_MS = 24 * 3600 * 1000;
/** Downloads redirect to a URL that lives only long enough to start the transfer. */
const DOWNLOAD_URL_TTL_SECONDS = 300;

export type SourceRef = { type: "document" | "project"; id: string };
export type RequestMeta = { ip?: string | null; userAgent?: string | null };

type ResolvedSource = {
  type: "document_export" | "project_export";
  projectId: string;
  documentId: string | null;
  /** "Structural Set.pdf" or the project name. */
  label: string;
};

// ---------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------

/**
 * Links in export objects (list, get, …) are signed once per file per minute
 * (lib/storage/signed-url-cache.ts); the download redirect's short-lived link
 * is signed fresh. One cache per process, on globalThis: Next.js may load this
 * module once per route bundle, and the list and the single export should
 * hand out the same link.
 */
const globalForLinks = globalThis as unknown as { __takeoffExportLinks?: SignedUrlCache };
const exportLinks = (globalForLinks.__takeoffExportLinks ??= createSignedUrlCache());

async function downloadUrlFor(row: ExportRowIn, link: { ttl: number; fresh?: boolean } = { ttl: env.EXPORT_URL_TTL_SECONDS }): Promise<{ url: string; expiresAt: Date } | null> {
  if (row.status !== "completed" || !row.fileKey) return null;
  const storage = getStorage();
  const opts = {
    fileName: row.fileName ?? row.fileKey.split("/").pop()!,
    contentType: row.contentType ?? "application/octet-stream",
    expiresInSeconds: link.ttl,
  };
  try {
    return await (link.fresh ? storage.signedUrl(row.fileKey, opts) : exportLinks.signedUrl(storage, row.fileKey, opts));
  } catch (err) {
    // A signing failure must not break reading the export (SPEC §5.1).
    logger.warn("could not sign download url", { exportId: row.id, error: err });
    return null;
  }
}

export async function withUrl(row: ExportRowIn): Promise<ExportOut> {
  return exportOut(row, (await downloadUrlFor(row))?.url ?? null);
}

async function findOwned(db: Db | Tx, userId: string, id: string): Promise<ExportRow> {
  const [row] = await db
    .select()
    .from(exports)
    .where(and(eq(exports.id, parseId(id, "Export")), eq(exports.userId, userId)));
  if (!row) throw notFound("Export");
  return row;
}

export const ListQuerySchema = z.strictObject({
  status: z.enum(EXPORT_STATUSES).optional(),
  format: z.enum([...EXPORT_FORMATS, "xlsx"]).transform((f) => (f === "xlsx" ? "excel" : f) as ExportFormat).optional(),
  type: z.enum(EXPORT_TYPES).optional(),
  project_id: z.string().uuid().optional(),
  document_id: z.string().uuid().optional(),
  q: z.string().trim().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
});
export type ListQuery = z.output<typeof ListQuerySchema>;

type Cursor = { t: string; i: string };

function encodeCursor(row: Pick<ExportRowIn, "createdAt" | "id">): string {
  return Buffer.from(JSON.stringify({ t: iso(row.createdAt), i: row.id } satisfies Cursor)).toString("base64url");
}

function decodeCursor(cursor: string): Cursor {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as Cursor;
    if (typeof value.t !== "string" || Number.isNaN(Date.parse(value.t)) || !z.string().uuid().safeParse(value.i).success) throw new Error();
    return value;
  } catch {
    throw new AppError("validation_failed", "cursor: is not a cursor this API returned", [{ path: "cursor", message: "invalid cursor" }]);
  }
}

function escapeLike(s: string) {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export const LIST_FILTERS = ["status", "format", "type", "project_id", "document_id", "q"] as const;
export type ListFilter = (typeof LIST_FILTERS)[number];

/**
 * The export object's fields as the list selects them, each named after its
 * row field: timestamps as ISO 8601 text made by PostgreSQL (the same text
 * as Date#toISOString), the file size as a double (int8 is text in
 * postgres.js), everything else as the driver decodes it.
 */
const LIST_COLUMNS: Record<string, SQL.Aliased> = Object.fromEntries(
  EXPORT_OUT_FIELDS.map((field) => {
    const column = exports[field];
    const value =
      column.columnType === "PgTimestamp"
        ? sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
        : column.columnType === "PgBigInt53"
          ? sql`${column}::float8`
          : sql`${column}`;
    return [field, value.as(field)];
  }),
);

/** A row of the list's page query. */
type ListRow = ExportRowIn & { total: number | string };

/**
 * The list query for one combination of filters (and whether a cursor is
 * given), with placeholders for the values: userId, status, format, type,
 * projectId, documentId, q (a LIKE pattern), cursorTime, cursorId, limit.
 *
 * The page's columns are the export object's fields (LIST_COLUMNS), read
 * without drizzle's row mapping (queryRows): mapping 21 whole rows (34
 * columns) and making Dates of their timestamps was ~15 % of a list request's CPU.
 *
 * The total rides along with the page as an uncorrelated scalar subquery
 * (PostgreSQL runs it once per statement), so a list request is one round
 * trip after authentication; only an empty page needs a second query for its
 * total. (A lateral join of the page to the count is the same single round
 * trip, but drizzle's row mapping of subquery fields cost more CPU than the
 * round trip saved.) Exported for the benchmark's EXPLAIN.
 */
export function listQuery(db: Db, used: ReadonlySet<ListFilter>, withCursor: boolean) {
  const p = sql.placeholder;
  const where = and(
    eq(exports.userId, p("userId")),
    used.has("status") ? eq(exports.status, p("status")) : undefined,
    used.has("format") ? eq(exports.format, p("format")) : undefined,
    used.has("type") ? eq(exports.type, p("type")) : undefined,
    used.has("project_id") ? eq(exports.projectId, p("projectId")) : undefined,
    used.has("document_id") ? eq(exports.documentId, p("documentId")) : undefined,
    used.has("q") ? ilike(exports.name, p("q")) : undefined,
  );
  const pageWhere = withCursor
    ? // A row comparison is one index range; the equivalent OR is a filter after the scan.
      and(where, sql`(${exports.createdAt}, ${exports.id}) < (${p("cursorTime")}::timestamptz, ${p("cursorId")}::uuid)`)
    : where;
  // Without filters other than the status, the total is read from the trigger-kept counts (db/schema.ts exportCounts).
  const total =
    used.size === 0 || (used.size === 1 && used.has("status"))
      ? db
          .select({ total: sql<number>`coalesce(sum(${exportCounts.n}), 0)`.mapWith(Number) })
          .from(exportCounts)
          .where(and(eq(exportCounts.userId, p("userId")), used.has("status") ? eq(exportCounts.status, p("status")) : undefined))
      : db.select({ total: count() }).from(exports).where(where);
  return {
    page: db
      .select({ ...LIST_COLUMNS, total: sql<number>`(${total})`.as("total") })
      .from(exports)
      .where(pageWhere)
      // NULLS LAST matches the indexes (the columns are NOT NULL, so the order is the same).
      .orderBy(sql`${exports.createdAt} desc nulls last`, sql`${exports.id} desc nulls last`)
      .limit(p("limit")),
    total,
  };
}

function prepareListStatements(db: Db, used: ReadonlySet<ListFilter>, withCursor: boolean, name: string) {
  const { page, total } = listQuery(db, used, withCursor);
  return { page: page.toSQL(), total: total.prepare(`${name}_total`) };
}

type ListStatements = ReturnType<typeof prepareListStatements>;
const listStatementCache = new WeakMap<Db, Map<string, ListStatements>>();

/**
 * The list is the API's hottest read (integrations poll it, so does the
 * dashboard). Each combination of filters is prepared once per database:
 * building the SQL text with drizzle on every request was ~10 % of the CPU of
 * a list request under load (`npm run bench`). Values are bound as
 * parameters, so there are at most 2^7 shapes.
 */
function listStatements(db: Db, used: ReadonlySet<ListFilter>, withCursor: boolean): ListStatements {
  let cache = listStatementCache.get(db);
  if (!cache) listStatementCache.set(db, (cache = new Map()));
  const key = LIST_FILTERS.filter((f) => used.has(f)).join("_") + (withCursor ? "_cursor" : "");
  let statements = cache.get(key);
  if (!statements) cache.set(key, (statements = prepareListStatements(db, used, withCursor, `list_exports_${key || "all"}`)));
  return statements;
}

/** Newest first, keyset-paged on (created_at, id) so concurrent inserts never shift a page. */
export async function listExports(userId: string, query: ListQuery) {
  const db = await getDb();
  // An empty search (`q=`) is no filter.
  const used = new Set(LIST_FILTERS.filter((f) => query[f]));
  const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
  const statements = listStatements(db, used, cursor !== undefined);
  const values = {
    userId,
    status: query.status,
    format: query.format,
    type: query.type,
    projectId: query.project_id,
    documentId: query.document_id,
    q: query.q ? `%${escapeLike(query.q)}%` : undefined,
    cursorTime: cursor ? new Date(cursor.t).toISOString() : undefined,
    cursorId: cursor?.i,
    limit: query.limit + 1,
  };
  const rows = await queryRows<ListRow>(db, statements.page.sql, fillPlaceholders(statements.page.params, values));
  const total = rows.length ? Number(rows[0].total) : (await statements.total.execute(values))[0].total;
  const page = rows.slice(0, query.limit);
  return {
    exports: await Promise.all(page.map(withUrl)),
    total,
    next_cursor: rows.length > query.limit ? encodeCursor(page[page.length - 1]) : null,
  };
}

/** Counts by status and total downloads, for the dashboard's summary cards. */
export async function exportStats(userId: string) {
  const db = await getDb();
  const rows = await db
    .select({ status: exports.status, n: count(), downloads: sql<number>`coalesce(sum(${exports.downloadCount}), 0)`.mapWith(Number) })
    .from(exports)
    .where(eq(exports.userId, userId))
    .groupBy(exports.status);
  const by = Object.fromEntries(rows.map((r) => [r.status, r.n])) as Partial<Record<string, number>>;
  return {
    total: rows.reduce((n, r) => n + r.n, 0),
    completed: by.completed ?? 0,
    in_progress: (by.pending ?? 0) + (by.processing ?? 0),
    failed: by.failed ?? 0,
    downloads: rows.reduce((n, r) => n + r.downloads, 0),
  };
}

export async function getExport(userId: string, id: string) {
  const db = await getDb();
  return withUrl(await findOwned(db, userId, id));
}

export async function listEvents(userId: string, id: string) {
  const db = await getDb();
  const exportId = parseId(id, "Export");
  // The trail outlives the export, so it is scoped through the event's own owner.
  const rows = await db
    .select()
    .from(exportEvents)
    .where(and(eq(exportEvents.exportId, exportId), eq(exportEvents.userId, userId)))
    .orderBy(exportEvents.createdAt, exportEvents.id);
  if (rows.length === 0) throw notFound("Export");
  return { events: rows.map(eventOut) };
}

export async function taskStatus(userId: string, taskId: string) {
  const db = await getDb();
  const [row] = await db
    .select()
    .from(exports)
    .where(and(eq(exports.taskId, parseId(taskId, "Task")), eq(exports.userId, userId)));
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

// ---------------------------------------------------------------------------
// Creating
// ---------------------------------------------------------------------------

async function resolveSource(db: Db, userId: string, ref: SourceRef): Promise<ResolvedSource> {
  if (ref.type === "document") {
    const [row] = await db
      .select({ id: documents.id, name: documents.name, projectId: documents.projectId })
      .from(documents)
      .innerJoin(projects, eq(projects.id, documents.projectId))
      .where(and(eq(documents.id, parseId(ref.id, "Document")), eq(projects.userId, userId)));
    if (!row) throw notFound("Document");
    return { type: "document_export", projectId: row.projectId, documentId: row.id, label: row.name };
  }
  const [row] = await db
    .select({ id: projects.id, name: projects.name })
    .from(projects)
    .where(and(eq(projects.id, parseId(ref.id, "Project")), eq(projects.userId, userId)));
  if (!row) throw notFound("Project");
  return { type: "project_export", projectId: row.id, documentId: null, label: row.name };
}

/** "Structural Set.pdf" → "Structural Set export". */
export function suggestedName(label: string): string {
  const base = label.replace(/\.[A-Za-z0-9]{1,5}$/, "").trim() || label;
  return `${base} export`.slice(0, 200);
}

export function formatLabel(format: ExportFormat): string {
  return format.toUpperCase();
}

/** Measurement rows the export will contain, after filters (for the PDF cap). */
async function countRows(db: Db, source: ResolvedSource, options: NormalisedOptions): Promise<number> {
  const [{ n }] = await db
    .select({ n: count() })
    .from(measurements)
    .innerJoin(conditions, eq(conditions.id, measurements.conditionId))
    .leftJoin(pages, eq(pages.id, measurements.pageId))
    .where(
      and(
        eq(conditions.projectId, source.projectId),
        source.documentId ? eq(pages.documentId, source.documentId) : undefined,
        options.include_unverified ? undefined : eq(measurements.isVerified, true),
        options.condition_ids ? inArray(conditions.id, options.condition_ids) : undefined,
      ),
    );
  return n;
}

async function checkConditionIds(db: Db, projectId: string, ids: string[] | undefined) {
  if (!ids) return;
  const found = await db
    .select({ id: conditions.id })
    .from(conditions)
    .where(and(eq(conditions.projectId, projectId), inArray(conditions.id, ids)));
  const known = new Set(found.map((r) => r.id));
  const missing = ids.map((id, i) => ({ id, i })).filter(({ id }) => !known.has(id));
  if (missing.length) {
    throw new AppError(
      "validation_failed",
      `options.condition_ids: ${missing.length === 1 ? `"${missing[0].id}" is not a condition` : `${missing.length} ids are not conditions`} of this project`,
      missing.map(({ i }) => ({ path: `options.condition_ids[${i}]`, message: "not a condition of this project" })),
    );
  }
}

const IdempotencyKeySchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, "must be 1–255 visible ASCII characters");

export function parseIdempotencyKey(header: string | null): string | undefined {
  if (header === null) return undefined;
  const parsed = IdempotencyKeySchema.safeParse(header.trim());
  if (!parsed.success) {
    throw new AppError("validation_failed", `Idempotency-Key: ${parsed.error.issues[0].message}`, [
      { path: "Idempotency-Key", message: parsed.error.issues[0].message },
    ]);
  }
  return parsed.data;
}

/**
 * At most EXPORTS_CREATE_PER_MINUTE creations per user per minute, counted
 * from the audit trail so deleting exports does not reset it and every app
 * instance sees the same count.
 */
async function assertCreationRate(tx: Tx, userId: string) {
  const since = new Date(Date.now() - 60_000);
  const [{ recent }] = await tx
    .select({ recent: count() })
    .from(exportEvents)
    .where(and(eq(exportEvents.userId, userId), eq(exportEvents.type, "created"), gte(exportEvents.createdAt, since)));
  if (recent >= env.EXPORTS_CREATE_PER_MINUTE) {
    throw new AppError("rate_limited", `You created ${recent} exports in the last minute (the limit is ${env.EXPORTS_CREATE_PER_MINUTE}). Wait a moment and try again.`, undefined, {
      "Retry-After": "60",
    });
  }
}

export type CreateResult = {
  status: 200 | 202;
  body: {
    success: true;
    deduplicated?: true;
    task_id: string;
    export_id: string;
    export: ExportOut;
    message: string;
  };
};

function startedMessage(label: string, format: ExportFormat) {
  return `Export of "${label}" started as ${formatLabel(format)}. Follow it on the Exports page.`;
}

/**
 * Creates an export (SPEC §5.2): validates options for the format, applies
 * Idempotency-Key, de-duplicates identical in-flight requests, enforces the
 * per-user active limit and the PDF cap, then inserts and enqueues.
 * Creations of one user are serialised with an advisory lock so ten parallel
 * identical POSTs make one export.
 */
export async function createExport(input: {
  userId: string;
  source: SourceRef;
  body: CreateExportBody;
  idempotencyKey?: string;
  meta?: RequestMeta;
}): Promise<CreateResult> {
  const db = await getDb();
  const { userId, body } = input;
  const format = body.format;
  const normalised = normaliseOptions(format, body.options);
  if (!normalised.success) throw validationError(normalised.error, ["options"]);
  const options = normalised.data;

  const source = await resolveSource(db, userId, input.source);
  await checkConditionIds(db, source.projectId, options.condition_ids);

  if (format === "pdf") {
    const rows = await countRows(db, source, options);
    if (rows > env.PDF_MAX_ROWS) throw new AppError("validation_failed", pdfCapMessage(rows), [{ path: "format", message: "over the PDF row cap" }]);
  }

  const requestHash = crypto
    .createHash("sha256")
    .update(JSON.stringify({ s: input.source.type, id: source.documentId ?? source.projectId, format, options, name: body.name ?? null, description: body.description ?? null }))
    .digest("hex");

  const outcome = await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`exports:create:${userId}`}))`);

    if (input.idempotencyKey) {
      const [prior] = await tx
        .select()
        .from(exports)
        .where(and(eq(exports.userId, userId), eq(exports.idempotencyKey, input.idempotencyKey)));
      if (prior && Date.now() - prior.createdAt.getTime() < IDEMPOTENCY_WINDOW_MS) {
        if (prior.requestHash !== requestHash) {
          throw new AppError("idempotency_key_reused", "This Idempotency-Key was already used with a different request. Use a new key for a new export.", [
            { path: "Idempotency-Key", message: "reused with a different body" },
          ]);
        }
        return { kind: "replay" as const, row: prior };
      }
      // Past its window the key is free again.
      if (prior) await tx.update(exports).set({ idempotencyKey: null }).where(eq(exports.id, prior.id));
    }

    const [duplicate] = await tx
      .select()
      .from(exports)
      .where(
        and(
          eq(exports.userId, userId),
          eq(exports.format, format),
          eq(exports.projectId, source.projectId),
          source.documentId ? eq(exports.documentId, source.documentId) : sql`${exports.documentId} is null`,
          sql`${exports.options} = ${JSON.stringify(options)}::jsonb`,
          inArray(exports.status, [...ACTIVE_STATUSES]),
        ),
      )
      .orderBy(desc(exports.createdAt))
      .limit(1);
    if (duplicate) return { kind: "duplicate" as const, row: duplicate };

    await assertCreationRate(tx, userId);
    const [{ active }] = await tx
      .select({ active: count() })
      .from(exports)
      .where(and(eq(exports.userId, userId), inArray(exports.status, [...ACTIVE_STATUSES])));
    if (active >= env.EXPORTS_MAX_ACTIVE_PER_USER) {
      throw new AppError(
        "rate_limited",
        `You already have ${active} exports waiting or running (the limit is ${env.EXPORTS_MAX_ACTIVE_PER_USER}). Try again when some have finished.`,
        undefined,
        { "Retry-After": "30" },
      );
    }

    const now = new Date();
    const [row] = await tx
      .insert(exports)
      .values({
        userId,
        type: source.type,
        projectId: source.projectId,
        documentId: source.documentId,
        name: body.name ?? suggestedName(source.label),
        description: body.description ?? `${formatLabel(format)} export of ${source.label}`,
        format,
        options: options as Record<string, unknown>,
        status: "pending",
        progressStep: "Queued",
        idempotencyKey: input.idempotencyKey ?? null,
        requestHash,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    await recordEvent(tx, {
      exportId: row.id,
      userId,
      type: "created",
      data: { format, source: input.source.type, options },
      ip: input.meta?.ip,
      userAgent: input.meta?.userAgent,
    });
    return { kind: "created" as const, row };
  });

  const row = outcome.row;
  if (outcome.kind === "created") await getRunner().enqueue({ id: row.id, userId });
  const body202 = {
    success: true as const,
    ...(outcome.kind === "duplicate" ? { deduplicated: true as const } : {}),
    task_id: row.taskId,
    export_id: row.id,
    export: await withUrl(row),
    message:
      outcome.kind === "duplicate"
        ? `An identical export of "${source.label}" is already ${row.status === "pending" ? "queued" : "running"}. Follow it on the Exports page.`
        : startedMessage(source.label, row.format),
  };
  return { status: outcome.kind === "created" ? 202 : 200, body: body202 };
}

// ---------------------------------------------------------------------------
// Changing
// ---------------------------------------------------------------------------

export async function patchExport(userId: string, id: string, patch: { name?: string; description?: string | null }) {
  const db = await getDb();
  const current = await findOwned(db, userId, id);
  // A renamed export downloads under its new name (the stored object keeps its key).
  const fileName = patch.name !== undefined && current.fileName ? sanitizeFileName(patch.name, RENDERERS[current.format].extension) : undefined;
  const [row] = await db
    .update(exports)
    .set({
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(fileName ? { fileName } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      updatedAt: new Date(),
    })
    .where(and(eq(exports.id, parseId(id, "Export")), eq(exports.userId, userId)))
    .returning();
  if (!row) throw notFound("Export");
  return withUrl(row);
}

export async function cancelExport(userId: string, id: string, meta: RequestMeta = {}) {
  const db = await getDb();
  const current = await findOwned(db, userId, id);
  const row = await db.transaction(async (tx) => {
    const [updated] = await tx
      .update(exports)
      .set({ status: "cancelled", progressStep: "Cancelled", heartbeatAt: null, updatedAt: new Date() })
      .where(and(eq(exports.id, current.id), eq(exports.userId, userId), inArray(exports.status, [...ACTIVE_STATUSES])))
      .returning();
    if (updated) {
      await recordEvent(tx, { exportId: updated.id, userId, type: "cancelled", data: { from: current.status }, ip: meta.ip, userAgent: meta.userAgent });
    }
    return updated;
  });
  if (!row) {
    throw new AppError("invalid_state", `Only pending or processing exports can be cancelled; this one is ${current.status}.`);
  }
  await getRunner().cancel({ id: row.id, userId });
  // The job removes its partial object at its next checkpoint; this covers a job that never starts again.
  await removeObject(storageKeyFor(row));
  return withUrl(row);
}

export async function retryExport(userId: string, id: string, meta: RequestMeta = {}) {
  const db = await getDb();
  const current = await findOwned(db, userId, id);
  const row = await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`exports:create:${userId}`}))`);
    const [{ active }] = await tx
      .select({ active: count() })
      .from(exports)
      .where(and(eq(exports.userId, userId), inArray(exports.status, [...ACTIVE_STATUSES])));
    if (active >= env.EXPORTS_MAX_ACTIVE_PER_USER && RETRYABLE_STATUSES.includes(current.status as never)) {
      throw new AppError("rate_limited", `You already have ${active} exports waiting or running. Try again when some have finished.`, undefined, {
        "Retry-After": "30",
      });
    }
    const [updated] = await tx
      .update(exports)
      .set({
        status: "pending",
        progress: 0,
        progressStep: "Queued",
        recordsCount: 0,
        errorMessage: null,
        errorKind: null,
        fileKey: null,
        fileName: null,
        fileSize: null,
        checksumSha256: null,
        warnings: [],
        startedAt: null,
        completedAt: null,
        expiresAt: null,
        heartbeatAt: null,
        updatedAt: new Date(),
      })
      .where(and(eq(exports.id, current.id), eq(exports.userId, userId), inArray(exports.status, [...RETRYABLE_STATUSES])))
      .returning();
    if (updated) {
      await recordEvent(tx, {
        exportId: updated.id,
        userId,
        type: "retried",
        data: { from: current.status, previous_error: current.errorMessage, manual: true },
        ip: meta.ip,
        userAgent: meta.userAgent,
      });
    }
    return updated;
  });
  if (!row) throw new AppError("invalid_state", `Only failed, cancelled or expired exports can be retried; this one is ${current.status}.`);
  await getRunner().enqueue({ id: row.id, userId, attempt: row.attempts + 1 });
  return withUrl(row);
}

export async function deleteExport(userId: string, id: string, meta: RequestMeta = {}) {
  const db = await getDb();
  const current = await findOwned(db, userId, id);
  const deleted = await db.transaction(async (tx) => {
    const [row] = await tx
      .delete(exports)
      .where(and(eq(exports.id, current.id), eq(exports.userId, userId)))
      .returning();
    if (row) {
      await recordEvent(tx, { exportId: row.id, userId, type: "deleted", data: { status: row.status, file_key: row.fileKey }, ip: meta.ip, userAgent: meta.userAgent });
    }
    return row;
  });
  if (!deleted) throw notFound("Export");
  // A running job finds its row gone at the next checkpoint and stops.
  if (ACTIVE_STATUSES.includes(deleted.status as never)) await getRunner().cancel({ id: deleted.id, userId });
  await removeObject(deleted.fileKey ?? storageKeyFor(deleted));
}

/**
 * Download (SPEC §5.2): re-check access and state, count the download
 * atomically with an audit event, and hand back a short-lived URL.
 */
export async function recordDownload(userId: string, id: string, meta: RequestMeta) {
  const db = await getDb();
  const current = await findOwned(db, userId, id);
  switch (current.status) {
    case "pending":
    case "processing":
      throw new AppError("export_not_ready", `The export is still ${current.status} (${current.progress}%). Try again shortly.`, undefined, { "Retry-After": "5" });
    case "failed":
      throw new AppError("export_failed", `The export failed: ${current.errorMessage ?? "unknown error"}. Retry it to download.`);
    case "cancelled":
      throw new AppError("invalid_state", "The export was cancelled. Retry it to download.");
    case "expired":
      throw new AppError("export_expired", "The export has expired and its file was deleted. Retry it to generate the file again.");
  }
  const signed = await downloadUrlFor(current, { ttl: Math.min(DOWNLOAD_URL_TTL_SECONDS, env.EXPORT_URL_TTL_SECONDS), fresh: true });
  if (!signed) throw new AppError("service_unavailable", "The file store is not reachable right now. Try again in a moment.", undefined, { "Retry-After": "30" });
  const counted = await db.transaction(async (tx) => {
    const [row] = await tx
      .update(exports)
      .set({ downloadCount: sql`${exports.downloadCount} + 1`, lastDownloadedAt: new Date() })
      .where(and(eq(exports.id, current.id), eq(exports.userId, userId), eq(exports.status, "completed"), isNotNull(exports.fileKey)))
      .returning({ id: exports.id, downloadCount: exports.downloadCount });
    if (row) {
      await recordEvent(tx, { exportId: row.id, userId, type: "downloaded", data: { download_count: row.downloadCount }, ip: meta.ip, userAgent: meta.userAgent });
    }
    return row;
  });
  if (!counted) throw new AppError("export_expired", "The export is no longer available.");
  return { url: signed.url, expires_at: signed.expiresAt.toISOString() };
}

export function requestMeta(req: Request): RequestMeta {
  const forwarded = req.headers.get("x-forwarded-for")?.split(",")[0]?.trim();
  return { ip: forwarded || req.headers.get("x-real-ip") || null, userAgent: req.headers.get("user-agent") };
}

/**
 * Deletes a project with everything in it: running exports are cancelled, the
 * export rows removed (their audit trail stays), then the files.
 */
export async function deleteProjectWithExports(userId: string, projectId: string, meta: RequestMeta = {}) {
  const db = await getDb();
  const id = parseId(projectId, "Project");
  const removed = await db.transaction(async (tx) => {
    const [project] = await tx
      .delete(projects)
      .where(and(eq(projects.id, id), eq(projects.userId, userId)))
      .returning({ id: projects.id });
    if (!project) throw notFound("Project");
    const rows = await tx
      .delete(exports)
      .where(and(eq(exports.projectId, id), eq(exports.userId, userId)))
      .returning();
    for (const row of rows) {
      await recordEvent(tx, { exportId: row.id, userId, type: "deleted", data: { status: row.status, reason: "project deleted" }, ip: meta.ip, userAgent: meta.userAgent });
    }
    return rows;
  });
  for (const row of removed) {
    if (ACTIVE_STATUSES.includes(row.status as never)) await getRunner().cancel({ id: row.id, userId });
    await removeObject(row.fileKey ?? storageKeyFor(row));
  }
}
