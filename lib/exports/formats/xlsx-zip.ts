/**
 * A small streaming ZIP writer: just what an .xlsx container needs.
 *
 * Entries are deflated one after another straight into the output. Sizes and
 * CRC are not known when an entry starts, so each local header has flag bit 3
 * set and a data descriptor follows the data; the central directory at the
 * end repeats everything (readers use that). Compression runs on zlib's
 * stream API, which deflates on the libuv thread pool: the render thread
 * keeps producing XML while another core compresses the previous chunk.
 *
 * Limits, checked (an export that passes them fails instead of writing a
 * corrupt file): without `zip64`, every entry (uncompressed) and the whole
 * archive must stay under 4 GiB, and at most 65,535 entries. Sheet XML runs
 * at ~300 bytes a row (a full 1,048,576-row sheet: ~0.3 GB); only a sheet
 * where most rows carry notes thousands of characters long could reach 4 GiB.
 *
 * With `zip64` (bundles, SPEC §14.3) the archive passes those limits the way
 * Go's archive/zip does for streamed entries: an entry's data descriptor has
 * 8-byte sizes when the entry turned out larger than 4 GiB; the central
 * directory gives an entry a ZIP64 extra field holding exactly the values
 * that do not fit in 32 bits; and the end record is preceded by a ZIP64 end
 * record and its locator when the entry count, the directory's size or its
 * offset does not fit. An archive below every limit is written byte for byte
 * as without `zip64`.
 */
import type { Writable } from "node:stream";
import { finished } from "node:stream/promises";
import zlib from "node:zlib";
import { write } from "./writes";

const LOCAL_HEADER = 0x04034b50;
const DATA_DESCRIPTOR = 0x08074b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const ZIP64_END_OF_CENTRAL_DIRECTORY = 0x06064b50;
const ZIP64_END_LOCATOR = 0x07064b50;
const ZIP64_EXTRA = 0x0001;
/** 4.5: ZIP64 (APPNOTE 4.4.3.2), on the entries and records that use it. */
const VERSION_ZIP64 = 45;
/** Bit 3: sizes and CRC follow in a data descriptor; bit 11: names are UTF-8. */
const FLAGS = 0x0808;
const DEFLATE = 8;
/** 2.0: deflate. */
const VERSION = 20;
const MAX_32 = 0xffffffff;
const MAX_ENTRIES = 0xffff;
/** Memory of uncompressed content that may wait for the compressor (pooled buffers count whole): a few batches of rows. */
const INPUT_BUFFER = 4 * 1024 * 1024;
/** Size of the reused buffers text is encoded into (see ChunkPool). */
export const CHUNK_BYTES = 1024 * 1024;
/**
 * Size of the buffers the compressor writes into. It keeps filling one until
 * it is full, across jobs, so a buffer lives as long as it takes to fill: at
 * 256 KB (~3 batches of a sheet's rows) each one outlived two young-generation
 * collections and was freed only by a full GC, tens of MB of them on a
 * million-row workbook. At 32 KB one batch's output (~12 KB) still fits a job.
 */
const OUTPUT_CHUNK = 32 * 1024;
/** Buffers a pool keeps for reuse: as many as INPUT_BUFFER lets wait, and one being filled. */
export const POOLED_CHUNKS = INPUT_BUFFER / CHUNK_BYTES + 2;

const CLOSED = () => new Error("The output stream was closed before the export was written.");

const TOO_LARGE = () =>
  new Error("The workbook is larger than 4 GiB, which this writer cannot store (no ZIP64). Export fewer rows or use CSV.");

type Written = { name: Buffer; offset: number; crc: number; compressed: number; size: number };

export type ZipOptions = {
  /** Modification time stamped on every entry (in UTC, so the file does not depend on the host's zone). */
  date: Date;
  /** zlib level, 1 (fastest) to 9 (smallest). */
  level: number;
  /** Use ZIP64 records where an entry, the archive or the entry count passes the classic limits (bundles); off for .xlsx. */
  zip64?: boolean;
  /**
   * Say the entries were made on Unix, with mode 0644 (bundles, which people
   * unzip). Info-ZIP's unzip reads the names of MS-DOS-made entries as code
   * page 437 despite the UTF-8 flag, so "Façade" would come out mangled.
   */
  unix?: boolean;
};

