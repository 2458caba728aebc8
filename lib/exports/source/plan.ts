/**
 * What an export reads, in which queries and in which order, decided from
 * plain inputs: the (condition, page) pairs with their counts, the order, the
 * driver. Nothing here touches the database (see index.ts for why the reads
 * are shaped this way).
 */
import type { SourceMeasurement } from "../formats/types";

/** Rows one query reads at most. */
export const BATCH_SIZE = 2000;

/**
 * Rows per query for a database driver. PGlite hands over a query's whole
 * result at once, decoded, where postgres.js streams it in: with 2,000 rows a
 * result waited long enough behind the renderer to be promoted (a million-row
 * OST export on PGlite peaked at +41 to +70 MiB; with 1,000, +24 to +29 MiB,
 * ~4 % slower).
 */
export function batchSizeFor(driver: "pglite" | "postgres"): number {
  return driver === "pglite" ? BATCH_SIZE / 2 : BATCH_SIZE;
}

/**
 * Rows per batch handed to the renderer. Smaller than a query: a batch lives
 * while the renderer works on it, and one of 2,000 rows lived long enough to
 * outlast two young-generation collections and be promoted, garbage and all.
 */
export const HANDOUT_ROWS = 500;

/**
 * Rows per JSON text of a query result: about 20 KB of text, so a text stays
 * well under V8's large-object threshold (128 KB) even as UTF-16 with long notes.
 */
export const GROUP_ROWS = 100;

/** How big a batch gets before it is handed out (texts are parsed one at a time). */
export function handoutRows(batchSize: number): number {
  return Math.min(batchSize, HANDOUT_ROWS);
}

/**
 * Whether to ask for another read, given the planned rows of reads asked for
 * and not yet taken (`asked`) and the rows of the piece being parsed not
 * parsed yet (`left`). Reads are asked for while fewer than a query's worth of
 * rows wait to be parsed: queries run (on PostgreSQL side by side) while the
 * renderer works, and a batch made of several small chunks (By-Page order)
 * never waits on them one by one; but texts do not wait longer than that
 * either (see GROUP_ROWS).
 */
export function wantsReadAhead(asked: number, left: number, batchSize: number): boolean {
  return asked + left < batchSize;
}

export type Order = "export" | "page";

export type PageInfo = Pick<SourceMeasurement, "documentId" | "documentName" | "pageNumber" | "sheetNumber" | "sheetTitle">;
export const NO_PAGE: PageInfo = { documentId: null, documentName: null, pageNumber: null, sheetNumber: null, sheetTitle: null };

/** One (condition, page) pair with measurements, where it sorts, and the page details its rows get. */
export type Pair = {
  conditionId: string;
  pageId: string | null;
  page: PageInfo;
  count: number;
  conditionRank: number;
  documentRank: number;
  pageNumber: number;
};

/** A (condition, page) pair as the grouped query counts it (the document's name comes from the document list). */
export type PairCount = Omit<PageInfo, "documentName"> & { conditionId: string; pageId: string | null; count: number };

/** A document of the export, in export order. */
export type DocumentRef = { id: string; name: string };

/** Pairs read by one query: they share a condition (export order) or a page (By-Page order). */
export type Chunk = { pairs: Pair[]; keyset: boolean; order: Order };

const LAST = Number.MAX_SAFE_INTEGER;

/**
 * The pairs of the export's conditions (`conditionIds`, in export order),
 * ranked for sorting; documents rank in the order of `documents`.
 */
