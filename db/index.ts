/**
 * The database client. PostgreSQL through postgres.js when DATABASE_URL is
 * set, otherwise embedded PGlite persisted in PGLITE_DIR (default
 * `.data/pglite`). Migrations from db/migrations are applied before the first
 * query is answered.
 *
 * The instance lives on `globalThis`: Next.js may load this module more than
 * once in one process (the instrumentation hook and each route bundle), and
 * two PGlite instances on one directory would silently corrupt it.
 */
import fs from "node:fs";
import path from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type { Sql } from "postgres";
import { env } from "@/lib/env";
import { logger } from "@/lib/logger";
import { acquireDirectoryLock } from "./directory-lock";
import { PGliteThread, type PGliteClient } from "./pglite-thread";
import * as schema from "./schema";

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
/** A transaction handle; it has the same query API as `Db`. */
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

export type DbHandle = {
  db: Db;
  driver: "pglite" | "postgres";
  /** The underlying client, for reads and writes that need driver features (COPY … '/dev/blob'). */
  pglite?: PGliteClient;
  sql?: Sql;
  /**
   * PostgreSQL: a Db on a connection of its own until `release()` (see
   * withReadConnection); null when as many are in use as may be.
   */
  openReader?: () => { db: Db; release(): void } | null;
  close(): Promise<void>;
};

export const APPLICATION_NAME = "takeoff-exports";
const MIGRATIONS_FOLDER = path.join(process.cwd(), "db", "migrations");
/** How long an export reader's connection stays open without an export to read for. */
const READER_IDLE_SECONDS = 60;
/**
 * PGlite's buffer cache. PostgreSQL's default (128MB) is touched whole when
 * PGlite starts, in WebAssembly memory that is never given back: 140 MiB of
 * the embedded server's idle RSS. The data files are read through the
 * operating system's page cache either way, so a small cache costs reads
 * little: a million rows in export order took as long with 16MB (the rows
 * of one condition are spread over the whole table, which is bigger than
 * either cache).
 */
const PGLITE_SHARED_BUFFERS = "16MB";
// Any constant works; it only has to be the same for every instance of the app.
const MIGRATION_LOCK_ID = 727_401_001;

const globalForDb = globalThis as unknown as { __takeoffDb?: Promise<DbHandle> };

/** The process-wide database, opened and migrated on first use. */
export function getDbHandle(): Promise<DbHandle> {
  if (!globalForDb.__takeoffDb) {
    globalForDb.__takeoffDb = openDatabase().catch((err) => {
      globalForDb.__takeoffDb = undefined;
      throw err;
    });
  }
  return globalForDb.__takeoffDb;
}

export async function getDb(): Promise<Db> {
  return (await getDbHandle()).db;
}

/**
 * Runs `fn` with a Db whose queries all go over one connection, for an
 * export's reads. They are asked for ahead of the renderer; spread over the
 * pool, each connection sat idle between two of them, and postgres.js makes
 * a connection's next result list as soon as a query ends: the list aged into
 * V8's old generation while it waited, and every row that later arrived in it
 * lived until a full GC (a million-row Excel export's peak RSS: +50 MiB; on
 * one connection +30 MiB, as fast). On one connection the queries are
 * pipelined, so nothing waits. It is a one-connection client of its own,
 * kept for the next export when this one is done; at most half of
 * DATABASE_POOL_SIZE such connections are open at once on top of the pool;
 * past that, and on PGlite (one connection anyway), `fn` gets the shared Db.
 */
export async function withReadConnection<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  const handle = await getDbHandle();
  const reader = handle.openReader?.() ?? null;
  if (!reader) return fn(handle.db);
  try {
    return await fn(reader.db);
  } finally {
    reader.release();
  }
}

/**
 * Runs SQL text with positional parameters ($1, $2, …) on the client under
 * `db` and returns the rows as the driver makes them: objects keyed by column
 * name, values decoded by the driver, no mapping. On PostgreSQL the text is
 * a prepared statement of the connection, parsed and planned once. For hot
 * reads whose text is built once (with drizzle, `toSQL()` and
 * `fillPlaceholders`): building a drizzle query allocates hundreds of
 * objects, and a query asked for ahead keeps them alive until it has run.
 */
export async function queryRows<R>(db: Db, text: string, params: unknown[]): Promise<R[]> {
  const client = (db as unknown as { $client: Sql | PGliteClient }).$client;
  if ("unsafe" in client) return (await client.unsafe(text, params as never[], { prepare: true })) as unknown as R[];
  return (await client.query<R>(text, params)).rows;
}