/** Host byte of "version made by" (APPNOTE 4.4.2): 0 MS-DOS, 3 Unix. */
const HOST_UNIX = 3 << 8;
/** A regular file, rw-r--r--, in the high half of the external attributes (Unix hosts). */
const UNIX_FILE_ATTRIBUTES = (0o100644 << 16) >>> 0;

/** Writes a ZIP archive entry by entry into `out`, waiting whenever `out` or the compressor is full. */
export class ZipWriter {
  private offset = 0;
  private readonly written: Written[] = [];
  private current: ZipEntry | null = null;
  private readonly pool = new ChunkPool();
  private readonly time: number;
  private readonly day: number;

  constructor(
    private readonly out: Writable,
    private readonly options: ZipOptions,
  ) {
    [this.time, this.day] = dosDateTime(options.date);
  }

  /** Bytes written so far (the archive's size once finished). */
  get bytesWritten(): number {
    return this.offset;
  }

  /**
   * Starts an entry; write its content through the returned entry, then
   * `closeEntry()`. `level` overrides the archive's zlib level for this entry
   * (a bundle stores an already-compressed .xlsx at level 1).
   */
  async openEntry(name: string, opts: { level?: number } = {}): Promise<ZipEntry> {
    if (this.current) throw new Error(`ZIP entry ${this.current.name} is still open`);
    if (!this.options.zip64 && this.written.length >= MAX_ENTRIES) throw new Error("Too many ZIP entries");
    const nameBytes = Buffer.from(name, "utf8");
    const header = Buffer.alloc(30);
    header.writeUInt32LE(LOCAL_HEADER, 0);
    // CRC and sizes stay zero: they follow in the data descriptor. No extra field (28–29).
    this.entryFields(header, 4, { crc: 0, compressed: 0, size: 0, nameLength: nameBytes.length });
    const offset = this.offset;
    await this.raw(Buffer.concat([header, nameBytes]));
    this.current = new ZipEntry(name, nameBytes, offset, this.out, opts.level ?? this.options.level, this.pool);
    return this.current;
  }

  /** Finishes the open entry: waits for the compressor to flush, then writes the data descriptor. */
  async closeEntry(): Promise<void> {
    const entry = this.current;
    if (!entry) return;
    const { crc, compressed, size } = await entry.end();
    this.current = null;
    this.offset += compressed;
    if (!this.options.zip64 && (size > MAX_32 || this.offset > MAX_32)) throw TOO_LARGE();
    let descriptor: Buffer;
    if (size >= MAX_32 || compressed >= MAX_32) {
      // APPNOTE 4.3.9.2: 8-byte sizes (readers tell by the central directory's ZIP64 extra field).
      descriptor = Buffer.alloc(24);
      descriptor.writeUInt32LE(DATA_DESCRIPTOR, 0);
      descriptor.writeUInt32LE(crc, 4);
      descriptor.writeBigUInt64LE(BigInt(compressed), 8);
      descriptor.writeBigUInt64LE(BigInt(size), 16);
    } else {
      descriptor = Buffer.alloc(16);
      descriptor.writeUInt32LE(DATA_DESCRIPTOR, 0);
      descriptor.writeUInt32LE(crc, 4);
      descriptor.writeUInt32LE(compressed, 8);
      descriptor.writeUInt32LE(size, 12);
    }
    this.written.push({ name: entry.nameBytes, offset: entry.offset, crc, compressed, size });
    await this.raw(descriptor);
  }

  /** A whole small entry at once. */
  async addEntry(name: string, content: string): Promise<void> {
    const entry = await this.openEntry(name);
    entry.write(Buffer.from(content, "utf8"));
    await this.closeEntry();
  }

