/**
 * Embedded PGlite on a thread of its own. PGlite runs PostgreSQL as
 * WebAssembly on the thread that calls it, and in the main thread every
 * query's work — executing, reading the data files block by block, building
 * the result — stopped everything else: an export spent as long waiting for
 * its rows as rendering them (a million rows: ~11 s of reads, ~0.5 s of it
 * syscalls, the rest WebAssembly), and API requests waited behind both. On a
 * worker thread (pglite-worker.mjs) the reads run on the second core while
 * the renderer and the HTTP server use the first.
 *
 * PGliteThread is the part of PGlite's client the app uses — query, exec,
 * transaction, close — each a message to the worker. drizzle's PGlite driver
 * takes it as its client. Three things do not cross a thread as they are and
 * are translated: type parsers (functions) are sent as the type ids whose
 * text is kept as is (drizzle's parsers are all that identity, for dates and
 * intervals), blobs in and out (`COPY … '/dev/blob'`) as bytes, and errors
 * as their fields (code, detail, constraint…) on a new Error.
 */
import path from "node:path";
import { Worker } from "node:worker_threads";
import type { PGliteOptions, QueryOptions, Results } from "@electric-sql/pglite";

type Call = { resolve(value: unknown): void; reject(err: Error): void };

type WireOptions = Omit<QueryOptions, "parsers" | "blob"> & { rawTypes?: number[]; blob?: ArrayBuffer };

