/**
 * Helpers for the export-job integration tests: runners a test controls,
 * storage a test can slow down or break, direct row edits for states that
 * only time produces (old heartbeats, past expiry), and bulk measurements.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pipeline, Transform } from "node:stream";
import { afterEach, beforeEach, expect } from "vitest";
import { eq, sql } from "drizzle-orm";
import { getDb } from "@/db";
import { exports, type ExportRow } from "@/db/schema";
import { appSecret } from "@/lib/auth/secret";
import { env, type Env } from "@/lib/env";
import { InlineRunner, type ExportRunner, type Job } from "@/lib/exports/runner";
import { createDiskStorage, setStorageForTests, type DiskStorage, type Storage } from "@/lib/storage";
import { BASE_URL, callRoute, createTestProject, type TestUser } from "./app";

const globalForRunner = globalThis as unknown as { __takeoffRunner?: ExportRunner };

/**
 * The inline runner without start-up recovery, sweep timers or the expiry
 * cleanup: in the shared PostgreSQL database those would pick up other test
 * files' exports. Tests call the sweeps themselves.
 */
export class TestRunner extends InlineRunner {
  override start(): Promise<void> {
    return Promise.resolve();
  }
}

/** A runner that accepts jobs and runs none: exports stay `pending` until the test moves them. */
export function holdingRunner() {
  const jobs: Job[] = [];
  const cancelled: Job[] = [];
  return {
    kind: "inline" as const,
    jobs,
    cancelled,
    enqueue: async (job: Job) => void jobs.push(job),
    cancel: async (job: Job) => void cancelled.push(job),
    stop: async () => {},
  };
}

/** Makes `runner` the process's export runner (what the routes enqueue to). */
export function installRunner<R extends ExportRunner>(runner: R): R {
  globalForRunner.__takeoffRunner = runner;
  return runner;
}

/**
 * Environment values for one test. `env` is parsed once per test file's
 * module graph; the pipeline, runner and service read it at call time, so a
 * patch applies at once. Returns the undo.
 */
export function patchEnv(patch: Partial<Env>): () => void {
  const saved = Object.fromEntries(Object.keys(patch).map((k) => [k, env[k as keyof Env]]));
  Object.assign(env, patch);
  return () => Object.assign(env, saved);
}

