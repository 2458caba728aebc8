// The export lifecycle through the routes (SPEC §3 status lifecycle, §5.2, §7): progress, task status, the event trail, cancel, retry and delete.
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { documents, storageDeletions } from "@/db/schema";
import { cleanupExpired, runExport, storageKeyFor } from "@/lib/exports/pipeline";
import { setStorageForTests } from "@/lib/storage";
import { callRoute, createTestProject, createTestUser, type TestUser } from "../helpers/app";
import {
  addMeasurements,
  eventsOf,
  eventTypes,
  failingUploads,
  filesIn,
  gatedStorage,
  getExportJson,
  holdingRunner,
  installRunner,
  patchEnv,
  readExportRow,
  requestExport,
  sleep,
  storageWith,
  until,
  updateExportRow,
  exportJobsFixture,
} from "../helpers/export-jobs";

const jobs = exportJobsFixture();

const cancel = (user: TestUser, id: string) => callRoute("POST", `/api/exports/${id}/cancel`, { as: user });
const retry = (user: TestUser, id: string) => callRoute("POST", `/api/exports/${id}/retry`, { as: user });

async function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(await res.json()).toMatchObject({ success: false, error: { code } });
}

describe("progress and task status", () => {
  it("a finished export reads 100% / Completed with records_count equal to rows_total", async () => {
    const user = await createTestUser();
    const { exp } = await jobs.completedExport(user);
    expect(exp).toMatchObject({
      status: "completed",
      progress: 100,
      progress_step: "Completed",
      records_count: 5,
      rows_total: 5,
      attempts: 1,
      error_message: null,
      error_kind: null,
    });
    expect(new Date(exp.started_at).getTime()).toBeLessThanOrEqual(new Date(exp.completed_at).getTime());
  });

  it("GET /api/tasks/{task_id}/status follows the export from Queued to Completed", async () => {
    const user = await createTestUser();
    const { id, created, held } = await jobs.pendingExport(user);

    const queued = await callRoute("GET", `/api/tasks/${created.task_id}/status`, { as: user });
    expect(queued.status).toBe(200);
    expect(await queued.json()).toEqual({
      task_id: created.task_id,
      export_id: id,
      status: "pending",
      progress: { percent: 0, step: "Queued" },
      error: null,
      created_at: created.export.created_at,
      started_at: null,
      completed_at: null,
    });

    await jobs.runner.enqueue(held.jobs[0]);
    await jobs.runner.drain();
    const done = await (await callRoute("GET", `/api/tasks/${created.task_id}/status`, { as: user })).json();
    const exp = await getExportJson(user, id);
    expect(done).toEqual({
      task_id: created.task_id,
      export_id: id,
      status: "completed",
      progress: { percent: 100, step: "Completed" },
      error: null,
      created_at: exp.created_at,
      started_at: exp.started_at,
      completed_at: exp.completed_at,
    });
  });

  it("a failed task reports its error message and kind", async () => {
    const user = await createTestUser();
    const { project, created, held } = await jobs.pendingExport(user);
    const db = await getDb();
    await db.delete(documents).where(eq(documents.id, project.documents[0].id));
    await jobs.runner.enqueue(held.jobs[0]);
    await jobs.runner.drain();

    const status = await (await callRoute("GET", `/api/tasks/${created.task_id}/status`, { as: user })).json();
    expect(status).toMatchObject({
      status: "failed",
      progress: { step: "Failed" },
      error: { kind: "user", message: expect.stringContaining("no longer exists") },
    });
  });

  it("the status of another user's task, of an export id or of a malformed id is 404", async () => {
    const user = await createTestUser();
    const other = await createTestUser();
    const { created } = await jobs.pendingExport(user);

    await expectError(await callRoute("GET", `/api/tasks/${created.task_id}/status`, { as: other }), 404, "not_found");
    await expectError(await callRoute("GET", `/api/tasks/${created.export_id}/status`, { as: user }), 404, "not_found");
    await expectError(await callRoute("GET", `/api/tasks/not-a-task/status`, { as: user }), 404, "not_found");
    await expectError(await callRoute("GET", `/api/tasks/${created.task_id}/status`), 401, "unauthorized");
  });
});

