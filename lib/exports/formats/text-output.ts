/** Text handed to the output in small pieces filled across texts (TextOutput), and per-value caches of formatted text. */
import type { Writable } from "node:stream";
import { write } from "./writes";

/**
 * Bytes per piece of output handed to the stream. Small on purpose: each
 * piece is a buffer of its own, and the few whose wrapper is promoted before
 * the storage has written them hold their memory until a full GC, which a
 * streaming export rarely triggers — so what they hold adds up over a run.
 * With 64 KB pieces, external memory rose by ~7 MiB over a million-row OST
 * export and its peak RSS was 29–31 MiB over the start; with 16 KB, 24–28
 * (CSV −2 to −3 MiB, JSON −2), for 2–7 % more time (interleaved runs of
 * bench/export-child.ts on PostgreSQL).
 */
export const PIECE_BYTES = 16 * 1024;
const QUOTE = 0x22;
const ENCODER = new TextEncoder();
const QUOTES = /"/g;

/**
 * Collects a renderer's text row by row, encoded straight into buffers of
 * PIECE_BYTES, and writes them to `out`, waiting for 'drain' when the stream
 * asks for it. Rows never meet in one long string: a batch's text used to be
 * a string of megabytes (large objects that only a full GC frees, and UTF-16
 * as soon as one note was not ASCII), which made memory grow with the row count.
 *
 *     text.add(row);
 *     if (text.full) await text.flush();
 *     …
 *     await text.end();
 */
export class TextOutput {
  private buffer: Buffer | null = null;
  private used = 0;
  private readonly ready: Buffer[] = [];

  constructor(private readonly out: Writable) {}

  add(s: string): void {
    const room = this.buffer ? this.buffer.length - this.used : 0;
    // UTF-8 needs at most 3 bytes per UTF-16 code unit; only near the end is it worth counting.
    if (this.buffer && (s.length * 3 <= room || Buffer.byteLength(s) <= room)) {
      this.used += this.buffer.write(s, this.used);
      return;
    }
    // It does not fit: fill this piece, and as many more as it takes. Pieces stay full
    // (a text of several rows, such as JSON's, would otherwise leave a third of each empty).
    let rest = s;
    while (rest.length) {
      if (!this.buffer) {
        this.buffer = Buffer.allocUnsafeSlow(PIECE_BYTES);
        this.used = 0;
      }
      // Whole characters only: `read` counts the UTF-16 units that went in.
      const { read, written } = ENCODER.encodeInto(rest, this.buffer.subarray(this.used));
      this.used += written;
      rest = read === rest.length ? "" : rest.slice(read);
      if (rest.length) this.cut();
    }
  }

  /**
   * Appends `s` in double quotes with every quote in it doubled (a quoted CSV
   * field), doubling them in the buffer: a string replace made several times
   * the text in garbage.
   */
  addQuoted(s: string): void {
    const bytes = Buffer.byteLength(s);
    // Worst case: every byte a quote, doubled, and the two around it.
    if (bytes * 2 + 2 > PIECE_BYTES) {
      this.add(`"${s.replace(QUOTES, '""')}"`);
      return;
    }
    if (!this.buffer || bytes * 2 + 2 > this.buffer.length - this.used) {
      this.cut();
      this.buffer = Buffer.allocUnsafeSlow(PIECE_BYTES);
    }
    const buf = this.buffer;
    const start = this.used + 1;
    buf[this.used] = QUOTE;
    const end = start + buf.write(s, start);
    // UTF-8 never has the byte of '"' inside a multi-byte character, so counting bytes is safe.
    let quotes = 0;
    for (let i = start; i < end; i++) if (buf[i] === QUOTE) quotes++;
    const stop = end + quotes;
    // Shift right from the back, writing each quote twice.
    for (let from = end - 1, to = stop - 1; from >= start && to > from; from--) {
      const b = buf[from];
      buf[to--] = b;
      if (b === QUOTE) buf[to--] = QUOTE;
    }
    buf[stop] = QUOTE;
    this.used = stop + 1;
  }

  /** Whether a full piece is waiting to be written. */
  get full(): boolean {
    return this.ready.length > 0;
  }

  /** Writes the full pieces. */
  async flush(): Promise<void> {
    while (this.ready.length) await write(this.out, this.ready.shift()!);
  }

  /** Writes everything collected. */
  async end(): Promise<void> {
    this.cut();
    await this.flush();
  }

  private cut(): void {
    if (this.buffer && this.used) this.ready.push(this.buffer.subarray(0, this.used));
    this.buffer = null;
    this.used = 0;
  }
}

/** Distinct values a `remembered` function keeps the text of. */
const REMEMBERED_VALUES = 10_000;

/**
 * `format`, made once per distinct value and reused after (for the first
 * REMEMBERED_VALUES values): sheet numbers, units and types repeat from row to row.
 */
export function remembered(format: (value: string) => string): (value: string) => string {
  const cache = new Map<string, string>();
  return (value) => {
    let text = cache.get(value);
    if (text === undefined) {
      text = format(value);
      if (cache.size < REMEMBERED_VALUES) cache.set(value, text);
    }
    return text;
  };
}
