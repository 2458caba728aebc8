/**
 * Every query of an export's source, each a function of the Db it runs on
 * and its inputs: the project and document lookups, the conditions with
 * their totals, the (condition, page) counts the plan is made from, and the
 * measurement reads of one chunk or one keyset page.
 */
import { and, asc, count, eq, fillPlaceholders, inArray, isNull, or, sql, type SQL } from "drizzle-orm";
import { queryRows, type Db } from "@/db";
import { conditions, documents, measurements, pages, projects } from "@/db/schema";
import type { NormalisedOptions } from "../schemas";
import { chunkFilter, GROUP_ROWS, pageIsFull, type Chunk, type DocumentRef, type PairCount } from "./plan";
import type { RawRow } from "./rows";

/** The project, if it is the user's: ownership is part of the lookup, so another user's project reads as missing. */
export async function findProject(db: Db, projectId: string, userId: string) {
  const [project] = await db
    .select()
    .from(projects)
    .where(and(eq(projects.id, projectId), eq(projects.userId, userId)));
  return project;
}

/** The document, if it is in the project. */
export async function findDocument(db: Db, documentId: string, projectId: string) {
  const [doc] = await db
    .select({ id: documents.id, name: documents.name, pageCount: documents.pageCount })
    .from(documents)
    .where(and(eq(documents.id, documentId), eq(documents.projectId, projectId)));
  return doc;
}

/** Filters the source's queries share. */
export type SourceFilters = {
  /** Which conditions are exported. */
  conditions: (SQL | undefined)[];
  /** Which measurements count (the page join is always present). */
  measurements: (SQL | undefined)[];
  /** The part of `measurements` a read of known pairs still needs. */
  verified: SQL | undefined;
};

export function sourceFilters(projectId: string, documentId: string | null, options: NormalisedOptions): SourceFilters {
  const verified = options.include_unverified ? undefined : eq(measurements.isVerified, true);
  return {
    conditions: [
      eq(conditions.projectId, projectId),
      options.condition_ids?.length ? inArray(conditions.id, options.condition_ids) : undefined,
    ],
    measurements: [verified, documentId ? eq(pages.documentId, documentId) : undefined],
    verified,
  };
}

/**
 * The exported conditions in export order with their totals after filters.
 * `withRowsOnly`: only conditions with measurements (a document export); else
 * all of them (a project export).
 */
export async function readConditions(db: Db, filters: SourceFilters, withRowsOnly: boolean) {
  const totals = db
    .select({
      conditionId: measurements.conditionId,
      quantity: sql<number>`sum(${measurements.quantity})`.as("total_quantity"),
      count: count().as("measurement_count"),
    })
    .from(measurements)
    .innerJoin(conditions, eq(conditions.id, measurements.conditionId))
    .leftJoin(pages, eq(pages.id, measurements.pageId))
    .where(and(...filters.conditions, ...filters.measurements))
    .groupBy(measurements.conditionId)
    .as("totals");

  const conditionQuery = db
    .select({
      condition: conditions,
      quantity: sql<number>`coalesce(${totals.quantity}, 0)`.mapWith(Number),
      count: sql<number>`coalesce(${totals.count}, 0)`.mapWith(Number),
    })
    .from(conditions);
  return (
    withRowsOnly
      ? conditionQuery.innerJoin(totals, eq(totals.conditionId, conditions.id))
      : conditionQuery.leftJoin(totals, eq(totals.conditionId, conditions.id))
  )
    .where(and(...filters.conditions))
    .orderBy(asc(conditions.sortOrder), asc(conditions.name), asc(conditions.id));
}

/** The project's documents (id and name) in export order. */
export async function readDocumentOrder(db: Db, projectId: string): Promise<DocumentRef[]> {
  return db
    .select({ id: documents.id, name: documents.name })
    .from(documents)
    .where(eq(documents.projectId, projectId))
    .orderBy(asc(documents.position), asc(documents.name), asc(documents.id));
}

/** The (condition, page) pairs that have measurements after filters, with their counts and page details. */
export async function readPairCounts(db: Db, filters: SourceFilters): Promise<PairCount[]> {
  return db
    .select({
      conditionId: measurements.conditionId,
      pageId: measurements.pageId,
      documentId: pages.documentId,
      pageNumber: pages.pageNumber,
      sheetNumber: pages.sheetNumber,
      sheetTitle: pages.sheetTitle,
      count: count(),
    })
    .from(measurements)
    .innerJoin(conditions, eq(conditions.id, measurements.conditionId))
    .leftJoin(pages, eq(pages.id, measurements.pageId))
    .where(and(...filters.conditions, ...filters.measurements))
    .groupBy(measurements.conditionId, measurements.pageId, pages.documentId, pages.pageNumber, pages.sheetNumber, pages.sheetTitle);
}