describe("the event trail", () => {
  it("records every transition of a long life, with who and from where, and survives the export's deletion", async () => {
    const user = await createTestUser();
    const project = await createTestProject(user);
    const client = { "x-forwarded-for": "203.0.113.9, 10.0.0.2", "user-agent": "lifecycle-test/1.0" };
    const created = await requestExport(user, project.documents[0].id, { format: "csv" }, client);
    const id = created.body.export_id as string;
    await jobs.runner.drain();

    expect((await callRoute("GET", `/api/exports/${id}/download?redirect=false`, { as: user, headers: client })).status).toBe(200);
    await updateExportRow(id, { expiresAt: new Date(Date.now() - 1000) });
    await cleanupExpired();
    expect((await getExportJson(user, id)).status).toBe("expired");
    expect((await retry(user, id)).status).toBe(202);
    await jobs.runner.drain();
    expect((await getExportJson(user, id)).status).toBe("completed");
    expect((await callRoute("DELETE", `/api/exports/${id}`, { as: user, headers: client })).status).toBe(204);

    const events = await eventsOf(user, id);
    expect(events.map((e) => e.type)).toEqual([
      "created",
      "started",
      "completed",
      "downloaded",
      "expired",
      "retried",
      "started",
      "completed",
      "deleted",
    ]);
    expect(events.every((e) => e.export_id === id)).toBe(true);
    const created0 = events[0];
    expect(created0).toMatchObject({ ip: "203.0.113.9", user_agent: "lifecycle-test/1.0", data: { format: "csv", source: "document" } });
    expect(events[1].data).toMatchObject({ attempt: 1 });
    expect(events[2].data).toMatchObject({ records: 5, file_size: expect.any(Number) });
    expect(events[3]).toMatchObject({ ip: "203.0.113.9", user_agent: "lifecycle-test/1.0", data: { download_count: 1 } });
    expect(events[5].data).toMatchObject({ from: "expired", manual: true });
    expect(events[6].data).toMatchObject({ attempt: 2 });
    expect(events[8]).toMatchObject({ ip: "203.0.113.9", data: { status: "completed" } });
    const times = events.map((e) => new Date(e.created_at).getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));

    expect((await callRoute("GET", `/api/exports/${id}`, { as: user })).status).toBe(404);
    const other = await createTestUser();
    expect((await callRoute("GET", `/api/exports/${id}/events`, { as: other })).status).toBe(404);
  });

  it("a failed attempt, a cancel and a retry each leave their event", async () => {
    const user = await createTestUser();
    const undo = patchEnv({ EXPORTS_MAX_ATTEMPTS: 1 });
    try {
      const broken = failingUploads(jobs.storage);
      setStorageForTests(broken.storage);
      const project = await createTestProject(user);
      const id = (await requestExport(user, project.documents[0].id)).body.export_id as string;
      await jobs.runner.drain();
      setStorageForTests(jobs.storage);

      expect((await retry(user, id)).status).toBe(202);
      await jobs.runner.drain();
      const events = await eventsOf(user, id);
      expect(events.map((e) => e.type)).toEqual(["created", "started", "failed", "retried", "started", "completed"]);
      expect(events[2].data).toMatchObject({ kind: "system", attempt: 1, message: expect.stringContaining("ECONNREFUSED") });
      expect(events[3].data).toMatchObject({ from: "failed", manual: true, previous_error: expect.stringContaining("ECONNREFUSED") });
    } finally {
      undo();
    }

    const { id } = await jobs.pendingExport(user, { format: "json" });
    expect((await cancel(user, id)).status).toBe(200);
    expect(await eventTypes(user, id)).toEqual(["created", "cancelled"]);
    expect((await eventsOf(user, id))[1].data).toMatchObject({ from: "pending" });
  });

  it("the events of another user's export, or of a malformed id, are 404", async () => {
    const user = await createTestUser();
    const other = await createTestUser();
    const { id } = await jobs.pendingExport(user);
    await expectError(await callRoute("GET", `/api/exports/${id}/events`, { as: other }), 404, "not_found");
    await expectError(await callRoute("GET", `/api/exports/nope/events`, { as: user }), 404, "not_found");
  });
});