export function rankPairs(counts: PairCount[], conditionIds: string[], documents: DocumentRef[]): Pair[] {
  const conditionRank = new Map(conditionIds.map((id, i) => [id, i]));
  const documentRank = new Map(documents.map((d, i) => [d.id, i]));
  const documentName = new Map(documents.map((d) => [d.id, d.name]));
  // One details object per page, shared by its pairs: a row gets its page and document (name
  // included) from its pair, so naming the document costs nothing per row and no string per row.
  const pageInfo = new Map<string, PageInfo>();
  for (const r of counts) {
    if (r.pageId && !pageInfo.has(r.pageId)) {
      pageInfo.set(r.pageId, {
        documentId: r.documentId,
        documentName: (r.documentId && documentName.get(r.documentId)) || null,
        pageNumber: r.pageNumber,
        sheetNumber: r.sheetNumber,
        sheetTitle: r.sheetTitle,
      });
    }
  }
  return counts
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

function comparePage(a: Pair, b: Pair): number {
  const x = a.pageId ?? "";
  const y = b.pageId ?? "";
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The chunks that read `pairs` in `order`, in the order they are read. */
export function planChunks(pairs: Pair[], order: Order, batchSize: number): Chunk[] {
  const sorted = [...pairs].sort(order === "export" ? byExportOrder : byPageOrder);
  const sameGroup =
    order === "export" ? (a: Pair, b: Pair) => a.conditionId === b.conditionId : (a: Pair, b: Pair) => a.pageId === b.pageId;
  return packChunks(sorted, batchSize, sameGroup, order);
}

/** Packs sorted pairs into chunks of at most `batchSize` rows that share a group (condition or page). */
function packChunks(pairs: Pair[], batchSize: number, sameGroup: (a: Pair, b: Pair) => boolean, order: Order): Chunk[] {
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

/** Rows the plan expects from a chunk. */
export function chunkRows(chunk: Chunk): number {
  return chunk.pairs.reduce((sum, p) => sum + p.count, 0);
}

/** Reads the plan calls for: one query for a plain chunk, a keyset page per `batchSize` rows. */
export function plannedReads(chunk: Chunk, rows: number, batchSize: number): number {
  return chunk.keyset ? Math.ceil(rows / batchSize) : 1;
}

/** Rows the plan expects from read number `index` (from 0) of a chunk of `rows` rows. */
export function plannedRowsOfRead(chunk: Chunk, rows: number, index: number, batchSize: number): number {
  return chunk.keyset ? Math.max(0, Math.min(batchSize, rows - index * batchSize)) : rows;
}

/**
 * Whether a chunk with no read waiting is read once more: when it has not
 * been read at all (reading ahead had not got to it), or when it is a keyset
 * chunk whose last page came back full (rows added since the plan was made).
 */
export function readsOn(chunk: Chunk, requested: number, lastFull: boolean): boolean {
  return requested === 0 || (chunk.keyset && lastFull);
}

/**
 * Whether a keyset page of `texts` JSON texts, the last holding `tailRows`
 * rows, came back full, so that the pair may go on after it. Every text but
 * the last holds GROUP_ROWS rows.
 */
export function pageIsFull(texts: number, tailRows: number, limit: number): boolean {
  return (texts - 1) * GROUP_ROWS + tailRows >= limit;
}

/** Which pages a plain chunk's query covers; one statement per shape (see queries.ts). */
export type PagesShape = "none" | "some" | "some_or_null";

/**
 * The ids a plain chunk's query filters on, and `keys`: per pair, in order,
 * the id it differs in from the others (its page in export order, its
 * condition By-Page), by which each row is numbered with its pair.
 */
export function chunkFilter(chunk: Chunk): { conditionIds: string[]; pageIds: string[]; pages: PagesShape; keys: (string | null)[] } {
  const pageIds = unique(chunk.pairs.map((pair) => pair.pageId).filter((id): id is string => id !== null));
  const withoutPage = chunk.pairs.some((pair) => pair.pageId === null);
  return {
    conditionIds: unique(chunk.pairs.map((pair) => pair.conditionId)),
    pageIds,
    pages: pageIds.length === 0 ? "none" : withoutPage ? "some_or_null" : "some",
    keys: chunk.pairs.map((pair) => (chunk.order === "export" ? pair.pageId : pair.conditionId)),
  };
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
