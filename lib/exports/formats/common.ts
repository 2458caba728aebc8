/** Helpers shared by the renderers: backpressure-aware writes, time-zone aware timestamps, provenance, number formats. */
import type { Writable } from "node:stream";
import { finished } from "node:stream/promises";
import type { CostsOut } from "@/lib/takeoff/read";
import type { ExportSource, Progress, SourceCondition, SourceMeasurement } from "./types";

// ---------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------

const CLOSED = () => new Error("The output stream was closed before the export was written.");

/** Whether a writable asks its writer to wait (also for streams without `writableNeedDrain`). */
export function needsDrain(s: Writable): boolean {
  return s.writableNeedDrain ?? s.writableLength > s.writableHighWaterMark;
}

/**
 * Resolves when `stream` wants more data. Rejects if it, or `out` (the
 * export's output, when waiting on an inner stream), fails or closes first,
 * so a dead upload stops the render instead of leaving it waiting.
 */
export function drained(stream: Writable, out: Writable = stream): Promise<void> {
  if (out.destroyed) return Promise.reject(out.errored ?? CLOSED());
  if (stream.destroyed) return Promise.reject(stream.errored ?? CLOSED());
  if (!needsDrain(stream)) return Promise.resolve();
  const watched = stream === out ? [stream] : [stream, out];
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      stream.off("drain", onDrain);
      for (const s of watched) {
        s.off("error", onError);
        s.off("close", onClose);
      }
    };
    const onDrain = () => {
      cleanup();
      resolve();
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onClose = () => {
      cleanup();
      reject(out.errored ?? stream.errored ?? CLOSED());
    };
    stream.on("drain", onDrain);
    for (const s of watched) {
      s.on("error", onError);
      s.on("close", onClose);
    }
  });
}

/** Writes one chunk and waits for 'drain' when the stream asks for it. */
export async function write(out: Writable, chunk: string | Buffer): Promise<void> {
  if (out.destroyed) throw out.errored ?? CLOSED();
  if (!out.write(chunk)) await drained(out);
}

/** Ends `out` and waits until everything written has been flushed (the writable side only). */
export async function end(out: Writable): Promise<void> {
  if (!out.writableEnded) out.end();
  await finished(out, { readable: false });
}

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

/** Rows of one condition a nested format writes in one go (JSON stringifies them in one call). */
const RUN_ROWS = 8;

/** How a nested format writes a condition, its measurements, and its end. */
export type NestedWriter = {
  open(condition: SourceCondition, index: number): string;
  /** Writes consecutive measurements of one condition; `first` is the index in its condition of the first. */
  items(run: SourceMeasurement[], first: number, text: TextOutput): void;
  close(condition: SourceCondition, items: number): string;
};

/**
 * Streams the measurements nested under their conditions (JSON, OST): rows
 * arrive grouped by condition in condition order, and every condition is
 * written, with or without rows. Returns the number of rows written.
 */
export async function writeNestedByCondition(source: ExportSource, out: Writable, progress: Progress, w: NestedWriter): Promise<number> {
  const position = new Map(source.conditions.map((c, i) => [c.id, i]));
  const text = new TextOutput(out);
  let index = -1;
  let items = 0;
  let records = 0;
  /** Closes the open condition and opens the following ones up to `target`. */
  const advanceTo = (target: number) => {
    while (index < target) {
      if (index >= 0) text.add(w.close(source.conditions[index], items));
      index++;
      items = 0;
      text.add(w.open(source.conditions[index], index));
    }
  };
  for await (const batch of source.measurements()) {
    for (let i = 0; i < batch.length; ) {
      const { conditionId } = batch[i];
      const target = position.get(conditionId);
      if (target === undefined) {
        i++;
        continue;
      }
      if (target !== index) advanceTo(target);
      let j = i + 1;
      while (j < batch.length && j - i < RUN_ROWS && batch[j].conditionId === conditionId) j++;
      w.items(batch.slice(i, j), items, text);
      items += j - i;
      records += j - i;
      i = j;
      if (text.full) await text.flush();
    }
    await progress.advance(batch.length);
  }
  advanceTo(source.conditions.length - 1);
  if (index >= 0) text.add(w.close(source.conditions[index], items));
  await text.end();
  return records;
}

// ---------------------------------------------------------------------------
// Time (never the host's zone or locale)
// ---------------------------------------------------------------------------

