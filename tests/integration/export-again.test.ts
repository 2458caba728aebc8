// "Export again" (SPEC §13.2): POST /api/exports/{id}/duplicate makes a new export of the same source, format, options and name on the current data.
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { documents, exportEvents, exports } from "@/db/schema";
import { callRoute, createTestProject, createTestUser, type TestUser } from "../helpers/app";
import {
  addMeasurements,
  eventsOf,
  exportJobsFixture,
  getExportJson,
  holdingRunner,
  installRunner,
  patchEnv,
  readExportRow,
} from "../helpers/export-jobs";

const jobs = exportJobsFixture();

async function duplicate(user: TestUser, id: string, headers?: Record<string, string>) {
  const res = await callRoute("POST", `/api/exports/${id}/duplicate`, { as: user, headers });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

describe("POST /api/exports/{id}/duplicate", () => {
  it("202: a new export of the same source, format, options, name and description, run on the current data", async () => {
    const user = await createTestUser();
    const project = await createTestProject(user);
    const preset = await (
      await callRoute("POST", "/api/presets", {
        as: user,
        body: { name: "Excel by sheet", format: "excel", options: { breakdown: "sheet" } },
      })
    ).json();
    const made = await callRoute("POST", `/api/documents/${project.documents[0].id}/export`, {
      as: user,
      body: { preset_id: preset.id, name: "Structural quantities", description: "For the bid" },
    });
    expect(made.status).toBe(202);
    const originalId = (await made.json()).export_id as string;
    await jobs.runner.drain();
    const original = await getExportJson(user, originalId);
    expect(original.status).toBe("completed");
    const originalRow = await readExportRow(originalId);

    // The takeoff grows after the first export: the copy sees the new rows.
    await addMeasurements(project, 7);
    const res = await duplicate(user, originalId);
    expect(res.status).toBe(202);
    expect(res.headers.get("location")).toBe(`/api/exports/${res.body.export_id}`);
    const copy = res.body.export;
    expect(copy.id).not.toBe(originalId);
    expect(copy).toMatchObject({
      type: "document_export",
      project_id: project.id,
      document_id: project.documents[0].id,
      format: "excel",
      options: original.options,
      name: "Structural quantities",
      description: "For the bid",
      duplicate_of: originalId,
      preset_id: preset.id,
      status: "pending",
    });
    expect(copy.task_id).not.toBe(original.task_id);

    await jobs.runner.drain();
    const done = await getExportJson(user, copy.id);
    expect(done.status).toBe("completed");
    expect(done.records_count).toBe(original.records_count + 7);

    // The original is untouched, apart from its audit trail.
    const after = await readExportRow(originalId);
    expect(after).toEqual(originalRow);
    const originalEvents = await eventsOf(user, originalId);
    expect(originalEvents.filter((e) => e.type === "duplicated").map((e) => e.data)).toEqual([{ export_id: copy.id }]);
    const copyCreated = (await eventsOf(user, copy.id)).find((e) => e.type === "created");
    expect(copyCreated?.data).toMatchObject({ duplicate_of: originalId, preset_id: preset.id, format: "excel" });
  });

  it("works for a project export and for a failed or cancelled one", async () => {
    installRunner(holdingRunner());
    const user = await createTestUser();
    const project = await createTestProject(user);
    const made = await (await callRoute("POST", `/api/projects/${project.id}/export`, { as: user, body: { format: "json" } })).json();
    expect((await callRoute("POST", `/api/exports/${made.export_id}/cancel`, { as: user })).status).toBe(200);
    const res = await duplicate(user, made.export_id);
    expect(res.status).toBe(202);
    expect(res.body.export).toMatchObject({ type: "project_export", project_id: project.id, document_id: null, format: "json" });
    expect(res.body.export.preset_id).toBeNull();
    expect((await getExportJson(user, made.export_id)).status).toBe("cancelled");
  });

  it("a second click while the copy is still queued gets that copy (200, deduplicated); the original names one copy", async () => {
    installRunner(holdingRunner());
    const user = await createTestUser();
    const project = await createTestProject(user);
    const made = await (await callRoute("POST", `/api/projects/${project.id}/export`, { as: user, body: { format: "csv" } })).json();
    await callRoute("POST", `/api/exports/${made.export_id}/cancel`, { as: user });
    const first = await duplicate(user, made.export_id);
    const second = await duplicate(user, made.export_id);
    expect(first.status).toBe(202);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ deduplicated: true, export_id: first.body.export_id });
    expect((await eventsOf(user, made.export_id)).filter((e) => e.type === "duplicated")).toHaveLength(1);
  });

  it("an Idempotency-Key replays the first copy", async () => {
    const user = await createTestUser();
    const { exp } = await jobs.completedExport(user);
    const key = { "Idempotency-Key": "again-1" };
    const first = await duplicate(user, exp.id, key);
    await jobs.runner.drain();
    const replay = await duplicate(user, exp.id, key);
    expect(first.status).toBe(202);
    expect(replay.status).toBe(200);
    expect(replay.body.export_id).toBe(first.body.export_id);
  });

  it("another user's export is 404, and nothing is created", async () => {
    const owner = await createTestUser();
    const stranger = await createTestUser();
    const { exp } = await jobs.completedExport(owner);
    const res = await duplicate(stranger, exp.id);
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: "not_found", message: "Export not found" });
    const db = await getDb();
    expect(await db.select().from(exports).where(eq(exports.userId, stranger.id))).toEqual([]);
    expect(await db.select().from(exportEvents).where(eq(exportEvents.exportId, exp.id))).not.toContainEqual(
      expect.objectContaining({ type: "duplicated" }),
    );
  });

  it("a deleted source is 404 saying so; the export itself stays", async () => {
    const user = await createTestUser();
    const { project, exp } = await jobs.completedExport(user);
    const db = await getDb();
    await db.delete(documents).where(eq(documents.id, project.documents[0].id));
    const res = await duplicate(user, exp.id);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("not_found");
    expect(res.body.error.message).toMatch(/document this export was made from has been deleted/);
    expect(res.body.error.details).toEqual([{ path: "source", message: `document ${project.documents[0].id} not found` }]);
    expect((await getExportJson(user, exp.id)).status).toBe("completed");
  });

  it("respects the active-export limit (429 with Retry-After)", async () => {
    const undo = patchEnv({ EXPORTS_MAX_ACTIVE_PER_USER: 1 });
    try {
      installRunner(holdingRunner());
      const user = await createTestUser();
      const project = await createTestProject(user);
      const queued = await (await callRoute("POST", `/api/projects/${project.id}/export`, { as: user, body: { format: "csv" } })).json();
      const res = await duplicate(user, queued.export_id);
      // An identical queued export is the copy's twin: the request merges into it instead of counting against the limit.
      expect(res.status).toBe(200);
      const other = await (
        await callRoute("POST", `/api/documents/${project.documents[0].id}/export`, { as: user, body: { format: "json" } })
      ).json();
      expect(other.error.code).toBe("rate_limited");
      await callRoute("POST", `/api/exports/${queued.export_id}/cancel`, { as: user });
      const blocker = await (await callRoute("POST", `/api/projects/${project.id}/export`, { as: user, body: { format: "pdf" } })).json();
      expect(blocker.export_id).toBeTruthy();
      const limited = await callRoute("POST", `/api/exports/${queued.export_id}/duplicate`, { as: user });
      expect(limited.status).toBe(429);
      expect(limited.headers.get("retry-after")).toBeTruthy();
      expect((await limited.json()).error.code).toBe("rate_limited");
    } finally {
      undo();
    }
  });
});
