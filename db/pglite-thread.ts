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

export class PGliteThread implements PGliteClient {
  private readonly worker: Worker;
  private readonly calls = new Map<number, Call>();
  private nextId = 1;
  private failure: Error | null = null;

  private constructor(dataDir: string | undefined, options: Omit<PGliteOptions, "dataDir">) {
    this.worker = new Worker(WORKER_FILE, { workerData: { dataDir, options } });
    this.worker.unref();
    this.worker.on("message", (message: { id: number; ok: boolean; result?: unknown; error?: Record<string, unknown> }) => {
      const call = this.calls.get(message.id);
      if (!call) return;
      this.calls.delete(message.id);
      if (this.calls.size === 0) this.worker.unref();
      if (message.ok) call.resolve(message.result);
      else call.reject(reviveError(message.error ?? {}));
    });
    // The worker is gone (out of memory, a crash in WebAssembly): every call waiting and every later one fails.
    const gone = (err: Error) => {
      this.failure ??= new Error(`The embedded database thread stopped: ${err.message}`, { cause: err });
      for (const call of this.calls.values()) call.reject(this.failure);
      this.calls.clear();
    };
    this.worker.on("error", gone);
    this.worker.on("exit", (code) => gone(new Error(`exit code ${code}`)));
  }

  /** Starts the thread and opens the database in `dataDir` (undefined: in memory). */
  static async create(dataDir: string | undefined, options: Omit<PGliteOptions, "dataDir"> = {}): Promise<PGliteThread> {
    const thread = new PGliteThread(dataDir, options);
    try {
      await thread.call({ op: "open" });
    } catch (err) {
      await thread.worker.terminate();
      throw err;
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
  }

  async close(): Promise<void> {
    if (this.failure) return;
    await this.call({ op: "close" });
    await this.worker.terminate();
  }

  private async send(tx: number | undefined, message: Record<string, unknown>, options?: QueryOptions): Promise<unknown> {
    const result = (await this.call({ ...message, tx, options: await wireOptions(options) })) as Results & { blob?: ArrayBuffer };
    if (result && typeof result === "object" && "blob" in result && result.blob instanceof ArrayBuffer)
      return { ...result, blob: new Blob([result.blob]) };
    return result;
  }

  private call(message: Record<string, unknown>): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.calls.set(id, { resolve, reject });
      // A call waiting keeps the process alive; an idle database does not.
      if (this.calls.size === 1) this.worker.ref();
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