/** A (condition, page) pair's summed quantity after filters, with the page details (SPEC §12.3 breakdowns). */
export type PairQuantity = Omit<PairCount, "count"> & { quantity: number };

/**
 * The sum of quantities per (condition, page) after filters: the same filters
 * and the same SQL sum as the condition totals (readConditions), grouped one
 * level finer, so a breakdown never re-adds rounded values.
 */
export async function readPairQuantities(db: Db, filters: SourceFilters): Promise<PairQuantity[]> {
  return db
    .select({
      conditionId: measurements.conditionId,
      pageId: measurements.pageId,
      documentId: pages.documentId,
      pageNumber: pages.pageNumber,
      sheetNumber: pages.sheetNumber,
      sheetTitle: pages.sheetTitle,
      quantity: sql<number>`sum(${measurements.quantity})`.mapWith(Number),
    })
    .from(measurements)
    .innerJoin(conditions, eq(conditions.id, measurements.conditionId))
    .leftJoin(pages, eq(pages.id, measurements.pageId))
    .where(and(...filters.conditions, ...filters.measurements))
    .groupBy(measurements.conditionId, measurements.pageId, pages.documentId, pages.pageNumber, pages.sheetNumber, pages.sheetTitle);
}

/** Where a keyset page ends: its last row's (position, id). */
export type Key = { position: number; id: string };

/**
 * One query's result: its rows in order as JSON texts of up to GROUP_ROWS
 * rows each, parsed only when the renderer gets to them (a keyset page's last
 * one is parsed at once, to learn where the next page starts).
 */
export type Piece = {
  chunk: Chunk;
  groups: (string | RawRow[])[];
  /** Keyset pages: where the next page starts; null when this one came back short (the pair is done). */
  next: Key | null;
};

/** One row of a query result as the driver returns it: a JSON text of up to GROUP_ROWS rows. */
type ResultRow = { rows: string | null };

type Statement = { sql: string; params: unknown[] };

/**
 * The measurement reads of one source: where they run, the filter they all
 * share, and their texts, each built once by drizzle with placeholders and
 * then run with its values (queryRows): building a query per read allocated
 * several hundred objects, which a read asked for ahead kept alive until it
 * ran, long enough to be promoted.
 */
export type MeasurementReads = { db: Db; verified: SQL | undefined; statements: Map<string, Statement> };

export function measurementReads(db: Db, verified: SQL | undefined): MeasurementReads {
  return { db, verified, statements: new Map() };
}

function statement(reads: MeasurementReads, key: string, build: () => { toSQL(): Statement }): Statement {
  let built = reads.statements.get(key);
  if (!built) reads.statements.set(key, (built = build().toSQL()));
  return built;
}

const p = sql.placeholder;
// Arrays go as text literals ('{a,b}') cast in SQL, the same way on both drivers.
const uuidArray = (ids: (string | null)[]) => `{${ids.map((id) => id ?? "NULL").join(",")}}`;

/** Several small pairs sharing a condition or a page: at most one batch of rows, in pair order then (position, id). */
export async function readChunk(reads: MeasurementReads, chunk: Chunk): Promise<Piece> {
  const { db, verified } = reads;
  const filter = chunkFilter(chunk);
  // One statement per shape: with an OR on a parameter, a generic plan could not use page_id in the index range.
  const pagesAre = filter.pages;
  const query = statement(reads, `chunk:${chunk.order}:${pagesAre}`, () => {
    // The pairs of a chunk differ only in their page (export order) or only in their condition (By-Page order).
    const keyColumn = chunk.order === "export" ? measurements.pageId : measurements.conditionId;
    const onPages = sql`${measurements.pageId} = any(${p("pageIds")}::uuid[])`;
    return textsQuery(
      db,
      and(
        sql`${measurements.conditionId} = any(${p("conditionIds")}::uuid[])`,
        pagesAre === "none" ? isNull(measurements.pageId) : pagesAre === "some" ? onPages : or(onPages, isNull(measurements.pageId)),
        verified,
      ),
      // array_position compares with IS NOT DISTINCT FROM, so the pair without a page is found too.
      { pairIndex: sql<number>`array_position(${p("keys")}::uuid[], ${keyColumn})` },
    );
  });
  const texts = await fetchTexts(db, query, {
    conditionIds: uuidArray(filter.conditionIds),
    pageIds: uuidArray(filter.pageIds),
    keys: uuidArray(filter.keys),
  });
  return { chunk, groups: texts, next: null };
}

