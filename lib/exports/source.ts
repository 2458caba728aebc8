/**
 * Reads the data of one export (SPEC §6 "Source data" and "Order"): the
 * project, conditions with totals computed in SQL after filters, and the
 * measurements as async batches — never the whole table in memory and never
 * inside a long transaction (PGlite has a single connection).
 *
 * How the reads stay cheap at a million rows: one grouped query lists the
 * (condition, page) pairs that have measurements, with their counts. Those
 * pairs are sorted in JS into export order (or By-Page order) and packed into
 * chunks of at most BATCH_SIZE rows that share a condition (or a page). A
 * chunk is then one indexed query that returns its rows already in order; a
 * pair bigger than that is read with keyset pagination on (position, id). No
 * query sorts more than BATCH_SIZE rows. Queries are asked for ahead of the
 * renderer, independently of how its batches are cut, so it never waits on
 * several small chunks one after another.
 *
 * How memory stays flat however many rows there are. The live heap never
 * grew; what grew was garbage promoted to V8's old generation, which only a
 * full GC frees, so RSS rose with the run's length. Rows now die young:
 * - a query returns a few JSON texts of GROUP_ROWS rows each: one text per
 *   query was a megabyte, allocated as a large object that only a full GC
 *   frees (one text per row would make the drivers decode thousands of
 *   fields, PGlite above all);
 * - texts wait unparsed, and only about one query's worth of them; they are
 *   parsed into the objects the renderer gets when it asks for the next
 *   batch, and batches are small (HANDOUT_ROWS), so nothing of a row lives
 *   long enough to outlast two young-generation collections;
 * - what the driver made for a result is emptied once read (see fetchTexts);
 * - rows are class instances, not object literals (see Measurement).
 * Rows carry neither condition nor page ids: the query numbers each row's
 * pair within its chunk, and the pair has both, and the page details.
 */
import { and, asc, count, eq, fillPlaceholders, inArray, isNull, or, sql, type SQL } from "drizzle-orm";
import { getDbHandle, queryRows, withReadConnection, type Db } from "@/db";
import { conditions, documents, measurements, pages, projects } from "@/db/schema";
import { conditionCosts } from "@/lib/takeoff/read";
import type { ExportSource, SourceCondition, SourceMeasurement } from "./formats/types";
import { roundTotal } from "./sanitize";
import type { NormalisedOptions } from "./schemas";

/** Rows one query reads at most. */
export const BATCH_SIZE = 2000;

/**
 * Rows per query for a database driver. PGlite hands over a query's whole
 * result at once, decoded, where postgres.js streams it in: with 2,000 rows a
 * result waited long enough behind the renderer to be promoted (a million-row
 * OST export on PGlite peaked at +41 to +70 MiB; with 1,000, +24 to +29 MiB,
 * ~4 % slower).
 */
function batchSizeFor(driver: "pglite" | "postgres"): number {
  return driver === "pglite" ? BATCH_SIZE / 2 : BATCH_SIZE;
}

/**
 * Runs `fn` with an export's source read as exports read it: over a
 * connection of its own (withReadConnection), in queries sized for the
 * driver. The source is valid until `fn` settles.
 */
export async function readExportSource<T>(input: LoadSourceInput, fn: (source: ExportSource) => Promise<T>): Promise<T> {
  const { driver } = await getDbHandle();
  return withReadConnection(async (db) => fn(await loadExportSource(db, input, { batchSize: batchSizeFor(driver) })));
}
/**
 * Rows per batch handed to the renderer. Smaller than a query: a batch lives
 * while the renderer works on it, and one of 2,000 rows lived long enough to
 * outlast two young-generation collections and be promoted, garbage and all.
 */
const HANDOUT_ROWS = 500;
/**
 * Rows per JSON text of a query result: about 20 KB of text, so a text stays
 * well under V8's large-object threshold (128 KB) even as UTF-16 with long notes.
 */
const GROUP_ROWS = 100;

/** The export's source (project or document) is gone; a user error, not worth retrying. */
export class SourceMissingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SourceMissingError";
  }
}

export type LoadSourceInput = {
  exportId: string;
  userId: string;
  type: "document" | "project";
  projectId: string;
  documentId: string | null;
  options: NormalisedOptions;
  generatedAt: Date;
};

type PageInfo = Pick<SourceMeasurement, "documentId" | "pageNumber" | "sheetNumber" | "sheetTitle">;
const NO_PAGE: PageInfo = { documentId: null, pageNumber: null, sheetNumber: null, sheetTitle: null };