describe("cancel", () => {
  it("a pending export is cancelled at once (200) and never runs, even if its job is delivered later", async () => {
    const user = await createTestUser();
    const { id, held } = await jobs.pendingExport(user);
    installRunner(held);

    const res = await cancel(user, id);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id, status: "cancelled", progress_step: "Cancelled", download_url: null });
    expect(held.cancelled).toEqual([expect.objectContaining({ id })]);

    installRunner(jobs.runner);
    await jobs.runner.enqueue(held.jobs[0]);
    await jobs.runner.drain();
    expect(await getExportJson(user, id)).toMatchObject({ status: "cancelled", attempts: 0, started_at: null });
    expect(await eventTypes(user, id)).toEqual(["created", "cancelled"]);
  });

  it("a processing export running in this process is stopped: no object under its key, no temp file left", async () => {
    const user = await createTestUser();
    const gated = gatedStorage(jobs.storage);
    setStorageForTests(gated.storage);
    const project = await createTestProject(user);
    const id = (await requestExport(user, project.documents[0].id)).body.export_id as string;
    try {
      await gated.uploading;
      expect((await getExportJson(user, id)).status).toBe("processing");
      await until(async () => filesIn(jobs.storage.dir).some((f) => f.endsWith(".tmp")), "the upload's temp file");

      const res = await cancel(user, id);
      expect(res.status).toBe(200);
      expect((await res.json()).status).toBe("cancelled");
      await jobs.runner.drain();
    } finally {
      gated.open();
    }

    const row = (await readExportRow(id))!;
    expect(row).toMatchObject({ status: "cancelled", attempts: 1, fileKey: null, errorMessage: null });
    expect(await jobs.storage.head(storageKeyFor(row))).toBeNull();
    expect(filesIn(jobs.storage.dir)).toEqual([]);
    expect(await eventTypes(user, id)).toEqual(["created", "started", "cancelled"]);
    expect(jobs.runner.stats()).toEqual({ queued: 0, running: 0, retrying: 0 });
  });

  it("an export cancelled from elsewhere stops at its next progress checkpoint and removes its partial upload", async () => {
    const user = await createTestUser();
    // The job runs here, the cancel is only a database change (as when another instance answered the request).
    installRunner(holdingRunner());
    const gated = gatedStorage(jobs.storage);
    setStorageForTests(gated.storage);
    const project = await createTestProject(user);
    await addMeasurements(project, 20_000);
    const id = (await requestExport(user, project.documents[0].id)).body.export_id as string;

    const run = runExport(id);
    try {
      await gated.uploading;
      await until(async () => ((await readExportRow(id))?.recordsCount ?? 0) > 0, "first progress write");
      expect((await cancel(user, id)).status).toBe(200);
      await sleep(1100); // past the progress interval, so the next batch is a checkpoint
    } finally {
      gated.open();
    }
    expect(await run).toBe("cancelled");

    const row = (await readExportRow(id))!;
    expect(row.status).toBe("cancelled");
    expect(row.recordsCount).toBeLessThan(20_005);
    expect(await jobs.storage.head(storageKeyFor(row))).toBeNull();
    expect(filesIn(jobs.storage.dir)).toEqual([]);
    expect(await eventTypes(user, id)).toEqual(["created", "started", "cancelled"]);
  });

  it("a completed, failed or cancelled export cannot be cancelled: 409 invalid_state", async () => {
    const user = await createTestUser();
    const { exp } = await jobs.completedExport(user);
    await expectError(await cancel(user, exp.id), 409, "invalid_state");
    expect((await getExportJson(user, exp.id)).status).toBe("completed");

    const cancelled = await jobs.pendingExport(user, { format: "json" });
    expect((await cancel(user, cancelled.id)).status).toBe(200);
    await expectError(await cancel(user, cancelled.id), 409, "invalid_state");

    const failed = await jobs.pendingExport(user, { format: "ost" });
    const db = await getDb();
    await db.delete(documents).where(eq(documents.id, failed.project.documents[0].id));
    await jobs.runner.enqueue(failed.held.jobs[0]);
    await jobs.runner.drain();
    expect((await getExportJson(user, failed.id)).status).toBe("failed");
    await expectError(await cancel(user, failed.id), 409, "invalid_state");
  });

  it("cancelling another user's export, or a malformed id, is 404 and changes nothing", async () => {
    const user = await createTestUser();
    const other = await createTestUser();
    const { id } = await jobs.pendingExport(user);
    await expectError(await cancel(other, id), 404, "not_found");
    await expectError(await cancel(user, "123"), 404, "not_found");
    expect((await getExportJson(user, id)).status).toBe("pending");
  });
});

