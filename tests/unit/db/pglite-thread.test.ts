import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { PGliteThread } from "@/db/pglite-thread";

const threads: PGliteThread[] = [];
const dirs: string[] = [];

async function open(opts: { onDisk?: boolean; recycle?: { windowMs: number; growthBytes: number } } = {}) {
  let dir: string | undefined;
  if (opts.onDisk) {
    dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pglite-thread-")), "db");
    dirs.push(path.dirname(dir));
  }
  const thread = await PGliteThread.create(dir, {}, opts.recycle);
  threads.push(thread);
  return thread;
}

afterEach(async () => {
  await Promise.all(threads.splice(0).map((t) => t.close()));
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe("PGlite on a worker thread", () => {
  it("answers queries with rows, fields and parameters, and keeps drizzle's raw types as text", async () => {
    const db = await open();
    const result = await db.query<{ n: number; t: string; at: string }>(
      "select $1::int + 1 as n, $2::text as t, timestamptz '2025-03-01 14:30:00+00' as at",
      [41, "ß"],
      {
        // drizzle's parsers: the identity for timestamps (1184), sent as type ids.
        parsers: { 1184: (v: string) => v },
      },
    );
    expect(result.rows).toEqual([{ n: 42, t: "ß", at: "2025-03-01 14:30:00+00" }]);
    expect(result.fields.map((f) => f.name)).toEqual(["n", "t", "at"]);
    const arrays = await db.query("select 1 as a, 'x' as b", [], { rowMode: "array" });
    expect(arrays.rows).toEqual([[1, "x"]]);
  });

  it("gives PostgreSQL's error fields back on an Error", async () => {
    const db = await open();
    await db.exec("create table t (id int primary key)");
    await db.query("insert into t values (1)");
    const err = await db.query("insert into t values (1)").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ code: "23505", constraint: "t_pkey", table: "t" });
    expect((err as Error).message).toMatch(/duplicate key/);
  });

  it("commits a transaction that resolves, rolls back one that throws, and makes other queries wait", async () => {
    const db = await open();
    await db.exec("create table t (id int)");
    await db.transaction(async (tx) => {
      await tx.query("insert into t values (1)");
    });
    const failed = await db
      .transaction(async (tx) => {
        await tx.query("insert into t values (2)");
        throw new Error("stop");
      })
      .catch((e: Error) => e.message);
    expect(failed).toBe("stop");
    // A query outside the transaction, asked for while it is open, sees it only once it commits.
    let outside: Promise<unknown> | undefined;
    await db.transaction(async (tx) => {
      await tx.query("insert into t values (3)");
      outside = db.query<{ n: number }>("select count(*)::int as n from t").then((r) => r.rows[0].n);
      await new Promise((resolve) => setTimeout(resolve, 50));
    });
    expect(await outside).toBe(2);
    expect((await db.query<{ id: number }>("select id from t order by id")).rows.map((r) => r.id)).toEqual([1, 3]);
  });

  it("carries COPY blobs both ways", async () => {
    const db = await open();
    await db.exec("create table t (id int, note text)");
    await db.query("copy t from '/dev/blob'", [], { blob: new Blob(["1\tone\n2\ttwo\n"]) });
    const out = await db.query("copy (select * from t order by id) to '/dev/blob'");
    expect(await out.blob!.text()).toBe("1\tone\n2\ttwo\n");
  });

  it("restarts its thread to give memory back once quiet, keeping the data, though light queries keep coming", async () => {
    // Any growth counts here, so the first quiet window restarts the thread.
    const db = await open({ onDisk: true, recycle: { windowMs: 1000, growthBytes: -Infinity } });
    const worker = () => (db as unknown as { worker: unknown }).worker;
    await db.exec("create table t (id int)");
    await db.query("insert into t values (7)");
    const first = worker();
    // A light query every 100 ms, as the runner's timers and a polling dashboard make: still quiet.
    const ticker = setInterval(() => void db.query("select 1").catch(() => {}), 100);
    try {
      await expect.poll(() => worker() !== first && worker() !== null, { timeout: 10_000 }).toBe(true);
    } finally {
      clearInterval(ticker);
    }
    expect((await db.query<{ id: number }>("select id from t")).rows).toEqual([{ id: 7 }]);
  });

  it("is not restarted while it is busy", async () => {
    const db = await open({ onDisk: true, recycle: { windowMs: 300, growthBytes: -Infinity } });
    const first = (db as unknown as { worker: unknown }).worker;
    // Busy all the time for four windows: one query after another.
    const until = Date.now() + 1500;
    while (Date.now() < until) await db.query("select count(*) from generate_series(1, 20000)");
    expect((db as unknown as { worker: unknown }).worker).toBe(first);
  });

  it("never restarts an in-memory database (it would come back empty)", async () => {
    const db = await open({ recycle: { windowMs: 20, growthBytes: -Infinity } });
    await db.exec("create table t (id int)");
    const first = (db as unknown as { worker: unknown }).worker;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((db as unknown as { worker: unknown }).worker).toBe(first);
    expect((await db.query("select * from t")).rows).toEqual([]);
  });
});