  /** Writes the central directory and ends `out`. */
  async finish(): Promise<void> {
    await this.closeEntry();
    const start = this.offset;
    // In slices, so a bundle's tens of thousands of headers never make one large buffer.
    let directoryLength = 0;
    for (let i = 0; i < this.written.length; i += 1024) {
      const slice = Buffer.concat(this.written.slice(i, i + 1024).map((e) => this.centralHeader(e)));
      directoryLength += slice.length;
      if (!this.options.zip64 && start + directoryLength > MAX_32) throw TOO_LARGE();
      await this.raw(slice);
    }
    const count = this.written.length;
    const records: Buffer[] = [];
    const needs64 = count >= MAX_ENTRIES || directoryLength >= MAX_32 || start >= MAX_32;
    if (needs64) {
      const zip64End = Buffer.alloc(56);
      zip64End.writeUInt32LE(ZIP64_END_OF_CENTRAL_DIRECTORY, 0);
      zip64End.writeBigUInt64LE(44n, 4); // size of the rest of the record
      zip64End.writeUInt16LE(VERSION_ZIP64, 12); // made by
      zip64End.writeUInt16LE(VERSION_ZIP64, 14); // needed
      // Disk numbers (16–23) stay zero.
      zip64End.writeBigUInt64LE(BigInt(count), 24);
      zip64End.writeBigUInt64LE(BigInt(count), 32);
      zip64End.writeBigUInt64LE(BigInt(directoryLength), 40);
      zip64End.writeBigUInt64LE(BigInt(start), 48);
      const locator = Buffer.alloc(20);
      locator.writeUInt32LE(ZIP64_END_LOCATOR, 0);
      locator.writeBigUInt64LE(BigInt(start + directoryLength), 8);
      locator.writeUInt32LE(1, 16); // total number of disks
      records.push(zip64End, locator);
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(END_OF_CENTRAL_DIRECTORY, 0);
    // Disk numbers (4–7) stay zero; a value that does not fit is 0xFFFF… and read from the ZIP64 record.
    end.writeUInt16LE(Math.min(count, MAX_ENTRIES), 8);
    end.writeUInt16LE(Math.min(count, MAX_ENTRIES), 10);
    end.writeUInt32LE(Math.min(directoryLength, MAX_32), 12);
    end.writeUInt32LE(Math.min(start, MAX_32), 16);
    records.push(end);
    await this.raw(Buffer.concat(records));
    this.out.end();
    await finished(this.out, { readable: false });
  }

  /** An entry's central directory header; with a ZIP64 extra field holding the values that do not fit in 32 bits. */
  private centralHeader(e: Written): Buffer {
    // APPNOTE 4.5.3: only the fields whose header value is 0xFFFFFFFF, in this order.
    const wide = [
      e.size >= MAX_32 ? e.size : null,
      e.compressed >= MAX_32 ? e.compressed : null,
      e.offset >= MAX_32 ? e.offset : null,
    ].filter((v): v is number => v !== null);
    const extra = wide.length ? Buffer.alloc(4 + 8 * wide.length) : null;
    if (extra) {
      extra.writeUInt16LE(ZIP64_EXTRA, 0);
      extra.writeUInt16LE(8 * wide.length, 2);
      wide.forEach((v, i) => extra.writeBigUInt64LE(BigInt(v), 4 + 8 * i));
    }
    const h = Buffer.alloc(46);
    h.writeUInt32LE(CENTRAL_HEADER, 0);
    // Made by: MS-DOS (or Unix) attributes, 2.0 (4.5 with ZIP64).
    h.writeUInt16LE((this.options.unix ? HOST_UNIX : 0) | (extra ? VERSION_ZIP64 : VERSION), 4);
    this.entryFields(h, 6, {
      crc: e.crc,
      compressed: Math.min(e.compressed, MAX_32),
      size: Math.min(e.size, MAX_32),
      nameLength: e.name.length,
    });
    if (extra) {
      h.writeUInt16LE(VERSION_ZIP64, 6); // version needed
      h.writeUInt16LE(extra.length, 30);
    }
    // Comment, disk number and internal attributes (32–37) stay zero; so do external ones (38–41) but on Unix.
    if (this.options.unix) h.writeUInt32LE(UNIX_FILE_ATTRIBUTES, 38);
    h.writeUInt32LE(Math.min(e.offset, MAX_32), 42);
    return extra ? Buffer.concat([h, e.name, extra]) : Buffer.concat([h, e.name]);
  }

  /** Stops the open entry's compressor (after a failure); `out` is left to its owner. */
  destroy(): void {
    this.current?.destroy();
    this.current = null;
  }

  /**
   * The fields local and central headers share, in the same order: version
   * needed, flags, method, time, date, CRC, sizes, name length (26 bytes from `at`).
   */
  private entryFields(h: Buffer, at: number, e: { crc: number; compressed: number; size: number; nameLength: number }): void {
    h.writeUInt16LE(VERSION, at);
    h.writeUInt16LE(FLAGS, at + 2);
    h.writeUInt16LE(DEFLATE, at + 4);
    h.writeUInt16LE(this.time, at + 6);
    h.writeUInt16LE(this.day, at + 8);
    h.writeUInt32LE(e.crc, at + 10);
    h.writeUInt32LE(e.compressed, at + 14);
    h.writeUInt32LE(e.size, at + 18);
    h.writeUInt16LE(e.nameLength, at + 22);
  }

  private async raw(chunk: Buffer): Promise<void> {
    this.offset += chunk.length;
    await write(this.out, chunk);
  }
}

/**
 * Buffers of CHUNK_BYTES that an archive's text is encoded into, taken back
 * once the compressor has read them. A million-row workbook is ~600 MB of
 * XML: in fresh buffers, each waiting in the compressor's queue long enough to
 * be promoted, that was tens of megabytes of dead buffers between full GCs
 * (and a fragmented malloc heap), growing with the row count. Reused, it is a
 * handful of buffers for the whole export.
 */
class ChunkPool {
  private readonly free: Buffer[] = [];

  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(CHUNK_BYTES);
  }