describe("retry", () => {
  it("a failed export re-runs in place: same id and task_id, pending → completed, attempts counted", async () => {
    const user = await createTestUser();
    const undo = patchEnv({ EXPORTS_MAX_ATTEMPTS: 1 });
    const broken = failingUploads(jobs.storage);
    setStorageForTests(broken.storage);
    const project = await createTestProject(user);
    const created = await requestExport(user, project.documents[0].id);
    const id = created.body.export_id as string;
    await jobs.runner.drain();
    undo();
    setStorageForTests(jobs.storage);
    expect(await getExportJson(user, id)).toMatchObject({ status: "failed", attempts: 1, error_kind: "system" });

    const res = await retry(user, id);
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({
      id,
      task_id: created.body.task_id,
      status: "pending",
      progress: 0,
      progress_step: "Queued",
      error_message: null,
      error_kind: null,
      attempts: 1,
    });
    await jobs.runner.drain();

    const done = await getExportJson(user, id);
    expect(done).toMatchObject({
      id,
      task_id: created.body.task_id,
      status: "completed",
      attempts: 2,
      records_count: 5,
      error_message: null,
    });
    const list = await (await callRoute("GET", `/api/exports?project_id=${project.id}`, { as: user })).json();
    expect(list.total).toBe(1);
  });

  it("a cancelled export can be retried and completes", async () => {
    const user = await createTestUser();
    const { id, created } = await jobs.pendingExport(user);
    expect((await cancel(user, id)).status).toBe(200);

    const res = await retry(user, id);
    expect(res.status).toBe(202);
    expect((await res.json()).status).toBe("pending");
    await jobs.runner.drain();
    expect(await getExportJson(user, id)).toMatchObject({ status: "completed", attempts: 1, task_id: created.task_id });
  });

  it("an export cancelled while running and retried straight away still runs to completion", async () => {
    const user = await createTestUser();
    const gated = gatedStorage(jobs.storage);
    setStorageForTests(gated.storage);
    const project = await createTestProject(user);
    const id = (await requestExport(user, project.documents[0].id)).body.export_id as string;
    try {
      await gated.uploading;
      expect((await cancel(user, id)).status).toBe(200);
      setStorageForTests(jobs.storage);
      expect((await retry(user, id)).status).toBe(202);
    } finally {
      gated.open();
    }
    await jobs.runner.drain();
    expect(await getExportJson(user, id)).toMatchObject({ status: "completed", attempts: 2, records_count: 5 });
    expect(await jobs.storage.head(storageKeyFor((await readExportRow(id))!))).not.toBeNull();
  });

  it("retrying a pending, processing or completed export is 409 invalid_state", async () => {
    const user = await createTestUser();
    const pending = await jobs.pendingExport(user);
    await expectError(await retry(user, pending.id), 409, "invalid_state");

    const gated = gatedStorage(jobs.storage);
    setStorageForTests(gated.storage);
    await jobs.runner.enqueue(pending.held.jobs[0]);
    try {
      await gated.uploading;
      await expectError(await retry(user, pending.id), 409, "invalid_state");
    } finally {
      gated.open();
    }
    await jobs.runner.drain();
    expect((await getExportJson(user, pending.id)).status).toBe("completed");
    await expectError(await retry(user, pending.id), 409, "invalid_state");
    expect((await getExportJson(user, pending.id)).attempts).toBe(1);
  });

  it("retrying another user's export is 404", async () => {
    const user = await createTestUser();
    const other = await createTestUser();
    const { id } = await jobs.pendingExport(user);
    expect((await cancel(user, id)).status).toBe(200);
    await expectError(await retry(other, id), 404, "not_found");
    expect((await getExportJson(user, id)).status).toBe("cancelled");
  });
});