/** A disk store in its own temporary directory, installed as the process's storage. */
export function useTempDiskStorage(): DiskStorage & { cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "export-jobs-"));
  const storage = createDiskStorage({ dir, secret: appSecret(), baseUrl: BASE_URL });
  setStorageForTests(storage);
  return Object.assign(storage, {
    cleanup() {
      setStorageForTests(undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  });
}

/** Every file under `dir`, relative, including dot-files (temp uploads start with a dot). */
export function filesIn(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

/** `inner` with some operations replaced; the rest call through. */
export function storageWith(inner: Storage, overrides: Partial<Omit<Storage, "driver">>): Storage {
  return {
    driver: inner.driver,
    put: overrides.put ?? ((key, body, opts) => inner.put(key, body, opts)),
    head: overrides.head ?? ((key) => inner.head(key)),
    delete: overrides.delete ?? ((key) => inner.delete(key)),
    signedUrl: overrides.signedUrl ?? ((key, opts) => inner.signedUrl(key, opts)),
    health: overrides.health ?? (() => inner.health()),
  };
}

/**
 * A store whose uploads let the first chunk through and then hold every
 * further byte until `open()`: the upload is under way (a temp file exists),
 * the renderer fills the pipe and waits. `uploading` resolves when the first
 * chunk has passed.
 */
export function gatedStorage(inner: Storage) {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let started!: () => void;
  const uploading = new Promise<void>((resolve) => (started = resolve));
  const storage = storageWith(inner, {
    put(key, body, opts) {
      let first = true;
      const hold = new Transform({
        transform(chunk, _encoding, callback) {
          if (first) {
            first = false;
            started();
            callback(null, chunk);
          } else {
            void gate.then(() => callback(null, chunk));
          }
        },
      });
      pipeline(body as NodeJS.ReadableStream, hold, () => {});
      return inner.put(key, hold, opts);
    },
  });
  return { storage, open, uploading };
}

/** A store whose uploads fail after reading part of the body, like a connection dropped mid-upload. */
export function failingUploads(inner: Storage, message = "connect ECONNREFUSED 127.0.0.1:9000") {
  let calls = 0;
  const storage = storageWith(inner, {
    async put(_key, body) {
      calls++;
      (body as NodeJS.ReadableStream).resume();
      await sleep(5);
      throw new Error(message);
    },
  });
  return { storage, calls: () => calls };
}

/** Direct row edits, for states that only time or a dead process produce. */
export async function updateExportRow(id: string, patch: Partial<ExportRow>) {
  const db = await getDb();
  await db.update(exports).set(patch).where(eq(exports.id, id));
}

export async function readExportRow(id: string): Promise<ExportRow | undefined> {
  const db = await getDb();
  const [row] = await db.select().from(exports).where(eq(exports.id, id));
  return row;
}

type ImportedProject = { id: string; conditions: { id: string }[]; documents: { id: string; pages: { id: string }[] }[] };

/** Adds `n` point measurements to the project's first condition on its first page, in one statement. */
export async function addMeasurements(project: ImportedProject, n: number) {
  const db = await getDb();
  const conditionId = project.conditions[0].id;
  const pageId = project.documents[0].pages[0].id;
  await db.execute(sql`
    insert into measurements (condition_id, page_id, geometry_type, geometry, quantity, unit, is_ai_generated, is_verified, notes, position)
    select ${conditionId}::uuid, ${pageId}::uuid, 'point', jsonb_build_object('x', g, 'y', g * 2), g, 'SF', false, true, 'bulk row ' || g, 100000 + g
    from generate_series(1, ${n}::int) as g`);
}

/** POSTs a document export and returns the parsed response with its status. */
export async function requestExport(
  user: TestUser,
  documentId: string,
  body: Record<string, unknown> = { format: "csv" },
  headers?: Record<string, string>,
) {
  const res = await callRoute("POST", `/api/documents/${documentId}/export`, { as: user, body, headers });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

export async function getExportJson(user: TestUser, id: string) {
  return (await callRoute("GET", `/api/exports/${id}`, { as: user })).json();
}

export type EventOut = {
  id: string;
  export_id: string;
  type: string;
  data: Record<string, unknown>;
  ip: string | null;
  user_agent: string | null;
  created_at: string;
};

export async function eventsOf(user: TestUser, id: string): Promise<EventOut[]> {
  const res = await callRoute("GET", `/api/exports/${id}/events`, { as: user });
  if (res.status !== 200) throw new Error(`events: ${res.status}`);
  return ((await res.json()) as { events: EventOut[] }).events;
}

export async function eventTypes(user: TestUser, id: string): Promise<string[]> {
  return (await eventsOf(user, id)).map((e) => e.type);
}

/** Fetches a signed disk URL through the storage route. */
export async function fetchSigned(url: string) {
  const u = new URL(url);
  return callRoute("GET", `${u.pathname}${u.search}`);
}

/** Polls `check` until it returns a value (not undefined/false) or the time runs out. */
export async function until<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The setup every export-job test file shares: a temporary disk store and a
 * TestRunner installed before each test, stopped and removed after it, plus
 * the two starting points most tests need. Call once at the top of a file.
 */
export function exportJobsFixture(opts: { env?: Partial<Env> } = {}) {
  let storage: ReturnType<typeof useTempDiskStorage> | undefined;
  let runner: TestRunner | undefined;
  let undoEnv: (() => void) | undefined;
  beforeEach(() => {
    storage = useTempDiskStorage();
    runner = installRunner(new TestRunner());
    if (opts.env) undoEnv = patchEnv(opts.env);
  });
  afterEach(async () => {
    await runner?.stop();
    undoEnv?.();
    storage?.cleanup();
  });
  const jobs = {
    get storage() {
      return storage!;
    },
    get runner() {
      return runner!;
    },
    /** A document export of a new project, run to completion by the test runner. */
    async completedExport(user: TestUser, body: Record<string, unknown> = { format: "csv" }) {
      const project = await createTestProject(user);
      const created = await requestExport(user, project.documents[0].id, body);
      expect(created.status).toBe(202);
      await jobs.runner.drain();
      const exp = await getExportJson(user, created.body.export_id);
      expect(exp.status).toBe("completed");
      return { project, exp };
    },
    /** A document export of a new project left `pending`: created while a runner that runs nothing is installed. */
    async pendingExport(user: TestUser, body: Record<string, unknown> = { format: "csv" }) {
      const held = installRunner(holdingRunner());
      const project = await createTestProject(user);
      const created = await requestExport(user, project.documents[0].id, body);
      installRunner(jobs.runner);
      expect(created.status).toBe(202);
      return { project, held, job: held.jobs[0], id: created.body.export_id as string, created: created.body };
    },
  };
  return jobs;
}
