/**
 * The export list (GET /api/exports and the dashboard) and the dashboard's
 * summary counts, scoped to the owner inside every query.
 */
import { and, count, eq, fillPlaceholders, ilike, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { queryRows, type Db } from "@/db";
import { exportCounts, exports } from "@/db/schema";
import { DomainError } from "@/lib/errors";
import type { ListQuery } from "../schemas";
import { EXPORT_OUT_FIELDS, iso, type ExportRowIn } from "../serialize";
import { dbOr } from "./db";
import { withUrl } from "./links";

type Cursor = { t: string; i: string };

function encodeCursor(row: Pick<ExportRowIn, "createdAt" | "id">): string {
  return Buffer.from(JSON.stringify({ t: iso(row.createdAt), i: row.id } satisfies Cursor)).toString("base64url");
}

function decodeCursor(cursor: string): Cursor {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as Cursor;
    if (typeof value.t !== "string" || Number.isNaN(Date.parse(value.t)) || !z.string().uuid().safeParse(value.i).success)
      throw new Error();
    return value;
  } catch {
    throw new DomainError("validation_failed", "cursor: is not a cursor this API returned", [
      { path: "cursor", message: "invalid cursor" },
    ]);
  }
}

function escapeLike(s: string) {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export const LIST_FILTERS = ["status", "format", "type", "project_id", "document_id", "schedule_id", "q"] as const;
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
 * projectId, documentId, scheduleId, q (a LIKE pattern), cursorTime, cursorId, limit.
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
    used.has("schedule_id") ? eq(exports.scheduleId, p("scheduleId")) : undefined,
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
 * parameters, so there are at most 2^8 shapes.
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
export async function listExports({ userId, query }: { userId: string; query: ListQuery }, dbIn?: Db) {
  const db = await dbOr(dbIn);
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
    scheduleId: query.schedule_id,
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
export async function exportStats({ userId }: { userId: string }, dbIn?: Db) {
  const db = await dbOr(dbIn);
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