/** Closes the process-wide database (tests, graceful shutdown). */
export async function closeDb(): Promise<void> {
  const pending = globalForDb.__takeoffDb;
  globalForDb.__takeoffDb = undefined;
  if (pending) await (await pending).close();
}

async function openDatabase(): Promise<DbHandle> {
  return env.DATABASE_URL ? openPostgres(env.DATABASE_URL) : openPglite(pgliteDir());
}

export function pgliteDir(): string {
  return env.PGLITE_DIR ?? path.join(env.DATA_DIR, "pglite");
}

async function openPostgres(url: string): Promise<DbHandle> {
  const { default: postgres } = await import("postgres");
  const { drizzle } = await import("drizzle-orm/postgres-js");
  const { migrate } = await import("drizzle-orm/postgres-js/migrator");
  const clientOptions = {
    onnotice: () => {},
    // Timestamps come back as Date objects in UTC whatever the host zone is; the
    // application name tells operators (and the fault tests) which process a connection is.
    connection: { TimeZone: "UTC", application_name: `${APPLICATION_NAME}:${process.pid}` },
  };
  const sql = postgres(url, { ...clientOptions, max: env.DATABASE_POOL_SIZE });

  // Several app instances may start at once: one migrates, the others wait.
  // A dedicated one-connection client keeps the advisory lock on one session.
  const migrator = postgres(url, { max: 1, onnotice: () => {}, connection: { TimeZone: "UTC" } });
  try {
    await migrator`select pg_advisory_lock(${MIGRATION_LOCK_ID})`;
    await migrate(drizzle(migrator, { schema }), { migrationsFolder: MIGRATIONS_FOLDER });
  } finally {
    await migrator.end({ timeout: 5 });
  }

  const db = drizzle(sql, { schema }) as unknown as Db;
  // Export reads get a client of their own with one connection (see withReadConnection), at
  // most half as many at once as the pool has connections. Not a connection reserved from the
  // pool: postgres.js hangs the queries of a reserved connection whose server process is gone.
  // A released client waits for the next export with its connection and prepared statements
  // (connecting and preparing again cost a small export ~20 ms); idle, it closes the
  // connection after a while and reconnects when next used, as it does after losing one.
  const readers = Math.floor(env.DATABASE_POOL_SIZE / 2);
  const idle: Db[] = [];
  const clients: Sql[] = [];
  let reading = 0;
  const openReader = () => {
    if (reading >= readers) return null;
    reading++;
    let readDb = idle.pop();
    if (!readDb) {
      // The source's queries bind no arrays and read none: no type lookup on connecting.
      const client = postgres(url, { ...clientOptions, max: 1, fetch_types: false, idle_timeout: READER_IDLE_SECONDS });
      clients.push(client);
      readDb = drizzle(client, { schema }) as unknown as Db;
    }
    const leased = readDb;
    let released = false;
    return {
      db: leased,
      release() {
        if (released) return;
        released = true;
        reading--;
        idle.push(leased);
      },
    };
  };
  const close = async () => {
    await Promise.all([sql, ...clients].map((c) => c.end({ timeout: 5 })));
  };
  return { db, driver: "postgres", sql, openReader, close };
}

async function openPglite(dir: string): Promise<DbHandle> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  const { migrate } = await import("drizzle-orm/pglite/migrator");

  const inMemory = dir.startsWith("memory://");
  let releaseLock = () => {};
  if (!inMemory) {
    // PGlite creates only the last folder of its path and takes no lock itself.
    fs.mkdirSync(path.dirname(path.resolve(dir)), { recursive: true });
    releaseLock = await acquireDirectoryLock(dir);
  }

  let client: PGliteClient;
  try {
    // On a thread of its own (PGLITE_WORKER, default on; see pglite-thread.ts), else on this one.
    const options = { startParams: [...PGlite.defaultStartParams, "-c", `shared_buffers=${PGLITE_SHARED_BUFFERS}`] };
    const dataDir = inMemory ? undefined : dir;
    client = env.PGLITE_WORKER ? await PGliteThread.create(dataDir, options) : await PGlite.create(dataDir, options);
  } catch (err) {
    releaseLock();
    throw err;
  }
  // drizzle calls query and transaction only, which PGliteThread answers as PGlite does.
  const db = drizzle(client as PGlite, { schema });
  await migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
  logger.debug("database ready", { driver: "pglite", dir });

  return {
    db: db as unknown as Db,
    driver: "pglite",
    pglite: client,
    close: async () => {
      await client.close();
      releaseLock();
    },
  };
}

export { schema };
