import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { closeDb, getDb, getDbHandle, withReadConnection, type Db } from "@/db";
import { env } from "@/lib/env";

/** The server process behind a Db's next query (PGlite has one, and no pg_backend_pid worth comparing). */
async function backendPid(db: Db): Promise<number> {
  const rows = (await db.execute(sql`select pg_backend_pid() as pid`)) as unknown as { pid: number }[] | { rows: { pid: number }[] };
  return Number((Array.isArray(rows) ? rows : rows.rows)[0].pid);
}

describe("withReadConnection", () => {
  afterAll(async () => {
    await closeDb();
  });

  it("gives an export's reads one connection of their own on PostgreSQL, and the shared database on PGlite", async () => {
    const shared = await getDb();
    const { driver } = await getDbHandle();
    await withReadConnection(async (db) => {
      if (driver === "pglite") {
        expect(db).toBe(shared);
        return;
      }
      expect(db).not.toBe(shared);
      // Asked for side by side, as the source's read-ahead does: still one backend.
      const pids = await Promise.all(Array.from({ length: 6 }, () => backendPid(db)));
      expect(new Set(pids).size).toBe(1);
    });
  });

  // PGlite has no pool; the integration-pg project runs this one.
  it.runIf(Boolean(process.env.DATABASE_URL))("reserves at most half the pool, and falls back to the shared pool past that", async () => {
    expect((await getDbHandle()).driver).toBe("postgres");
    const shared = await getDb();
    const reservable = Math.floor(env.DATABASE_POOL_SIZE / 2);
    expect(reservable).toBeGreaterThan(0);
    const seen: Db[] = [];
    const pids: number[] = [];
    // Nested: each level holds its connection while the next asks for one.
    const nest = async (level: number): Promise<void> =>
      withReadConnection(async (db) => {
        seen.push(db);
        pids.push(await backendPid(db));
        if (level < reservable) await nest(level + 1);
      });
    await nest(0);
    expect(seen).toHaveLength(reservable + 1);
    expect(seen.slice(0, reservable).every((db) => db !== shared)).toBe(true);
    // Each reader on a connection of its own.
    expect(new Set(pids.slice(0, reservable)).size).toBe(reservable);
    expect(seen[reservable]).toBe(shared);
  });

  it.runIf(Boolean(process.env.DATABASE_URL))("hands a released connection to the next export, connected and prepared", async () => {
    const first = await withReadConnection(backendPid);
    const second = await withReadConnection(backendPid);
    expect(second).toBe(first);
  });

  it("releases the connection when the work throws", async () => {
    const { driver } = await getDbHandle();
    const shared = await getDb();
    const reservable = driver === "postgres" ? Math.floor(env.DATABASE_POOL_SIZE / 2) : 0;
    for (let i = 0; i < reservable + 2; i++) {
      await expect(withReadConnection(async () => Promise.reject(new Error("render failed")))).rejects.toThrow("render failed");
    }
    // Had any been kept, this one would get the shared pool.
    await withReadConnection(async (db) => {
      if (driver === "postgres") expect(db).not.toBe(shared);
      else expect(db).toBe(shared);
    });
  });
});