/** One (condition, page) pair with measurements, where it sorts, and the page details its rows get. */
type Pair = {
  conditionId: string;
  pageId: string | null;
  page: PageInfo;
  count: number;
  conditionRank: number;
  documentRank: number;
  pageNumber: number;
};

/** Pairs read by one query: they share a condition (export order) or a page (By-Page order). */
type Chunk = { pairs: Pair[]; keyset: boolean; order: Order };

type Order = "export" | "page";

/** One row of a query result as the driver returns it: a JSON text of up to GROUP_ROWS rows. */
type ResultRow = { rows: string | null };

/**
 * One row as the queries send it: the 1-based index of its pair in the chunk,
 * then id, position, geometry type, geometry, quantity, unit, is_verified,
 * is_ai_generated, notes.
 */
type RawRow = [number, string, number, SourceMeasurement["geometryType"], unknown, number, string, boolean, boolean, string | null];

/** Shared by the reads of one pass: whether its consumer has gone, and how many reads are under way. */
type ReadState = { stopped: boolean; inFlight: number };

/** Where a keyset page ends: its last row's (position, id). */
type Key = { position: number; id: string };

/**
 * One query's result: its rows in order as JSON texts of up to GROUP_ROWS
 * rows each, parsed only when the renderer gets to them (a keyset page's last
 * one is parsed at once, to learn where the next page starts).
 */
type Piece = {
  chunk: Chunk;
  groups: (string | RawRow[])[];
  /** Keyset pages: where the next page starts; null when this one came back short (the pair is done). */
  next: Key | null;
};

const LAST = Number.MAX_SAFE_INTEGER;
const NO_ROWS: RawRow[] = [];

