/**
 * Rows written by the database (ExportSource.sqlRows; the request is
 * SqlRowsRequest in formats/types.ts): the chunks of export order (plan.ts),
 * each read by one query whose one row is the bytes of all the chunk's rows
 * in order, their count, how many the expression refused, and, for a keyset
 * page, where the next page starts. So no query sorts more than a chunk (the
 * aggregate orders it, as the JavaScript reads do), and no result is bigger
 * than one.
 *
 * The bytes are written to the output as the driver received them; no
 * string is made of them. On PostgreSQL the query's result comes raw
 * (postgres.js `.raw()`: each value the Buffer of its bytes). On PGlite,
 * which would decode every text into a string, the query is run as `COPY
 * (…) TO '/dev/blob' (FORMAT binary)`: binary COPY carries a text as its
 * UTF-8 bytes, without the escapes of the text and CSV formats. (COPY …
 * TO STDOUT on PostgreSQL gives the same bytes, but postgres.js hands its
 * stream over a tick after an error may already have been emitted on it,
 * which would then go unhandled.)
 *
 * A row the expression refuses (its line is NULL; formats/sql-text.ts
 * sqlRefusal) makes its chunk be read again as the other formats read it and
 * handed over as rows, for the renderer to write.
 */
import type { PGliteClient } from "@/db/pglite-thread";
import type { Sql } from "postgres";
import type { Db } from "@/db";
import type { SourceMeasurement, SqlRowsPart, SqlRowsRequest } from "../formats/types";
import { chunkFilter, chunkRows, type Chunk } from "./plan";
import { readChunk, readPage, type Key, type MeasurementReads, type Piece } from "./queries";
import { addRows, type RawRow } from "./rows";

export type SqlRowsSource = {
  db: Db;
  /** The JavaScript reads of the same rows, for refused chunks. */
  reads: MeasurementReads;
  /** Only verified measurements (include_unverified: false). */
  verifiedOnly: boolean;
  /** The chunks of export order. */
  chunks: () => Promise<Chunk[]>;
  /** Rows per keyset page (the plan's batch size). */
  batchSize: number;
};

/** Reads asked for ahead of the one being written: enough to keep PostgreSQL busy while the output is written. */
const READS_AHEAD = 2;

type ReadResult = { part: SqlRowsPart | null; next: Key | null };
type Read = { chunk: Chunk; result: Promise<ReadResult>; lastPlanned: boolean };

const NOTHING: ReadResult = { part: null, next: null };

/** The rows of the source's chunks as the request writes them, in export order. */
export async function* sqlRows(source: SqlRowsSource, request: SqlRowsRequest): AsyncGenerator<SqlRowsPart> {
  const chunks = await source.chunks();
  const client = (source.db as unknown as { $client: Sql | PGliteClient }).$client;
  const query = "unsafe" in client ? queryPostgres(client) : queryPglite(client);
  const limit = source.batchSize;
  let stopped = false;

  const readPlain = (chunk: Chunk) =>
    readOrRefused(query, chunkStatement(source, request, chunk), limit, () => rowsOfChunk(source.reads, chunk));
  const readKeyset = (chunk: Chunk, after: Key | null) =>
    readOrRefused(query, pageStatement(source, request, chunk, after, limit), limit, () => rowsOfPage(source.reads, chunk, after, limit));

  // Reads in order. A keyset chunk's pages are chained: each starts after the last row of
  // the one before, and can be asked for before that one has arrived.
  const queue: Read[] = [];
  let chunkIndex = 0;
  let pageIndex = 0;
  let chain: Promise<ReadResult> | null = null;
  const askNext = () => {
    while (chunkIndex < chunks.length) {
      const chunk = chunks[chunkIndex];
      if (!chunk.keyset) {
        chunkIndex++;
        queue.push({ chunk, result: readPlain(chunk), lastPlanned: false });
        return;
      }
      const planned = Math.ceil(chunkRows(chunk) / limit);
      if (pageIndex < planned) {
        const previous = chain;
        chain = previous ? previous.then((p) => (p.next && !stopped ? readKeyset(chunk, p.next) : NOTHING)) : readKeyset(chunk, null);
        pageIndex++;
        queue.push({ chunk, result: chain, lastPlanned: pageIndex === planned });
        return;
      }
      chunkIndex++;
      pageIndex = 0;
      chain = null;
    }
  };

  try {
    askNext();
    while (queue.length) {
      while (queue.length <= READS_AHEAD && chunkIndex < chunks.length) askNext();
      const read = queue.shift()!;
      let result = await read.result;
      if (result.part) yield result.part;
      // Rows added since the plan was made: a keyset chunk goes on while its pages come back full.
      while (read.lastPlanned && result.next && !stopped) {
        result = await readKeyset(read.chunk, result.next);
        if (result.part) yield result.part;
      }
    }
  } finally {
    stopped = true;
    // A consumer that stops early (cancellation, an error) leaves no query running behind it.
    await Promise.allSettled(queue.map((r) => r.result));
  }
}