/** One page of `limit` rows of a pair bigger than a batch: keyset pagination over its (position, id) index range. */
export async function readPage(reads: MeasurementReads, chunk: Chunk, after: Key | null, limit: number): Promise<Piece> {
  const { db, verified } = reads;
  const [pair] = chunk.pairs;
  const query = statement(reads, `page:${pair.pageId ? "page" : "null"}:${after ? "after" : "first"}`, () =>
    textsQuery(
      db,
      and(
        eq(measurements.conditionId, p("conditionId")),
        pair.pageId ? eq(measurements.pageId, p("pageId")) : isNull(measurements.pageId),
        verified,
        after ? sql`(${measurements.position}, ${measurements.id}) > (${p("afterPosition")}::bigint, ${p("afterId")}::uuid)` : undefined,
      ),
      { limit: true },
    ),
  );
  const texts = await fetchTexts(db, query, {
    conditionId: pair.conditionId,
    pageId: pair.pageId,
    afterPosition: after?.position,
    afterId: after?.id,
    limit,
  });
  const groups: (string | RawRow[])[] = texts;
  const tail = texts.length ? (JSON.parse(texts[texts.length - 1]) as RawRow[]) : [];
  if (tail.length) groups[groups.length - 1] = tail;
  const last = tail[tail.length - 1];
  return { chunk, groups, next: pageIsFull(texts.length, tail.length, limit) && last ? { position: last[2], id: last[1] } : null };
}

/**
 * One read whose result is its rows as JSON texts of up to GROUP_ROWS rows,
 * numbered in order: a chunk's rows by pair (`pairIndex`, the pair's place in
 * the chunk, which each row carries instead of its ids), then (position, id);
 * a keyset page's rows (one pair) are limited to the `limit` placeholder
 * first, then numbered. Page details come from the pair list instead of a
 * join, which halves the query's cost.
 */
function textsQuery(db: Db, where: SQL | undefined, order: { pairIndex: SQL<number> } | { limit: true }) {
  const columns = {
    id: measurements.id,
    position: measurements.position,
    geometryType: measurements.geometryType,
    geometry: measurements.geometry,
    quantity: measurements.quantity,
    unit: measurements.unit,
    isVerified: measurements.isVerified,
    isAiGenerated: measurements.isAiGenerated,
    notes: measurements.notes,
  };
  let m;
  if ("limit" in order) {
    const page = db
      .select(columns)
      .from(measurements)
      .where(where)
      .orderBy(asc(measurements.position), asc(measurements.id))
      .limit(p("limit"))
      .as("p");
    m = db
      .select({
        id: page.id,
        position: page.position,
        geometryType: page.geometryType,
        geometry: page.geometry,
        quantity: page.quantity,
        unit: page.unit,
        isVerified: page.isVerified,
        isAiGenerated: page.isAiGenerated,
        notes: page.notes,
        pair: sql<number>`1`.as("pair"),
        rn: sql<number>`row_number() over (order by ${page.position}, ${page.id})`.as("rn"),
      })
      .from(page)
      .as("m");
  } else {
    m = db
      .select({
        ...columns,
        pair: sql<number>`${order.pairIndex}`.as("pair"),
        rn: sql<number>`row_number() over (order by ${order.pairIndex}, ${measurements.position}, ${measurements.id})`.as("rn"),
      })
      .from(measurements)
      .where(where)
      .as("m");
  }
  const group = sql`(${m.rn} - 1) / ${sql.raw(String(GROUP_ROWS))}`;
  // The array's order is RawRow's.
  return db
    .select({
      rows: sql<string>`json_agg(json_build_array(${m.pair}, ${m.id}, ${m.position}, ${m.geometryType}, ${m.geometry}, ${m.quantity}, ${m.unit}, ${m.isVerified}, ${m.isAiGenerated}, ${m.notes}) order by ${m.rn})::text`.as(
        "rows",
      ),
    })
    .from(m)
    .groupBy(group)
    .orderBy(group);
}

/** Runs a read of textsQuery with its values; returns the texts. */
async function fetchTexts(db: Db, query: Statement, values: Record<string, unknown>): Promise<string[]> {
  // Everything the driver made for this result is let go of here: its list emptied, its rows
  // cleared. postgres.js makes a connection's next result list as soon as a query ends, so
  // on a connection the pool has not used for a while the list, and rows stored in it, are
  // already in the old generation when the rows arrive; until a full GC such dead objects
  // keep whatever they point to alive through every young collection, and all the texts
  // used to be promoted that way.
  const list = await queryRows<ResultRow>(db, query.sql, fillPlaceholders(query.params, values));
  const texts: string[] = [];
  for (const row of list) {
    texts.push(row.rows!);
    row.rows = null;
  }
  list.length = 0;
  return texts;
}