const partsFormatters = new Map<string, Intl.DateTimeFormat>();

function zoned(date: Date, timeZone: string) {
  let f = partsFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    partsFormatters.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(date).map((x) => [x.type, x.value])) as Record<string, string>;
  const local = { year: +p.year, month: +p.month, day: +p.day, hour: +p.hour, minute: +p.minute, second: +p.second };
  const asUtc = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
  const offsetMinutes = Math.round((asUtc - Math.floor(date.getTime() / 1000) * 1000) / 60_000);
  return { ...local, offsetMinutes };
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

function offsetText(minutes: number): string {
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** ISO 8601 in `timeZone` with its offset: `2025-03-01T09:30:00.000-05:00` (`Z` when the offset is zero). */
export function isoInZone(date: Date, timeZone: string): string {
  const z = zoned(date, timeZone);
  const ms = pad(date.getUTCMilliseconds(), 3);
  const offset = z.offsetMinutes === 0 ? "Z" : offsetText(z.offsetMinutes);
  return `${z.year}-${pad(z.month)}-${pad(z.day)}T${pad(z.hour)}:${pad(z.minute)}:${pad(z.second)}.${ms}${offset}`;
}

/** For people: `2025-03-01 09:30:00 UTC-05:00 (America/New_York)`, or `2025-03-01 14:30:00 UTC`. */
export function displayTime(date: Date, timeZone: string): string {
  const z = zoned(date, timeZone);
  const base = `${z.year}-${pad(z.month)}-${pad(z.day)} ${pad(z.hour)}:${pad(z.minute)}:${pad(z.second)}`;
  if (timeZone === "UTC" || timeZone === "Etc/UTC") return `${base} UTC`;
  return `${base} UTC${offsetText(z.offsetMinutes)} (${timeZone})`;
}

// ---------------------------------------------------------------------------
// Provenance
// ---------------------------------------------------------------------------

/** `document "Structural Set.pdf"` or `project "Test Construction Project"`. */
export function sourceLabel(source: ExportSource): string {
  return source.type === "document" && source.document
    ? `document "${source.document.name}"`
    : `project "${source.project.name}"`;
}

/** The provenance line of Excel Summary A3 and the PDF footer. */
export function provenanceLine(source: ExportSource, timeZone: string): string {
  return `Generated ${displayTime(source.generatedAt, timeZone)} · Export ${source.exportId} · Source: ${sourceLabel(source)}`;
}

// ---------------------------------------------------------------------------
// Numbers (fixed en-US conventions whatever the host locale)
// ---------------------------------------------------------------------------

const money = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });
const grouped2 = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/** `$9,676.00` */
export const formatMoney = (value: number): string => money.format(value);
/** `1,500.00` */
export const formatNumber2 = (value: number): string => grouped2.format(value);
/** `1,500` */
export const formatInteger = (value: number): string => integer.format(value);

/** Whether a condition list has any costs to show (the source already dropped them when include_costs is false). */
export function hasAnyCosts(source: ExportSource): boolean {
  return source.conditions.some((c) => c.costs !== null);
}

/** Sum of total_with_markup over conditions that have it. */
export function totalWithMarkup(source: ExportSource): number {
  return source.conditions.reduce((sum, c) => sum + (c.costs?.total_with_markup ?? 0), 0);
}

export type CostsCamel = {
  materialCost: number | null;
  laborCost: number | null;
  equipmentCost: number | null;
  subcontractCost: number | null;
  otherCost: number | null;
  totalCost: number | null;
  unitCost: number | null;
  totalLaborHours: number | null;
  overheadPercent: number | null;
  profitPercent: number | null;
  totalWithMarkup: number | null;
};

/** The costs object in camelCase (JSON export). */
export function costsCamel(c: CostsOut): CostsCamel {
  return {
    materialCost: c.material_cost,
    laborCost: c.labor_cost,
    equipmentCost: c.equipment_cost,
    subcontractCost: c.subcontract_cost,
    otherCost: c.other_cost,
    totalCost: c.total_cost,
    unitCost: c.unit_cost,
    totalLaborHours: c.total_labor_hours,
    overheadPercent: c.overhead_percent,
    profitPercent: c.profit_percent,
    totalWithMarkup: c.total_with_markup,
  };
}