/** Runs a read; when the expression refuses a row, reads the chunk's rows the other way instead. */
async function readOrRefused(
  query: (statement: string) => Promise<Fields>,
  statement: string,
  limit: number,
  fallback: () => Promise<ReadResult>,
): Promise<ReadResult> {
  const [bytes, rows, refused, last] = await query(statement);
  if (Number(refused) > 0) return fallback();
  const count = Number(rows);
  if (!bytes || count === 0) return NOTHING;
  const space = last ? last.indexOf(" ") : -1;
  return {
    part: { bytes, rows: count },
    // The next page starts after this one's last row when this one came back full.
    next: last && space > 0 && count >= limit ? { position: Number(last.slice(0, space)), id: last.slice(space + 1) } : null,
  };
}

/** A read's one row: the rows' bytes, their count, how many were refused, the last row's "position id" (keyset pages). */
type Fields = [bytes: Buffer | null, rows: string, refused: string, last: string | null];

const queryPostgres =
  (client: Sql) =>
  async (statement: string): Promise<Fields> => {
    // Not prepared: each chunk's text has its own literals.
    const [row] = await client.unsafe(statement, [], { prepare: false }).raw();
    const [bytes, rows, refused, last] = row as unknown as (Buffer | null)[];
    return [bytes, rows!.toString("latin1"), refused!.toString("latin1"), last?.toString("latin1") ?? null];
  };

const queryPglite =
  (client: PGliteClient) =>
  async (statement: string): Promise<Fields> => {
    const result = await client.query(`copy (${statement}) to '/dev/blob' (format binary)`);
    if (!result.blob) throw new Error("PGlite returned no blob for COPY TO '/dev/blob'");
    return parseBinaryCopy(Buffer.from(await result.blob.arrayBuffer()));
  };

/** Binary COPY: signature (11 bytes), flags, header extension length and extension; then tuples; then -1. */
const HEADER_BYTES = 11 + 4 + 4;

/** The one tuple of a binary COPY of a read (every field text). */
function parseBinaryCopy(out: Buffer): Fields {
  let at = HEADER_BYTES + out.readInt32BE(HEADER_BYTES - 4);
  const fields = out.readInt16BE(at);
  at += 2;
  if (fields !== 4) throw new Error(`COPY row with ${fields} fields, expected 4`);
  const field = () => {
    const length = out.readInt32BE(at);
    at += 4;
    if (length < 0) return null;
    const value = out.subarray(at, at + length);
    at += length;
    return value;
  };
  const bytes = field();
  const rows = field()!.toString("latin1");
  const refused = field()!.toString("latin1");
  const last = field()?.toString("latin1") ?? null;
  return [bytes, rows, refused, last];
}

const REFUSED = "(count(*) filter (where r.line is null))::text";

const MEASUREMENT_COLUMNS =
  "m.id, m.position, m.geometry_type, m.geometry, m.quantity, m.unit, m.is_verified, m.is_ai_generated, m.notes, m.page_id";

