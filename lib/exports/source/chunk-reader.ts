/**
 * Reads planned chunks ahead of the renderer and hands their rows out in
 * small batches (see index.ts for why both matter to memory).
 */
import type { SourceMeasurement } from "../formats/types";
import { chunkRows, handoutRows, plannedReads, plannedRowsOfRead, readsOn, wantsReadAhead, type Chunk } from "./plan";
import { readChunk, readPage, type Key, type MeasurementReads, type Piece } from "./queries";
import { addRows, type RawRow } from "./rows";

/** Shared by the reads of one pass: whether its consumer has gone, and how many reads are under way. */
type ReadState = { stopped: boolean; inFlight: number };

const NO_ROWS: RawRow[] = [];

const emptyPiece = (chunk: Chunk): Piece => ({ chunk, groups: [], next: null });

/**
 * The reads of one chunk, in order. A plain chunk is one query; a keyset
 * chunk is a chain of pages, each starting after the last row of the one
 * before, which can be asked for before that one has arrived. Nothing here
 * holds on to a piece once it has been taken.
 */
export class ChunkReader {
  private readonly queue: { piece: Promise<Piece>; planned: number }[] = [];
  /** Rows the plan expects from this chunk. */
  private readonly planned: number;
  private readonly plannedReads: number;
  private requested = 0;
  /** Keyset chunks: where the page after the last one asked for starts (null: there is none). */
  private nextKey: Promise<Key | null> | null = null;
  /** Keyset chunks: whether the last page taken came back full. */
  private lastFull = false;

  constructor(
    private readonly chunk: Chunk,
    private readonly reads: ReadState,
    private readonly queries: MeasurementReads,
    private readonly batchSize: number,
  ) {
    this.planned = chunkRows(chunk);
    this.plannedReads = plannedReads(chunk, this.planned, batchSize);
  }

  /** Whether a read the plan calls for has not been asked for yet. */
  canRequest(): boolean {
    return this.requested < this.plannedReads;
  }

  /** Asks for the next read; returns its planned rows. */
  request(): number {
    const { chunk, queries, batchSize } = this;
    let piece: Promise<Piece>;
    if (!chunk.keyset) piece = readChunk(queries, chunk);
    else {
      const after = this.nextKey;
      piece = after
        ? after.then((key) => (key && !this.reads.stopped ? readPage(queries, chunk, key, batchSize) : emptyPiece(chunk)))
        : readPage(queries, chunk, null, batchSize);
      this.nextKey = piece.then((p) => p.next);
    }
    const planned = plannedRowsOfRead(chunk, this.planned, this.requested, batchSize);
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
      if (!readsOn(this.chunk, this.requested, this.lastFull)) return null;
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
 * The rows of `chunks`, in order, in batches of HANDOUT_ROWS rows or a little
 * more (the last may be smaller), from queries of up to `batchSize` rows
 * asked for ahead of the renderer.
 */
export async function* readBatches(chunks: Chunk[], queries: MeasurementReads, batchSize: number): AsyncGenerator<SourceMeasurement[]> {
  const reads: ReadState = { stopped: false, inFlight: 0 };
  // Last chunk first: a reader is popped when its chunk is done, so a finished chunk keeps nothing alive.
  const readers = chunks.map((chunk) => new ChunkReader(chunk, reads, queries, batchSize)).reverse();
  /** Planned rows of reads asked for and not yet taken. */
  let asked = 0;
  /** Rows of the piece being parsed not parsed yet (planned count). */
  let left = 0;
  const fill = () => {
    for (let i = readers.length - 1; i >= 0 && wantsReadAhead(asked, left, batchSize); i--) {
      const reader = readers[i];
      while (wantsReadAhead(asked, left, batchSize) && reader.canRequest()) asked += reader.request();
      if (reader.canRequest()) return;
    }
  };
  try {
    // Texts are parsed one at a time; a batch is handed out as soon as it is big enough.
    const target = handoutRows(batchSize);
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