  give(chunk: Buffer): void {
    if (this.free.length < POOLED_CHUNKS) this.free.push(chunk);
  }
}

/** One entry being deflated into the output. */
export class ZipEntry {
  private crc = 0;
  private size = 0;
  private compressed = 0;
  private readonly deflate: zlib.DeflateRaw;
  private readonly onOutClosed: () => void;
  /** The pooled buffer text is being encoded into, and how much of it is used. */
  private chunk: Buffer | null = null;
  private used = 0;
  /** Memory handed to the compressor that it has not read yet: whole pooled buffers, or the bytes of others. */
  private queued = 0;
  private failure: Error | null = null;
  /** What ready() hands out while the compressor catches up (one promise for every caller), and how to settle it. */
  private waiting: Promise<void> | null = null;
  private waiter: { resolve: () => void; reject: (err: Error) => void } | null = null;

  constructor(
    readonly name: string,
    readonly nameBytes: Buffer,
    readonly offset: number,
    private readonly out: Writable,
    level: number,
    private readonly pool: ChunkPool,
  ) {
    // The compressor runs one job per chunk on the thread pool, and starts the
    // next job only on a turn of the event loop, which the renderer gives about
    // once per batch of rows. So chunks come about a batch at a time (see
    // xlsx-writer.ts), a job usually has output room for a whole chunk, and up to
    // INPUT_BUFFER bytes of chunks may wait in the compressor's queue before
    // ready() asks the renderer to wait: one batch is compressed while the
    // next one is rendered. (Waiting for the compressor's own 16 KB buffer to
    // drain, as write()'s return value says, makes the two take turns instead.)
    this.deflate = zlib.createDeflateRaw({ level, chunkSize: OUTPUT_CHUNK });
    this.deflate.on("data", (chunk: Buffer) => {
      this.compressed += chunk.length;
    });
    // pipe() pauses the compressor while `out` is full; it then stops reading
    // its queue, so `queued` stays high and ready() makes the renderer wait.
    this.deflate.pipe(out, { end: false });
    // A failure anywhere fails the entry, so ready() and end() reject instead
    // of waiting forever; if the output dies, nothing would ever drain the queue.
    this.deflate.on("error", (err) => this.fail(err));
    this.onOutClosed = () => this.fail(out.errored ?? CLOSED());
    out.once("close", this.onOutClosed);
  }