export async function loadExportSource(db: Db, input: LoadSourceInput, opts: { batchSize?: number } = {}): Promise<ExportSource> {
  const batchSize = opts.batchSize ?? BATCH_SIZE;
  const { options } = input;

  // Ownership is part of every lookup: another user's project reads as missing.
  const [project] = await db
    .select()
    .from(projects)
    .where(and(eq(projects.id, input.projectId), eq(projects.userId, input.userId)));
  if (!project) throw new SourceMissingError("The project this export was made from no longer exists.");

  let document: ExportSource["document"] = null;
  if (input.type === "document") {
    if (!input.documentId) throw new SourceMissingError("The document this export was made from no longer exists.");
    const [doc] = await db
      .select({ id: documents.id, name: documents.name, pageCount: documents.pageCount })
      .from(documents)
      .where(and(eq(documents.id, input.documentId), eq(documents.projectId, project.id)));
    if (!doc) throw new SourceMissingError(`The document this export was made from no longer exists in project "${project.name}".`);
    document = doc;
  }

  // Filters every measurement query shares (the page join is always present).
  const measurementFilters: (SQL | undefined)[] = [
    options.include_unverified ? undefined : eq(measurements.isVerified, true),
    document ? eq(pages.documentId, document.id) : undefined,
  ];
  const conditionFilters: (SQL | undefined)[] = [
    eq(conditions.projectId, project.id),
    options.condition_ids?.length ? inArray(conditions.id, options.condition_ids) : undefined,
  ];

  const totals = db
    .select({
      conditionId: measurements.conditionId,
      quantity: sql<number>`sum(${measurements.quantity})`.as("total_quantity"),
      count: count().as("measurement_count"),
    })
    .from(measurements)
    .innerJoin(conditions, eq(conditions.id, measurements.conditionId))
    .leftJoin(pages, eq(pages.id, measurements.pageId))
    .where(and(...conditionFilters, ...measurementFilters))
    .groupBy(measurements.conditionId)
    .as("totals");

  const conditionQuery = db
    .select({
      condition: conditions,
      quantity: sql<number>`coalesce(${totals.quantity}, 0)`.mapWith(Number),
      count: sql<number>`coalesce(${totals.count}, 0)`.mapWith(Number),
    })
    .from(conditions);
  // A document export lists only conditions with measurements on it; a project export lists all.
  const conditionRows = await (document
    ? conditionQuery.innerJoin(totals, eq(totals.conditionId, conditions.id))
    : conditionQuery.leftJoin(totals, eq(totals.conditionId, conditions.id))
  )
    .where(and(...conditionFilters))
    .orderBy(asc(conditions.sortOrder), asc(conditions.name), asc(conditions.id));

  const sourceConditions: SourceCondition[] = conditionRows.map(({ condition: c, quantity, count: n }) => ({
    id: c.id,
    name: c.name,
    description: c.description,
    scope: c.scope,
    category: c.category,
    measurementType: c.measurementType,
    unit: c.unit,
    color: c.color,
    sortOrder: c.sortOrder,
    costs: options.include_costs ? conditionCosts(c) : null,
    totalQuantity: roundTotal(quantity),
    measurementCount: n,
  }));
  const rowsTotal = sourceConditions.reduce((sum, c) => sum + c.measurementCount, 0);

  const verified = options.include_unverified ? undefined : eq(measurements.isVerified, true);

  let pairsPromise: Promise<Pair[]> | undefined;
  const loadPairs = () => (pairsPromise ??= readPairs());

  async function readPairs(): Promise<Pair[]> {
    const conditionRank = new Map(sourceConditions.map((c, i) => [c.id, i]));
    const documentRank = new Map<string, number>();
    if (document) documentRank.set(document.id, 0);
    else {
      const docs = await db
        .select({ id: documents.id })
        .from(documents)
        .where(eq(documents.projectId, project.id))
        .orderBy(asc(documents.position), asc(documents.name), asc(documents.id));
      docs.forEach((d, i) => documentRank.set(d.id, i));
    }
    const rows = await db
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
      .where(and(...conditionFilters, ...measurementFilters))
      .groupBy(measurements.conditionId, measurements.pageId, pages.documentId, pages.pageNumber, pages.sheetNumber, pages.sheetTitle);
    // One details object per page, shared by its pairs.
    const pageInfo = new Map<string, PageInfo>();
    for (const r of rows) {
      if (r.pageId && !pageInfo.has(r.pageId)) {
        pageInfo.set(r.pageId, { documentId: r.documentId, pageNumber: r.pageNumber, sheetNumber: r.sheetNumber, sheetTitle: r.sheetTitle });
      }
    }
    return rows
      .filter((r) => conditionRank.has(r.conditionId))
      .map((r) => ({
        conditionId: r.conditionId,
        pageId: r.pageId,
        page: (r.pageId && pageInfo.get(r.pageId)) || NO_PAGE,
        count: r.count,
        conditionRank: conditionRank.get(r.conditionId)!,
        // No page means no document: such measurements sort after every document.
        documentRank: r.documentId ? (documentRank.get(r.documentId) ?? LAST - 1) : LAST,
        pageNumber: r.pageNumber ?? LAST,
      }));
  }

  const byExportOrder = (a: Pair, b: Pair) =>
    a.conditionRank - b.conditionRank || a.documentRank - b.documentRank || a.pageNumber - b.pageNumber || comparePage(a, b);
  const byPageOrder = (a: Pair, b: Pair) =>
    a.documentRank - b.documentRank || a.pageNumber - b.pageNumber || comparePage(a, b) || a.conditionRank - b.conditionRank;

  /**
   * The reads of one chunk, in order. A plain chunk is one query; a keyset
   * chunk is a chain of pages, each starting after the last row of the one
   * before, which can be asked for before that one has arrived. Nothing here
   * holds on to a piece once it has been taken.
   */
  class ChunkReader {
    private readonly queue: { piece: Promise<Piece>; planned: number }[] = [];
    /** Rows the plan expects from this chunk. */
    private readonly planned: number;
    private requested = 0;
    /** Keyset chunks: where the page after the last one asked for starts (null: there is none). */
    private nextKey: Promise<Key | null> | null = null;
    /** Keyset chunks: whether the last page taken came back full. */
    private lastFull = false;

    constructor(
      private readonly chunk: Chunk,
      private readonly reads: ReadState,
    ) {
      this.planned = chunk.pairs.reduce((sum, p) => sum + p.count, 0);
    }

    /** Whether a read the plan calls for has not been asked for yet. */
    canRequest(): boolean {
      return this.chunk.keyset ? this.requested * batchSize < this.planned : this.requested === 0;
    }

    /** Asks for the next read; returns its planned rows. */
    request(): number {
      const { chunk } = this;
      let piece: Promise<Piece>;
      let planned: number;
      if (!chunk.keyset) {
        piece = readChunk(chunk);
        planned = this.planned;
      } else {
        const after = this.nextKey;
        piece = after ? after.then((key) => (key && !this.reads.stopped ? readPage(chunk, key) : emptyPiece(chunk))) : readPage(chunk, null);
        this.nextKey = piece.then((p) => p.next);
        planned = Math.max(0, Math.min(batchSize, this.planned - this.requested * batchSize));
      }
      this.reads.inFlight++;
      // Awaited in order by take(); a rejection of a read nobody takes any more must not go unhandled.
      piece.then(
        () => this.reads.inFlight--,
        () => this.reads.inFlight--,
      );
      this.nextKey?.catch(() => {});
      this.requested++;
      this.queue.push({ piece, planned });
      return planned;
    }

    /**
     * The next read in order, asking for it now if needed; null when the chunk
     * is done. `ahead`: it had been asked for before (by fill()).
     */
    take(): { piece: Promise<Piece>; planned: number; ahead: boolean } | null {
      const ahead = this.queue.length > 0;
      if (!ahead) {
        // Not asked for yet (reading ahead had not got to it), or a keyset chunk whose last
        // page came back full (rows added since the plan was made): read on.
        if (!(this.requested === 0 || (this.chunk.keyset && this.lastFull))) return null;
        this.request();
      }
      const next = this.queue.shift()!;
      return {
        ahead,
        planned: next.planned,
        piece: next.piece.then((p) => {
          this.lastFull = p.next !== null;
          return p;
        }),
      };
    }

    pending(): Promise<unknown>[] {
      return [...this.queue.map((q) => q.piece), ...(this.nextKey ? [this.nextKey] : [])];
    }
  }

  /**
   * Batches of HANDOUT_ROWS rows or a little more (the last may be smaller),
   * from queries of up to `batchSize` rows asked for ahead of the renderer.
   */
  async function* iterate(order: Order): AsyncGenerator<SourceMeasurement[]> {
    const pairs = [...(await loadPairs())].sort(order === "export" ? byExportOrder : byPageOrder);
    const sameGroup = order === "export" ? (a: Pair, b: Pair) => a.conditionId === b.conditionId : (a: Pair, b: Pair) => a.pageId === b.pageId;
    const reads: ReadState = { stopped: false, inFlight: 0 };
    // Last chunk first: a reader is popped when its chunk is done, so a finished chunk keeps nothing alive.
    const readers = planChunks(pairs, batchSize, sameGroup, order)
      .map((chunk) => new ChunkReader(chunk, reads))
      .reverse();
    // Reads are asked for while fewer than a query's worth of rows wait to be parsed (asked
    // for, or left in the piece being parsed): queries run (on PostgreSQL side by side) while
    // the renderer works, and a batch made of several small chunks (By-Page order) never waits
    // on them one by one; but texts do not wait longer than that either (see GROUP_ROWS).
    const lowWater = batchSize;
    /** Planned rows of reads asked for and not yet taken. */
    let asked = 0;
    /** Rows of the piece being parsed not parsed yet (planned count). */
    let left = 0;
    const fill = () => {
      for (let i = readers.length - 1; i >= 0 && asked + left < lowWater; i--) {
        const reader = readers[i];
        while (asked + left < lowWater && reader.canRequest()) asked += reader.request();
        if (reader.canRequest()) return;
      }
    };
    try {
      // Texts are parsed one at a time; a batch is handed out as soon as it is big enough.
      const target = Math.min(batchSize, HANDOUT_ROWS);
      let batch: SourceMeasurement[] = [];
      while (readers.length) {
        fill();
        const next = readers[readers.length - 1].take();
        if (!next) {
          readers.pop();
          continue;
        }
        if (next.ahead) asked -= next.planned;
        left = next.planned;
        const { chunk, groups } = await next.piece;
        for (let i = 0; i < groups.length; i++) {
          const group = groups[i];
          // Let each text go as soon as it is parsed, not with the whole piece.
          groups[i] = NO_ROWS;
          const rows = typeof group === "string" ? (JSON.parse(group) as RawRow[]) : group;
          addRows(rows, chunk.pairs, batch);
          left = Math.max(0, left - rows.length);
          fill();
          if (batch.length >= target) {
            const out = batch;
            batch = [];
            // Between batches the renderer may not wait on anything, and then a driver over the
            // network never gets to send the queries asked for or take in their results: reading
            // ahead would not overlap rendering at all. One turn of the event loop lets it.
            if (reads.inFlight > 0) await new Promise<void>((resolve) => setImmediate(resolve));
            yield out;
          }
        }
        // Rows deleted since the plan was made leave planned rows that will never come.
        left = 0;
      }
      if (batch.length) yield batch;
    } finally {
      reads.stopped = true;
      // A consumer that stops early (cancellation, an error) leaves no query running behind it.
      await Promise.allSettled(readers.flatMap((r) => r.pending()));
    }
  }

  const emptyPiece = (chunk: Chunk): Piece => ({ chunk, groups: [], next: null });

  /**
   * The texts of this source's reads, each built once by drizzle with
   * placeholders and then run with its values (queryRows): building a query
   * per read allocated several hundred objects, which a read asked for ahead
   * kept alive until it ran, long enough to be promoted.
   */
  const statements = new Map<string, { sql: string; params: unknown[] }>();
  function statement(key: string, build: () => { toSQL(): { sql: string; params: unknown[] } }) {
    let built = statements.get(key);
    if (!built) statements.set(key, (built = build().toSQL()));
    return built;
  }
  const p = sql.placeholder;
  // Arrays go as text literals ('{a,b}') cast in SQL, the same way on both drivers.
  const uuidArray = (ids: (string | null)[]) => `{${ids.map((id) => id ?? "NULL").join(",")}}`;

  /** Several small pairs sharing a condition or a page: at most one batch of rows, in pair order then (position, id). */
  async function readChunk(chunk: Chunk): Promise<Piece> {
    const pageIds = unique(chunk.pairs.map((pair) => pair.pageId).filter((id): id is string => id !== null));
    const withoutPage = chunk.pairs.some((pair) => pair.pageId === null);
    // One statement per shape: with an OR on a parameter, a generic plan could not use page_id in the index range.
    const pagesAre = pageIds.length === 0 ? "none" : withoutPage ? "some_or_null" : "some";
    const query = statement(`chunk:${chunk.order}:${pagesAre}`, () => {
      // The pairs of a chunk differ only in their page (export order) or only in their condition (By-Page order).
      const keyColumn = chunk.order === "export" ? measurements.pageId : measurements.conditionId;
      const onPages = sql`${measurements.pageId} = any(${p("pageIds")}::uuid[])`;
      return textsQuery(
        and(
          sql`${measurements.conditionId} = any(${p("conditionIds")}::uuid[])`,
          pagesAre === "none" ? isNull(measurements.pageId) : pagesAre === "some" ? onPages : or(onPages, isNull(measurements.pageId)),
          verified,
        ),
        // array_position compares with IS NOT DISTINCT FROM, so the pair without a page is found too.
        { pairIndex: sql<number>`array_position(${p("keys")}::uuid[], ${keyColumn})` },
      );
    });
    const texts = await fetchTexts(query, {
      conditionIds: uuidArray(unique(chunk.pairs.map((pair) => pair.conditionId))),
      pageIds: uuidArray(pageIds),
      keys: uuidArray(chunk.pairs.map((pair) => (chunk.order === "export" ? pair.pageId : pair.conditionId))),
    });
    return { chunk, groups: texts, next: null };
  }

  /** One page of a pair bigger than a batch: keyset pagination over its (position, id) index range. */
  async function readPage(chunk: Chunk, after: Key | null): Promise<Piece> {
    const [pair] = chunk.pairs;
    const query = statement(`page:${pair.pageId ? "page" : "null"}:${after ? "after" : "first"}`, () =>
      textsQuery(
        and(
          eq(measurements.conditionId, p("conditionId")),
          pair.pageId ? eq(measurements.pageId, p("pageId")) : isNull(measurements.pageId),
          verified,
          after ? sql`(${measurements.position}, ${measurements.id}) > (${p("afterPosition")}::bigint, ${p("afterId")}::uuid)` : undefined,
        ),
        { limit: true },
      ),
    );
    const texts = await fetchTexts(query, {
      conditionId: pair.conditionId,
      pageId: pair.pageId,
      afterPosition: after?.position,
      afterId: after?.id,
      limit: batchSize,
    });
    const groups: (string | RawRow[])[] = texts;
    const tail = texts.length ? (JSON.parse(texts[texts.length - 1]) as RawRow[]) : [];
    if (tail.length) groups[groups.length - 1] = tail;
    const last = tail[tail.length - 1];
    // Every text but the last holds GROUP_ROWS rows.
    const full = (texts.length - 1) * GROUP_ROWS + tail.length >= batchSize;
    return { chunk, groups, next: full && last ? { position: last[2], id: last[1] } : null };
  }

  /**
   * One read whose result is its rows as JSON texts of up to GROUP_ROWS rows,
   * numbered in order: a chunk's rows by pair (`pairIndex`, the pair's place in
   * the chunk, which each row carries instead of its ids), then (position, id);
   * a keyset page's rows (one pair) are limited to the `limit` placeholder
   * first, then numbered. Page details come from the pair list instead of a
   * join, which halves the query's cost.
   */
  function textsQuery(where: SQL | undefined, order: { pairIndex: SQL<number> } | { limit: true }) {
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
      const page = db.select(columns).from(measurements).where(where).orderBy(asc(measurements.position), asc(measurements.id)).limit(p("limit")).as("p");
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
    return db
      .select({
        rows: sql<string>`json_agg(json_build_array(${m.pair}, ${m.id}, ${m.position}, ${m.geometryType}, ${m.geometry}, ${m.quantity}, ${m.unit}, ${m.isVerified}, ${m.isAiGenerated}, ${m.notes}) order by ${m.rn})::text`.as("rows"),
      })
      .from(m)
      .groupBy(group)
      .orderBy(group);
  }

  /** Runs a read of textsQuery with its values; returns the texts. */
  async function fetchTexts(query: { sql: string; params: unknown[] }, values: Record<string, unknown>): Promise<string[]> {
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

  return {
    exportId: input.exportId,
    type: input.type,
    generatedAt: input.generatedAt,
    project: {
      id: project.id,
      name: project.name,
      description: project.description,
      clientName: project.clientName,
      address: project.address,
    },
    document,
    conditions: sourceConditions,
    rowsTotal,
    measurements: () => iterate("export"),
    measurementsByPage: () => iterate("page"),
  };
}

/** Packs sorted pairs into chunks of at most `batchSize` rows that share a group (condition or page). */
function planChunks(pairs: Pair[], batchSize: number, sameGroup: (a: Pair, b: Pair) => boolean, order: Order): Chunk[] {
  const chunks: Chunk[] = [];
  let current: Pair[] = [];
  let rows = 0;
  const flush = () => {
    if (current.length) chunks.push({ pairs: current, keyset: false, order });
    current = [];
    rows = 0;
  };
  for (const pair of pairs) {
    if (pair.count >= batchSize) {
      flush();
      chunks.push({ pairs: [pair], keyset: true, order });
      continue;
    }
    if (current.length && (!sameGroup(current[0], pair) || rows + pair.count > batchSize)) flush();
    current.push(pair);
    rows += pair.count;
  }
  flush();
  return chunks;
}

function comparePage(a: Pair, b: Pair): number {
  const x = a.pageId ?? "";
  const y = b.pageId ?? "";
  return x < y ? -1 : x > y ? 1 : 0;
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

// jsonb stores keys sorted by length, so a line would read {"end":…,"start":…};
// writers get the SPEC §6.6 order back.
const GEOMETRY_KEY_ORDER = ["start", "end", "points", "center", "radius", "x", "y", "width", "height", "rotation"];

function canonicalGeometry(g: unknown): unknown {
  if (!g || typeof g !== "object" || Array.isArray(g) || !("start" in g)) return g;
  const src = g as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of GEOMETRY_KEY_ORDER) if (k in src) out[k] = src[k];
  for (const k of Object.keys(src)) if (!(k in out)) out[k] = src[k];
  return out;
}

function addRows(rows: RawRow[], pairs: Pair[], out: SourceMeasurement[]): void {
  for (const r of rows) out.push(new Measurement(r, pairs[r[0] - 1]));
}

/**
 * One measurement as the renderers get it. A class, not an object literal:
 * V8 watches each literal's objects and, when a young-generation collection
 * finds most of them alive (as it will right after a batch is parsed), may
 * decide to allocate every later object of that literal straight into the
 * old generation: a million rows of garbage there, freed only by full GCs.
 */
class Measurement implements SourceMeasurement {
  id: string;
  conditionId: string;
  documentId: string | null;
  pageNumber: number | null;
  sheetNumber: string | null;
  sheetTitle: string | null;
  geometryType: SourceMeasurement["geometryType"];
  geometry: unknown;
  quantity: number;
  unit: string;
  isVerified: boolean;
  isAiGenerated: boolean;
  notes: string | null;

  constructor(r: RawRow, pair: Pair) {
    const { page } = pair;
    this.id = r[1];
    this.conditionId = pair.conditionId;
    this.documentId = page.documentId;
    this.pageNumber = page.pageNumber;
    this.sheetNumber = page.sheetNumber;
    this.sheetTitle = page.sheetTitle;
    this.geometryType = r[3];
    this.geometry = canonicalGeometry(r[4]);
    this.quantity = r[5];
    this.unit = r[6];
    this.isVerified = r[7];
    this.isAiGenerated = r[8];
    this.notes = r[9];
  }
}
