/**
 * The embedded database's thread (see pglite-thread.ts, which starts it and
 * speaks for it on the main thread). PGlite runs PostgreSQL as WebAssembly on
 * the thread that calls it; here that is this worker, so its queries run on
 * the second core beside the renderers and the HTTP server.
 *
 * Plain JavaScript read at run time, like the migrations: it ships with the
 * app as a file and is never bundled.
 *
 * Messages in: { id, op: "open" | "query" | "exec" | "begin" | "end" | "close", tx?, … }.
 * Messages out: { id, ok: true, result } or { id, ok: false, error }.
 */
import { parentPort, workerData } from "node:worker_threads";
import { PGlite } from "@electric-sql/pglite";

/** Thrown inside a transaction's callback to make PGlite roll it back. */
const ROLLBACK = Symbol("rollback");

let db;
/** Open transactions by id: their handle and how to end them. */
const transactions = new Map();
let nextTx = 1;

const reply = (id, result, transfer = []) => parentPort.postMessage({ id, ok: true, result }, transfer);
const fail = (id, err) => parentPort.postMessage({ id, ok: false, error: serialiseError(err) });

/** An error as plain data: PostgreSQL's fields (code, detail, constraint…) survive the trip. */
function serialiseError(err) {
  if (!(err instanceof Error)) return { message: String(err), name: "Error" };
  const out = { message: err.message, name: err.name, stack: err.stack };
  for (const key of Object.keys(err)) {
    const value = err[key];
    if (value === null || ["string", "number", "boolean"].includes(typeof value)) out[key] = value;
  }
  return out;
}

/** Query options as PGlite takes them; the main thread sends type ids whose text is kept as is (drizzle's parsers). */
function queryOptions(options) {
  if (!options) return undefined;
  const { rawTypes, blob, ...rest } = options;
  const out = { ...rest };
  if (rawTypes) out.parsers = Object.fromEntries(rawTypes.map((oid) => [oid, (value) => value]));
  if (blob) out.blob = new Blob([blob]);
  return out;
}

/** A result as plain data; a COPY … TO '/dev/blob' result's blob goes over as bytes without a copy. */
async function plainResult(result) {
  const { rows, fields, affectedRows } = result;
  if (!result.blob) return [{ rows, fields, affectedRows }, []];
  const bytes = await result.blob.arrayBuffer();
  return [{ rows, fields, affectedRows, blob: bytes }, [bytes]];
}

const target = (tx) => (tx ? transactions.get(tx)?.handle : db);

async function handle(message) {
  const { id, op } = message;
  try {
    switch (op) {
      case "open": {
        db = await PGlite.create(workerData.dataDir, workerData.options);
        reply(id, null);
        return;
      }
      case "query": {
        const client = target(message.tx);
        if (!client) throw new Error("The transaction has already ended.");
        const [result, transfer] = await plainResult(await client.query(message.text, message.params, queryOptions(message.options)));
        reply(id, result, transfer);
        return;
      }
      case "exec": {
        const client = target(message.tx);
        if (!client) throw new Error("The transaction has already ended.");
        const results = await client.exec(message.text, queryOptions(message.options));
        reply(
          id,
          results.map(({ rows, fields, affectedRows }) => ({ rows, fields, affectedRows })),
        );
        return;
      }
      case "begin": {
        const tx = nextTx++;
        let end;
        const ended = new Promise((resolve) => (end = resolve));
        const entry = { handle: null, end, endId: null };
        transactions.set(tx, entry);
        let begun = false;
        db.transaction(async (handle) => {
          entry.handle = handle;
          begun = true;
          reply(id, tx);
          if (!(await ended)) throw ROLLBACK;
        }).then(
          () => {
            transactions.delete(tx);
            reply(entry.endId, null);
          },
          (err) => {
            transactions.delete(tx);
            if (err === ROLLBACK) reply(entry.endId, null);
            else if (begun) fail(entry.endId, err);
            else fail(id, err);
          },
        );
        return;
      }
      case "end": {
        const entry = transactions.get(message.tx);
        if (!entry) throw new Error("The transaction has already ended.");
        entry.endId = id;
        entry.end(message.commit);
        return;
      }
      case "close": {
        if (db && !db.closed) await db.close();
        reply(id, null);
        return;
      }
      default:
        throw new Error(`unknown operation ${op}`);
    }
  } catch (err) {
    fail(id, err);
  }
}

parentPort.on("message", (message) => void handle(message));