  /** Adds text, encoded as UTF-8 into pooled buffers; await ready() now and then. */
  append(text: string): void {
    if (this.chunk && text.length * 3 > this.chunk.length - this.used && Buffer.byteLength(text) > this.chunk.length - this.used)
      this.flush();
    if (text.length * 3 > CHUNK_BYTES && Buffer.byteLength(text) > CHUNK_BYTES) {
      this.write(Buffer.from(text, "utf8"));
      return;
    }
    this.chunk ??= this.pool.take();
    this.used += this.chunk.write(text, this.used);
  }

  /** Adds bytes (after any text appended before them); false when the caller should `await ready()`. */
  write(bytes: Buffer): boolean {
    this.flush();
    this.send(bytes, null);
    return this.queued <= INPUT_BUFFER;
  }

  /** Hands the text appended so far to the compressor. */
  flush(): void {
    const chunk = this.chunk;
    if (!chunk) return;
    this.chunk = null;
    if (this.used === 0) {
      this.pool.give(chunk);
      return;
    }
    const bytes = chunk.subarray(0, this.used);
    this.used = 0;
    this.send(bytes, chunk);
  }

  /**
   * Resolves when the compressor's queue (and behind it the output) can take
   * more; rejects once the compressor or the output has failed.
   */
  ready(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.queued <= INPUT_BUFFER) return Promise.resolve();
    this.waiting ??= new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
    return this.waiting;
  }

  /** Flushes the compressor into the output; resolves with the entry's figures. */
  async end(): Promise<{ crc: number; compressed: number; size: number }> {
    this.flush();
    if (this.failure) throw this.failure;
    this.deflate.end();
    try {
      // 'end' is emitted after pipe() has handed the last chunk to `out`.
      await finished(this.deflate);
    } finally {
      this.out.off("close", this.onOutClosed);
    }
    if (this.failure) throw this.failure;
    return { crc: this.crc, compressed: this.compressed, size: this.size };
  }

  destroy(): void {
    this.out.off("close", this.onOutClosed);
    this.deflate.unpipe(this.out);
    this.deflate.destroy();
    this.chunk = null;
  }

  /** Queues bytes for the compressor; `pooled`, the buffer they are in, goes back to the pool once it has read them. */
  private send(bytes: Buffer, pooled: Buffer | null): void {
    if (this.failure) {
      // The caller learns of the failure from ready() or end().
      if (pooled) this.pool.give(pooled);
      return;
    }
    this.crc = crc32(bytes, this.crc);
    this.size += bytes.length;
    // What waits is counted as the memory it holds: a pooled buffer is handed over at every
    // settle(), often with a batch's 100–200 KB in it, and counting only those bytes let 20 and
    // more buffers wait when the compressor fell behind (a million-row By Page sheet), all but
    // POOLED_CHUNKS of them new megabyte allocations: +40 MiB of buffers until a full GC.
    const held = pooled ? pooled.length : bytes.length;
    this.queued += held;
    this.deflate.write(bytes, (err) => {
      this.queued -= held;
      if (err || this.failure) {
        // The compressor may still hold the buffer: it goes to the GC, not back to the pool.
        this.fail(this.failure ?? err!);
        return;
      }
      if (pooled) this.pool.give(pooled);
      if (this.waiter && this.queued <= INPUT_BUFFER) {
        const { resolve } = this.waiter;
        this.waiter = this.waiting = null;
        resolve();
      }
    });
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.deflate.destroy(err);
    const waiter = this.waiter;
    this.waiter = this.waiting = null;
    waiter?.reject(err);
  }
}

/** MS-DOS time and date words of `date`, taken in UTC. */
function dosDateTime(date: Date): [number, number] {
  const year = Math.min(Math.max(date.getUTCFullYear(), 1980), 2107);
  const time = (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | (date.getUTCSeconds() >> 1);
  const day = ((year - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate();
  return [time, day];
}

// zlib.crc32 is native from Node 20.15; older 20.x releases get a table-driven version.
const CRC_TABLE = Int32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

function crc32Table(data: Uint8Array, value: number): number {
  let c = ~value;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

const crc32: (data: Uint8Array, value: number) => number = typeof zlib.crc32 === "function" ? zlib.crc32 : crc32Table;
