// Failure, retry, stall and retention behaviour of export jobs (SPEC §7), and the runners' concurrency rules (SPEC §5.2 limits).
import { and, eq, inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { documents, exports, projects } from "@/db/schema";
import { isEmbedded } from "@/lib/env";
import { cleanupExpired, start, storageKeyFor, sweepStalled } from "@/lib/exports/pipeline";
import { InlineRunner } from "@/lib/exports/runner";
import { setStorageForTests } from "@/lib/storage";
import { setFaults } from "@/lib/storage/faults";
import { callRoute, createTestProject, createTestUser, type TestUser } from "../helpers/app";
import {
  addMeasurements,
  eventsOf,
  eventTypes,
  failingUploads,
  filesIn,
  getExportJson,
  holdingRunner,
  installRunner,
  patchEnv,
  readExportRow,
  requestExport,
  sleep,
  storageWith,
  TestRunner,
  updateExportRow,
  exportJobsFixture,
} from "../helpers/export-jobs";

// Fast backoff; the doubling is still visible in the event times.
const jobs = exportJobsFixture({ env: { EXPORTS_RETRY_DELAY_MS: 40 } });

describe("user errors are final at once", () => {
  it("the document deleted while the export waits: failed, kind user, one attempt, a readable message", async () => {
    const user = await createTestUser();
    const { project, job, id } = await jobs.pendingExport(user);
    const db = await getDb();
    await db.delete(documents).where(eq(documents.id, project.documents[0].id));

    await jobs.runner.enqueue(job);
    await jobs.runner.drain();
    const exp = await getExportJson(user, id);
    expect(exp).toMatchObject({
      status: "failed",
      error_kind: "user",
      attempts: 1,
      progress_step: "Failed",
      download_url: null,
      file_key: null,
    });
    expect(exp.error_message).toBe('The document this export was made from no longer exists in project "Test Construction Project".');
    expect(await eventTypes(user, id)).toEqual(["created", "started", "failed"]);
    expect(filesIn(jobs.storage.dir)).toEqual([]);
  });

  it("the project deleted while the export waits: failed, kind user, one attempt", async () => {
    const user = await createTestUser();
    const { project, job, id } = await jobs.pendingExport(user, { format: "json" });
    const db = await getDb();
    // Straight in the database (the API's project delete removes the exports too).
    await db.delete(projects).where(eq(projects.id, project.id));

    await jobs.runner.enqueue(job);
    await jobs.runner.drain();
    expect(await getExportJson(user, id)).toMatchObject({
      status: "failed",
      error_kind: "user",
      attempts: 1,
      error_message: "The project this export was made from no longer exists.",
    });
  });

  it("a PDF whose source grew past the row cap after it was accepted fails as a user error that suggests CSV or Excel", async () => {
    const user = await createTestUser();
    const undo = patchEnv({ PDF_MAX_ROWS: 6 });
    try {
      const { project, job, id } = await jobs.pendingExport(user, { format: "pdf" });
      await addMeasurements(project, 5);
      await jobs.runner.enqueue(job);
      await jobs.runner.drain();
      const exp = await getExportJson(user, id);
      expect(exp).toMatchObject({ status: "failed", error_kind: "user", attempts: 1 });
      expect(exp.error_message).toMatch(
        /PDF exports are limited to 6 measurements; this source has 10\. Export it as CSV or Excel instead\./,
      );
    } finally {
      undo();
    }
  });
});

describe("system errors are retried with backoff", () => {
  it("an upload that keeps failing is tried EXPORTS_MAX_ATTEMPTS times, then fails with a readable message and no file left", async () => {
    const user = await createTestUser();
    const broken = failingUploads(jobs.storage, "connect ECONNREFUSED 127.0.0.1:9000\n    at TCPConnectWrap.afterConnect");
    setStorageForTests(broken.storage);
    const project = await createTestProject(user);
    const id = (await requestExport(user, project.documents[0].id)).body.export_id as string;
    await jobs.runner.drain();

    const exp = await getExportJson(user, id);
    expect(exp).toMatchObject({ status: "failed", error_kind: "system", attempts: 3, progress_step: "Failed" });
    expect(exp.error_message).toBe("The export could not be generated: connect ECONNREFUSED 127.0.0.1:9000");
    expect(broken.calls()).toBe(3);
    expect(filesIn(jobs.storage.dir)).toEqual([]);

    const events = await eventsOf(user, id);
    expect(events.map((e) => e.type)).toEqual(["created", "started", "retried", "started", "retried", "started", "failed"]);
    expect(events[2].data).toMatchObject({ automatic: true, kind: "system", attempt: 1 });
    expect(events[6].data).toMatchObject({ kind: "system", attempt: 3 });
    // Backoff doubles: 40 ms after the first failure, 80 ms after the second.
    const at = events.map((e) => new Date(e.created_at).getTime());
    expect(at[3] - at[2]).toBeGreaterThanOrEqual(35);
    expect(at[5] - at[4]).toBeGreaterThanOrEqual(75);
  });

  it("a manual retry of an export that used up its attempts gets the full budget again", async () => {
    const user = await createTestUser();
    const broken = failingUploads(jobs.storage);
    setStorageForTests(broken.storage);
    const project = await createTestProject(user);
    const id = (await requestExport(user, project.documents[0].id)).body.export_id as string;
    await jobs.runner.drain();
    expect(await getExportJson(user, id)).toMatchObject({ status: "failed", attempts: 3 });

    expect((await callRoute("POST", `/api/exports/${id}/retry`, { as: user })).status).toBe(202);
    await jobs.runner.drain();
    expect(await getExportJson(user, id)).toMatchObject({ status: "failed", attempts: 6, error_kind: "system" });
    expect(broken.calls()).toBe(6);
    expect((await eventTypes(user, id)).slice(7)).toEqual(["retried", "started", "retried", "started", "retried", "started", "failed"]);
  });

  it("while it waits to retry, the export is pending with the last error; a later attempt that succeeds completes it", async () => {
    const user = await createTestUser();
    let failures = 1;
    setStorageForTests(
      storageWith(jobs.storage, {
        put: async (key, body, opts) => {
          if (failures-- > 0) {
            (body as NodeJS.ReadableStream).resume();
            throw new Error("socket hang up");
          }
          return jobs.storage.put(key, body, opts);
        },
      }),
    );
    const undo = patchEnv({ EXPORTS_RETRY_DELAY_MS: 300 });
    try {
      const project = await createTestProject(user);
      const id = (await requestExport(user, project.documents[0].id)).body.export_id as string;
      await sleep(150);
      expect(await getExportJson(user, id)).toMatchObject({
        status: "pending",
        progress_step: "Waiting to retry",
        error_kind: "system",
        error_message: "The export could not be generated: socket hang up",
        attempts: 1,
      });
      await jobs.runner.drain();
      expect(await getExportJson(user, id)).toMatchObject({
        status: "completed",
        attempts: 2,
        error_message: null,
        error_kind: null,
        records_count: 5,
      });
    } finally {
      undo();
    }
  });

  it("a stored object that does not match what was written is a system error; the object is removed when the export fails", async () => {
    const user = await createTestUser();
    setStorageForTests(storageWith(jobs.storage, { head: async (key) => ((await jobs.storage.head(key)) ? { size: 1 } : null) }));
    const project = await createTestProject(user);
    const id = (await requestExport(user, project.documents[0].id)).body.export_id as string;
    await jobs.runner.drain();

    const exp = await getExportJson(user, id);
    expect(exp).toMatchObject({ status: "failed", error_kind: "system", attempts: 3 });
    expect(exp.error_message).toMatch(/^The stored file does not match what was written \(expected \d+ bytes, found 1\)\.$/);
    expect(await jobs.storage.head(storageKeyFor((await readExportRow(id))!))).toBeNull();
    expect(filesIn(jobs.storage.dir)).toEqual([]);
  });

  it.skipIf(!isEmbedded)("the test fault switch (embedded mode, TEST_FAULTS=1) fails uploads until it is turned off", async () => {
    const user = await createTestUser();
    const undo = patchEnv({ TEST_FAULTS: true, EXPORTS_DIR: jobs.storage.dir, EXPORTS_MAX_ATTEMPTS: 1 });
    setStorageForTests(undefined); // the storage chosen by env, wrapped by the switch
    try {
      const on = await callRoute("POST", "/api/test/faults", { body: { storage_upload: true } });
      expect(await on.json()).toEqual({ storage_upload: true, storage_delete: false });
      const project = await createTestProject(user);
      const id = (await requestExport(user, project.documents[0].id)).body.export_id as string;
      await jobs.runner.drain();
      expect(await getExportJson(user, id)).toMatchObject({
        status: "failed",
        error_kind: "system",
        error_message: "The export could not be generated: The file store is unavailable (upload failed: simulated outage).",
      });

      await callRoute("POST", "/api/test/faults", { body: { storage_upload: false } });
      expect((await callRoute("POST", `/api/exports/${id}/retry`, { as: user })).status).toBe(202);
      await jobs.runner.drain();
      expect((await getExportJson(user, id)).status).toBe("completed");
    } finally {
      setFaults({ storage_upload: false, storage_delete: false });
      undo();
      setStorageForTests(jobs.storage);
    }
  });

  it.skipIf(isEmbedded)("the test fault switch does not exist outside the embedded mode", async () => {
    const undo = patchEnv({ TEST_FAULTS: true });
    try {
      expect((await callRoute("POST", "/api/test/faults", { body: { storage_upload: true } })).status).toBe(404);
    } finally {
      undo();
    }
  });
});

describe("stalled exports", () => {
  async function stalledExport(user: TestUser, attempts: number) {
    const { job, id } = await jobs.pendingExport(user);
    expect(await start(id)).toBe(true);
    // The worker died: no heartbeat for longer than EXPORT_STALL_SECONDS.
    await updateExportRow(id, { attempts, heartbeatAt: new Date(Date.now() - 10 * 60_000) });
    return { job, id };
  }

  it("a processing export without a heartbeat goes back to pending and its next attempt completes it", async () => {
    const user = await createTestUser();
    const { job, id } = await stalledExport(user, 1);

    const swept = await sweepStalled();
    expect(swept.requeued).toContainEqual({ id, userId: user.id });
    expect(await getExportJson(user, id)).toMatchObject({
      status: "pending",
      error_kind: "timeout",
      error_message: expect.stringContaining("stopped making progress"),
    });

    await jobs.runner.enqueue(job);
    await jobs.runner.drain();
    expect(await getExportJson(user, id)).toMatchObject({ status: "completed", attempts: 2, error_kind: null });
    const events = await eventsOf(user, id);
    expect(events.map((e) => e.type)).toEqual(["created", "started", "retried", "started", "completed"]);
    expect(events[2].data).toMatchObject({ kind: "timeout", automatic: true });
  });

  it("after its last attempt a stalled export fails with kind timeout", async () => {
    const user = await createTestUser();
    const { id } = await stalledExport(user, 3);

    const swept = await sweepStalled();
    expect(swept.failed).toContain(id);
    const exp = await getExportJson(user, id);
    expect(exp).toMatchObject({ status: "failed", error_kind: "timeout", progress_step: "Failed" });
    expect(exp.error_message).toBe("The export stopped making progress and was given up after 3 attempts.");
    expect((await eventTypes(user, id)).at(-1)).toBe("failed");
  });

  it("an export with a fresh heartbeat is left alone", async () => {
    const user = await createTestUser();
    const { id } = await jobs.pendingExport(user);
    expect(await start(id)).toBe(true);
    const swept = await sweepStalled();
    expect(swept.requeued.map((r) => r.id)).not.toContain(id);
    expect(swept.failed).not.toContain(id);
    expect((await readExportRow(id))!.status).toBe("processing");
    await updateExportRow(id, { status: "cancelled" });
  });

  it.skipIf(!isEmbedded)(
    "at start-up the embedded runner takes over every export a dead process left processing, and the pending ones",
    async () => {
      const user = await createTestUser();
      const a = await jobs.pendingExport(user, { format: "csv" });
      const b = await jobs.pendingExport(user, { format: "json" });
      expect(await start(a.id)).toBe(true); // heartbeat still fresh: only the restart knows its owner is gone

      const fresh = installRunner(new InlineRunner(2, 2));
      try {
        await fresh.start();
        await fresh.drain();
      } finally {
        await fresh.stop();
        installRunner(jobs.runner);
      }
      expect(await getExportJson(user, a.id)).toMatchObject({ status: "completed", attempts: 2 });
      expect(await getExportJson(user, b.id)).toMatchObject({ status: "completed", attempts: 1 });
    },
  );
});

describe("retention", () => {
  it("a completed export past expires_at becomes expired: row kept, file deleted, an event, download 410", async () => {
    const user = await createTestUser();
    const project = await createTestProject(user);
    const keep = (await requestExport(user, project.documents[0].id, { format: "json" })).body.export_id as string;
    const old = (await requestExport(user, project.documents[0].id, { format: "csv" })).body.export_id as string;
    await jobs.runner.drain();
    const before = await getExportJson(user, old);
    const expiresAt = new Date(Date.now() - 1000);
    await updateExportRow(old, { expiresAt });

    await cleanupExpired();

    const after = await getExportJson(user, old);
    expect(after).toMatchObject({
      status: "expired",
      progress_step: "Expired",
      download_url: null,
      file_key: before.file_key,
      file_size: before.file_size,
    });
    expect(await jobs.storage.head(before.file_key)).toBeNull();
    const events = await eventsOf(user, old);
    expect(events.at(-1)).toMatchObject({ type: "expired", data: { expires_at: expiresAt.toISOString() } });

    const download = await callRoute("GET", `/api/exports/${old}/download`, { as: user });
    expect(download.status).toBe(410);
    expect(await download.json()).toMatchObject({ error: { code: "export_expired" } });

    // Not yet due: untouched.
    const kept = await getExportJson(user, keep);
    expect(kept.status).toBe("completed");
    expect(await jobs.storage.head(kept.file_key)).not.toBeNull();
  });

  it("an expired export retried generates its file again", async () => {
    const user = await createTestUser();
    const project = await createTestProject(user);
    const id = (await requestExport(user, project.documents[0].id)).body.export_id as string;
    await jobs.runner.drain();
    await updateExportRow(id, { expiresAt: new Date(Date.now() - 1000) });
    await cleanupExpired();
    expect((await getExportJson(user, id)).status).toBe("expired");

    expect((await callRoute("POST", `/api/exports/${id}/retry`, { as: user })).status).toBe(202);
    await jobs.runner.drain();
    const exp = await getExportJson(user, id);
    expect(exp).toMatchObject({ status: "completed", attempts: 2 });
    expect(new Date(exp.expires_at).getTime()).toBeGreaterThan(Date.now());
    expect(await jobs.storage.head(exp.file_key)).toEqual({ size: exp.file_size });
  });
});

describe("concurrency", () => {
  it("two claims racing for one export: exactly one wins", async () => {
    const user = await createTestUser();
    const { id } = await jobs.pendingExport(user);
    const claims = await Promise.all([start(id), start(id), start(id)]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await getExportJson(user, id)).toMatchObject({ status: "processing", attempts: 1 });
    expect(await eventTypes(user, id)).toEqual(["created", "started"]);
    await updateExportRow(id, { status: "cancelled" });
  });

  it("two runners given the same export run it once", async () => {
    const user = await createTestUser();
    const { job, id } = await jobs.pendingExport(user);
    const other = new TestRunner();
    try {
      await Promise.all([jobs.runner.enqueue(job), other.enqueue(job)]);
      await Promise.all([jobs.runner.drain(), other.drain()]);
    } finally {
      await other.stop();
    }
    expect(await getExportJson(user, id)).toMatchObject({ status: "completed", attempts: 1 });
    expect(await eventTypes(user, id)).toEqual(["created", "started", "completed"]);
  });

  it("never more than EXPORTS_CONCURRENCY_PER_USER exports of one user process at once; other users use the free workers", async () => {
    const busy = await createTestUser();
    const neighbour = await createTestUser();
    const wide = new TestRunner(4, 2);
    const inFlight = new Map<string, number>();
    const maxInFlight = new Map<string, number>();
    let total = 0;
    let maxTotal = 0;
    setStorageForTests(
      storageWith(jobs.storage, {
        put: async (key, body, opts) => {
          const projectId = key.split("/")[1];
          inFlight.set(projectId, (inFlight.get(projectId) ?? 0) + 1);
          maxInFlight.set(projectId, Math.max(maxInFlight.get(projectId) ?? 0, inFlight.get(projectId)!));
          maxTotal = Math.max(maxTotal, ++total);
          try {
            await sleep(150);
            return await jobs.storage.put(key, body, opts);
          } finally {
            inFlight.set(projectId, inFlight.get(projectId)! - 1);
            total--;
          }
        },
      }),
    );
    try {
      const held = installRunner(holdingRunner());
      const busyProject = await createTestProject(busy);
      const neighbourProject = await createTestProject(neighbour);
      const ids: string[] = [];
      for (const delimiter of [",", ";", "tab"]) {
        ids.push((await requestExport(busy, busyProject.documents[0].id, { format: "csv", options: { delimiter } })).body.export_id);
      }
      ids.push((await requestExport(busy, busyProject.documents[0].id, { format: "json" })).body.export_id);
      ids.push((await requestExport(neighbour, neighbourProject.documents[0].id, { format: "json" })).body.export_id);
      installRunner(wide);
      await Promise.all(held.jobs.map((job) => wide.enqueue(job)));

      // Sample the database while the batch runs.
      const db = await getDb();
      let maxProcessing = 0;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          const rows = await db
            .select({ id: exports.id })
            .from(exports)
            .where(and(eq(exports.userId, busy.id), eq(exports.status, "processing")));
          maxProcessing = Math.max(maxProcessing, rows.length);
          await sleep(10);
        }
      })();
      await wide.drain();
      sampling = false;
      await sampler;

      expect(maxInFlight.get(busyProject.id)).toBe(2);
      expect(maxProcessing).toBeGreaterThanOrEqual(1);
      expect(maxProcessing).toBeLessThanOrEqual(2);
      expect(maxInFlight.get(neighbourProject.id)).toBe(1);
      expect(maxTotal).toBe(3); // the neighbour did not wait for the busy user's queue
      const done = await db.select({ status: exports.status }).from(exports).where(inArray(exports.id, ids));
      expect(done.map((r) => r.status)).toEqual(ids.map(() => "completed"));
    } finally {
      await wide.stop();
      installRunner(jobs.runner);
    }
  });
});