/** The part of PGlite's query API that one transaction offers. */
export type PGliteQueries = {
  query<T>(text: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>>;
  exec(text: string, options?: QueryOptions): Promise<Results[]>;
};

/** What the app uses of a PGlite client: its queries, transactions and closing. */
export type PGliteClient = PGliteQueries & {
  transaction<T>(fn: (tx: PGliteQueries) => Promise<T>): Promise<T>;
  close(): Promise<void>;
};

const WORKER_FILE = path.join(process.cwd(), "db", "pglite-worker.mjs");

/** How often the database's busy share and the process's memory are looked at. */
const WINDOW_MS = 30_000;
/**
 * Busy for less than this share of a window counts as idle: the runner's
 * sweeps and ticks, and a dashboard polling every 2 s, keep it well under;
 * an export or an import keeps it near 1.
 */
const IDLE_BUSY_SHARE = 0.02;
/** The process grown past its size right after the database opened by more than this: the thread is restarted. */
const RECYCLE_GROWTH_BYTES = 128 * 1024 * 1024;

/** When the thread is restarted to give memory back (recycleIfGrown). */
type Recycle = { windowMs: number; growthBytes: number };

export class PGliteThread implements PGliteClient {
  private worker!: Worker;
  private readonly calls = new Map<number, Call>();
  private nextId = 1;
  private failure: Error | null = null;
  /** Transactions begun and not yet ended: the thread is not idle while one is open. */
  private openTransactions = 0;
  /** The process's RSS right after the database opened. */
  private baseRss = 0;
  private windowTimer: NodeJS.Timeout | null = null;
  /** Milliseconds with a call in flight in the current window, and since when one has been. */
  private busyMs = 0;
  private busySince = 0;
  /** A restart under way; calls wait for it. */
  private restarting: Promise<void> | null = null;
  private closed = false;

  private constructor(
    private readonly dataDir: string | undefined,
    private readonly options: Omit<PGliteOptions, "dataDir">,
    private readonly recycle: Recycle,
  ) {}

  /**
   * Starts the thread and opens the database in `dataDir` (undefined: in
   * memory, which is never restarted: that would empty it).
   */
  static async create(
    dataDir: string | undefined,
    options: Omit<PGliteOptions, "dataDir"> = {},
    recycle: Partial<Recycle> = {},
  ): Promise<PGliteThread> {
    const thread = new PGliteThread(dataDir, options, { windowMs: WINDOW_MS, growthBytes: RECYCLE_GROWTH_BYTES, ...recycle });
    await thread.start();
    // An in-memory database is never restarted: it would come back empty.
    if (dataDir !== undefined) {
      thread.windowTimer = setInterval(() => void thread.endOfWindow(), thread.recycle.windowMs);
      thread.windowTimer.unref();
    }
    return thread;
  }

  query<T>(text: string, params?: unknown[], options?: QueryOptions, tx?: number): Promise<Results<T>> {
    return this.send(tx, { op: "query", text, params }, options) as Promise<Results<T>>;
  }

  exec(text: string, options?: QueryOptions, tx?: number): Promise<Results[]> {
    return this.send(tx, { op: "exec", text }, options) as Promise<Results[]>;
  }

  /**
   * Runs `fn` in a transaction on the worker: committed when `fn` resolves,
   * rolled back when it throws. Other queries wait for it, as on PGlite itself.
   */
  async transaction<T>(fn: (tx: PGliteQueries) => Promise<T>): Promise<T> {
    this.openTransactions++;
    try {
      const tx = (await this.call({ op: "begin" })) as number;
      const handle: PGliteQueries = {
        query: (text, params, options) => this.query(text, params, options, tx),
        exec: (text, options) => this.exec(text, options, tx),
      };
      let result: T;
      try {
        result = await fn(handle);
      } catch (err) {
        await this.call({ op: "end", tx, commit: false });
        throw err;
      }
      await this.call({ op: "end", tx, commit: true });
      return result;
    } finally {
      this.openTransactions--;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.windowTimer) clearInterval(this.windowTimer);
    await this.restarting;
    if (this.failure) return;
    await this.call({ op: "close" });
    await this.stopWorker();
  }

  /**
   * Gives the database thread's memory back. A big read or aggregate (a
   * million-row export's counts, a bulk import) grows the thread's native
   * memory by 300+ MiB, which it keeps — it is neither PGlite's WebAssembly
   * memory (16MB buffers, 128 MiB in all, unchanged) nor a JavaScript heap,
   * and only ending the thread returns it (626 -> 225 MiB measured). Every
   * WINDOW_MS: when the database was busy for less than IDLE_BUSY_SHARE of
   * the window (the runner's timers query it every few seconds, so "no
   * query at all" never happens) and the process has grown by more than
   * RECYCLE_GROWTH_BYTES since it opened, the thread closes the database (a
   * clean shutdown, with a checkpoint) and opens it again on a fresh thread;
   * queries wait for that (~0.3 s on a million-row database). Nothing is in
   * flight then and no transaction is open. Growth for other reasons (the
   * renderers' heap) costs a needless restart at worst.
   */
  private async endOfWindow(): Promise<void> {
    const now = performance.now();
    const busy = this.busyMs + (this.calls.size > 0 ? now - this.busySince : 0);
    this.busyMs = 0;
    if (this.calls.size > 0) this.busySince = now;
    const quiet = busy < this.recycle.windowMs * IDLE_BUSY_SHARE;
    if (!quiet || this.restarting || this.failure || this.closed || this.calls.size > 0 || this.openTransactions > 0) return;
    if (process.memoryUsage.rss() - this.baseRss <= this.recycle.growthBytes) return;
    this.restarting = (async () => {
      await this.post({ op: "close" });
      await this.stopWorker();
      await this.start();
    })();
    try {
      await this.restarting;
    } catch (err) {
      this.failure ??= new Error(`The embedded database could not be reopened: ${(err as Error).message}`, { cause: err });
    } finally {
      this.restarting = null;
    }
  }

  private async start(): Promise<void> {
    const worker = new Worker(WORKER_FILE, { workerData: { dataDir: this.dataDir, options: this.options } });
    worker.unref();
    worker.on("message", (message: { id: number; ok: boolean; result?: unknown; error?: Record<string, unknown> }) => {
      const call = this.calls.get(message.id);
      if (!call) return;
      this.calls.delete(message.id);
      if (this.calls.size === 0) {
        worker.unref();
        this.busyMs += performance.now() - this.busySince;
      }
      if (message.ok) call.resolve(message.result);
      else call.reject(reviveError(message.error ?? {}));
    });
    // The worker is gone (out of memory, a crash in WebAssembly): every call waiting and every later one fails.
    const gone = (err: Error) => {
      if (worker !== this.worker) return;
      this.failure ??= new Error(`The embedded database thread stopped: ${err.message}`, { cause: err });
      for (const call of this.calls.values()) call.reject(this.failure);
      this.calls.clear();
    };
    worker.on("error", gone);
    worker.on("exit", (code) => gone(new Error(`exit code ${code}`)));
    this.worker = worker;
    try {
      await this.post({ op: "open" });
      this.baseRss = process.memoryUsage.rss();
    } catch (err) {
      await this.stopWorker();
      throw err;
    }
  }

  /** Ends the worker on purpose: its exit is not a failure. */
  private async stopWorker(): Promise<void> {
    const worker = this.worker;
    this.worker = null as unknown as Worker;
    await worker.terminate();
  }

  private async send(tx: number | undefined, message: Record<string, unknown>, options?: QueryOptions): Promise<unknown> {
    const result = (await this.call({ ...message, tx, options: await wireOptions(options) })) as Results & { blob?: ArrayBuffer };
    if (result && typeof result === "object" && "blob" in result && result.blob instanceof ArrayBuffer)
      return { ...result, blob: new Blob([result.blob]) };
    return result;
  }

  private async call(message: Record<string, unknown>): Promise<unknown> {
    if (this.restarting) await this.restarting;
    return this.post(message);
  }

  private post(message: Record<string, unknown>): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.calls.set(id, { resolve, reject });
      // A call waiting keeps the process alive; an idle database does not.
      if (this.calls.size === 1) {
        this.worker.ref();
        this.busySince = performance.now();
      }
      this.worker.postMessage({ ...message, id });
    });
  }
}

async function wireOptions(options: QueryOptions | undefined): Promise<WireOptions | undefined> {
  if (!options) return undefined;
  const { parsers, blob, ...rest } = options;
  const out: WireOptions = { ...rest };
  if (parsers) out.rawTypes = Object.keys(parsers).map(Number);
  if (blob) out.blob = await blob.arrayBuffer();
  return out;
}

function reviveError(fields: Record<string, unknown>): Error {
  const err = new Error(String(fields.message ?? "database error"));
  Object.assign(err, fields);
  return err;
}