describe("delete", () => {
  it("deleting a completed export answers 204, removes the record and its file", async () => {
    const user = await createTestUser();
    const other = await createTestUser();
    const { exp } = await jobs.completedExport(user);
    expect(await jobs.storage.head(exp.file_key)).toEqual({ size: exp.file_size });

    await expectError(await callRoute("DELETE", `/api/exports/${exp.id}`, { as: other }), 404, "not_found");
    expect(await jobs.storage.head(exp.file_key)).not.toBeNull();

    const res = await callRoute("DELETE", `/api/exports/${exp.id}`, { as: user });
    expect(res.status).toBe(204);
    expect(await jobs.storage.head(exp.file_key)).toBeNull();
    expect(filesIn(jobs.storage.dir)).toEqual([]);
    await expectError(await callRoute("GET", `/api/exports/${exp.id}`, { as: user }), 404, "not_found");
    await expectError(await callRoute("DELETE", `/api/exports/${exp.id}`, { as: user }), 404, "not_found");
    await expectError(await callRoute("DELETE", `/api/exports/not-an-id`, { as: user }), 404, "not_found");
  });

  it("when the store cannot delete the file the export is still deleted, and the key is queued until the cleanup removes it", async () => {
    const user = await createTestUser();
    const { exp } = await jobs.completedExport(user);
    setStorageForTests(
      storageWith(jobs.storage, {
        delete: async () => {
          throw new Error("The file store is unavailable (delete failed: simulated outage).");
        },
      }),
    );

    expect((await callRoute("DELETE", `/api/exports/${exp.id}`, { as: user })).status).toBe(204);
    expect((await callRoute("GET", `/api/exports/${exp.id}`, { as: user })).status).toBe(404);
    const db = await getDb();
    const [queued] = await db.select().from(storageDeletions).where(eq(storageDeletions.fileKey, exp.file_key));
    expect(queued).toMatchObject({ fileKey: exp.file_key, lastError: expect.stringContaining("simulated outage") });
    expect(await jobs.storage.head(exp.file_key)).not.toBeNull();

    setStorageForTests(jobs.storage);
    await cleanupExpired();
    expect(await jobs.storage.head(exp.file_key)).toBeNull();
    expect(await db.select().from(storageDeletions).where(eq(storageDeletions.fileKey, exp.file_key))).toEqual([]);
  });

  it("deleting a processing export cancels its job and leaves no file behind", async () => {
    const user = await createTestUser();
    const gated = gatedStorage(jobs.storage);
    setStorageForTests(gated.storage);
    const project = await createTestProject(user);
    const id = (await requestExport(user, project.documents[0].id)).body.export_id as string;
    try {
      await gated.uploading;
      expect((await callRoute("DELETE", `/api/exports/${id}`, { as: user })).status).toBe(204);
      await jobs.runner.drain();
    } finally {
      gated.open();
    }
    expect(await readExportRow(id)).toBeUndefined();
    expect(filesIn(jobs.storage.dir)).toEqual([]);
    expect(await eventTypes(user, id)).toEqual(["created", "started", "deleted"]);
  });

  it("DELETE /api/projects/{id} removes the project's exports and their files; their trails stay", async () => {
    const user = await createTestUser();
    const project = await createTestProject(user);
    const csv = await requestExport(user, project.documents[0].id, { format: "csv" });
    const json = (await callRoute("POST", `/api/projects/${project.id}/export`, { as: user, body: { format: "json" } })).json();
    const jsonId = (await json).export_id as string;
    await jobs.runner.drain();
    const keys = [(await getExportJson(user, csv.body.export_id)).file_key, (await getExportJson(user, jsonId)).file_key];
    for (const key of keys) expect(await jobs.storage.head(key)).not.toBeNull();

    expect((await callRoute("DELETE", `/api/projects/${project.id}`, { as: user })).status).toBe(204);
    for (const key of keys) expect(await jobs.storage.head(key)).toBeNull();
    expect(filesIn(jobs.storage.dir)).toEqual([]);
    for (const id of [csv.body.export_id, jsonId]) {
      expect((await callRoute("GET", `/api/exports/${id}`, { as: user })).status).toBe(404);
      const events = await eventsOf(user, id);
      expect(events.at(-1)).toMatchObject({ type: "deleted", data: { reason: "project deleted" } });
    }
    expect((await callRoute("GET", `/api/projects/${project.id}`, { as: user })).status).toBe(404);
  });
});