const uuidLiteral = (id: string) => {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new Error(`not a uuid: ${id}`);
  return `'${id}'::uuid`;
};
const uuidArray = (ids: (string | null)[]) =>
  `'{${ids.map((id) => (id === null ? "NULL" : uuidLiteral(id).slice(1, 37))).join(",")}}'::uuid[]`;

/**
 * The request's steps and its line over `base` (a subquery aliased r), each
 * fenced by OFFSET 0 so its columns are computed once per row.
 */
function withSteps(base: string, steps: Record<string, string>[], line: string): string {
  let from = base;
  for (const step of [...steps, { line }]) {
    const columns = Object.entries(step).map(([name, sql]) => `${sql} as ${name}`);
    from = `(select r.*, ${columns.join(", ")} from ${from} r offset 0)`;
  }
  return from;
}

/** A plain chunk: its pairs' rows (one condition, a few pages) in pair order, then (position, id). */
function chunkStatement(source: SqlRowsSource, request: SqlRowsRequest, chunk: Chunk): string {
  if (chunk.order !== "export") throw new Error("sqlRows reads export order only");
  const filter = chunkFilter(chunk);
  const [conditionId] = filter.conditionIds;
  const { steps, line } = request(
    conditionId,
    chunk.pairs.map((p) => p.page),
  );
  const onPages = `m.page_id = any(${uuidArray(filter.pageIds)})`;
  const pages = filter.pages === "none" ? "m.page_id is null" : filter.pages === "some" ? onPages : `(${onPages} or m.page_id is null)`;
  const base = `(select ${MEASUREMENT_COLUMNS}, array_position(${uuidArray(filter.keys)}, m.page_id) as pair
    from measurements m
    where m.condition_id = any(${uuidArray(filter.conditionIds)}) and ${pages}${source.verifiedOnly ? " and m.is_verified" : ""})`;
  return `select string_agg(r.line, '' order by r.pair, r.position, r.id), count(*)::text, ${REFUSED}, null::text from ${withSteps(base, steps, line)} r`;
}

/** One page of `limit` rows of a pair bigger than a batch, after `after`: keyset pagination on (position, id). */
function pageStatement(source: SqlRowsSource, request: SqlRowsRequest, chunk: Chunk, after: Key | null, limit: number): string {
  const [pair] = chunk.pairs;
  const { steps, line } = request(pair.conditionId, [pair.page]);
  const where = [
    `m.condition_id = ${uuidLiteral(pair.conditionId)}`,
    pair.pageId ? `m.page_id = ${uuidLiteral(pair.pageId)}` : "m.page_id is null",
    ...(source.verifiedOnly ? ["m.is_verified"] : []),
    ...(after ? [`(m.position, m.id) > (${Number(after.position)}::bigint, ${uuidLiteral(after.id)})`] : []),
  ];
  const base = `(select ${MEASUREMENT_COLUMNS}, 1 as pair
    from measurements m
    where ${where.join(" and ")}
    order by m.position, m.id
    limit ${Number(limit)})`;
  const last = `(array_agg(r.position::text || ' ' || r.id::text order by r.position desc, r.id desc))[1]`;
  return `select string_agg(r.line, '' order by r.position, r.id), count(*)::text, ${REFUSED}, ${last} from ${withSteps(base, steps, line)} r`;
}

/** A refused plain chunk's rows, read as the other formats read them. */
async function rowsOfChunk(reads: MeasurementReads, chunk: Chunk): Promise<ReadResult> {
  return { part: rowsPart(await readChunk(reads, chunk)), next: null };
}

/** A refused keyset page's rows, read as the other formats read them, and where the next page starts. */
async function rowsOfPage(reads: MeasurementReads, chunk: Chunk, after: Key | null, limit: number): Promise<ReadResult> {
  const piece = await readPage(reads, chunk, after, limit);
  return { part: rowsPart(piece), next: piece.next };
}

function rowsPart(piece: Piece): SqlRowsPart | null {
  const rows: SourceMeasurement[] = [];
  for (const group of piece.groups) addRows(typeof group === "string" ? (JSON.parse(group) as RawRow[]) : group, piece.chunk.pairs, rows);
  return rows.length ? { bytes: null, rows } : null;
}
