// Duplicate protection and limits on export creation (SPEC §5.2): Idempotency-Key, de-duplication of in-flight requests, the active-export limit, the PDF cap.
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { exports } from "@/db/schema";
import { start } from "@/lib/exports/pipeline";
import { callRoute, createTestProject, createTestUser, type TestUser } from "../helpers/app";
import { getExportJson, holdingRunner, installRunner, patchEnv, requestExport, exportJobsFixture } from "../helpers/export-jobs";

const jobs = exportJobsFixture();

async function exportsOf(user: TestUser) {
  const db = await getDb();
  return db.select({ id: exports.id, status: exports.status }).from(exports).where(eq(exports.userId, user.id));
}

/** Exports this test left waiting are cancelled, so no jobs.runner elsewhere picks them up later. */
async function cancelActive(user: TestUser) {
  const db = await getDb();
  await db
    .update(exports)
    .set({ status: "cancelled" })
    .where(and(eq(exports.userId, user.id), eq(exports.status, "pending")));
}

describe("Idempotency-Key", () => {
  it("the same key with the same body returns the original export with 200, also after it finished", async () => {
    const user = await createTestUser();
    const project = await createTestProject(user);
    const docId = project.documents[0].id;
    const key = { "Idempotency-Key": "order-4711-export" };

    const first = await requestExport(user, docId, { format: "csv", name: "Weekly" }, key);
    expect(first.status).toBe(202);
    const again = await requestExport(user, docId, { format: "csv", name: "Weekly" }, key);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ success: true, export_id: first.body.export_id, task_id: first.body.task_id });
    expect(again.body.deduplicated).toBeUndefined();
    expect(again.headers.get("location")).toBe(`/api/exports/${first.body.export_id}`);

    await jobs.runner.drain();
    const later = await requestExport(user, docId, { format: "csv", name: "Weekly" }, key);
    expect(later.status).toBe(200);
    expect(later.body.export).toMatchObject({ id: first.body.export_id, status: "completed" });
    expect(await exportsOf(user)).toHaveLength(1);
  });

  it("the same key with a different body is 422 idempotency_key_reused and creates nothing", async () => {
    const user = await createTestUser();
    const project = await createTestProject(user);
    const docId = project.documents[0].id;
    const key = { "Idempotency-Key": "k-1" };
    expect((await requestExport(user, docId, { format: "csv" }, key)).status).toBe(202);

    for (const attempt of [
      () => requestExport(user, docId, { format: "json" }, key),
      () => requestExport(user, docId, { format: "csv", options: { bom: false } }, key),
      () => requestExport(user, docId, { format: "csv", name: "Other name" }, key),
      async () => {
        const res = await callRoute("POST", `/api/projects/${project.id}/export`, { as: user, body: { format: "csv" }, headers: key });
        return { status: res.status, body: await res.json() };
      },
    ]) {
      const res = await attempt();
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ success: false, error: { code: "idempotency_key_reused", details: [{ path: "Idempotency-Key" }] } });
    }
    expect(await exportsOf(user)).toHaveLength(1);
  });

  it("a malformed Idempotency-Key is 422 validation_failed", async () => {
    const user = await createTestUser();
    const project = await createTestProject(user);
    for (const bad of ["", "two words", "x".repeat(256)]) {
      const res = await requestExport(user, project.documents[0].id, { format: "csv" }, { "Idempotency-Key": bad });
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ error: { code: "validation_failed", details: [{ path: "Idempotency-Key" }] } });
    }
    expect(await exportsOf(user)).toHaveLength(0);
  });

  it("keys belong to their user: another user's same key creates that user's own export", async () => {
    const user = await createTestUser();
    const other = await createTestUser();
    const key = { "Idempotency-Key": "shared-looking-key" };
    const mine = await requestExport(user, (await createTestProject(user)).documents[0].id, { format: "csv" }, key);
    const theirs = await requestExport(other, (await createTestProject(other)).documents[0].id, { format: "csv" }, key);
    expect(mine.status).toBe(202);
    expect(theirs.status).toBe(202);
    expect(theirs.body.export_id).not.toBe(mine.body.export_id);
  });

  it("ten parallel requests with one key create one export", async () => {
    const user = await createTestUser();
    installRunner(holdingRunner());
    const project = await createTestProject(user);
    const results = await Promise.all(
      Array.from({ length: 10 }, () => requestExport(user, project.documents[0].id, { format: "excel" }, { "Idempotency-Key": "burst" })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 202]);
    expect(new Set(results.map((r) => r.body.export_id)).size).toBe(1);
    expect(await exportsOf(user)).toHaveLength(1);
    await cancelActive(user);
  });
});

describe("de-duplication of identical requests", () => {
  it("an identical request while the first is pending returns it with 200 and deduplicated: true", async () => {
    const user = await createTestUser();
    installRunner(holdingRunner());
    const project = await createTestProject(user);
    const docId = project.documents[0].id;
    const first = await requestExport(user, docId, { format: "csv" });
    // Same normalised options, spelled differently.
    const second = await requestExport(user, docId, { format: "csv", options: { include_unverified: true, bom: true, delimiter: "," } });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({
      success: true,
      deduplicated: true,
      export_id: first.body.export_id,
      task_id: first.body.task_id,
      export: { status: "pending" },
    });
    expect(second.body.message).toBe('An identical export of "Structural Set.pdf" is already queued. Follow it on the Exports page.');
    expect(await exportsOf(user)).toHaveLength(1);
    await cancelActive(user);
  });

  it("an identical request while the first is processing returns it too", async () => {
    const user = await createTestUser();
    installRunner(holdingRunner());
    const project = await createTestProject(user);
    const first = await requestExport(user, project.documents[0].id, { format: "json" });
    expect(await start(first.body.export_id)).toBe(true);

    const second = await requestExport(user, project.documents[0].id, { format: "json" });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ deduplicated: true, export_id: first.body.export_id, export: { status: "processing" } });
    expect(second.body.message).toContain("is already running");
    const db = await getDb();
    await db.update(exports).set({ status: "cancelled" }).where(eq(exports.id, first.body.export_id));
  });

  it("other options, another format or another source make a new export", async () => {
    const user = await createTestUser();
    installRunner(holdingRunner());
    const project = await createTestProject(user);
    const docId = project.documents[0].id;
    expect((await requestExport(user, docId, { format: "csv" })).status).toBe(202);
    expect((await requestExport(user, docId, { format: "csv", options: { include_costs: false } })).status).toBe(202);
    expect((await requestExport(user, docId, { format: "xlsx" })).status).toBe(202);
    const projectExport = await callRoute("POST", `/api/projects/${project.id}/export`, { as: user, body: { format: "csv" } });
    expect(projectExport.status).toBe(202);
    expect(await exportsOf(user)).toHaveLength(4);
    await cancelActive(user);
  });

  it("once the first has finished (completed, failed or cancelled) an identical request creates a new export", async () => {
    const user = await createTestUser();
    const project = await createTestProject(user);
    const docId = project.documents[0].id;
    const first = await requestExport(user, docId, { format: "csv" });
    await jobs.runner.drain();
    expect((await getExportJson(user, first.body.export_id)).status).toBe("completed");

    const second = await requestExport(user, docId, { format: "csv" });
    expect(second.status).toBe(202);
    expect(second.body.deduplicated).toBeUndefined();
    expect(second.body.export_id).not.toBe(first.body.export_id);
    expect((await callRoute("POST", `/api/exports/${second.body.export_id}/cancel`, { as: user })).status).toBe(200);

    const third = await requestExport(user, docId, { format: "csv" });
    expect(third.status).toBe(202);
    expect(new Set([first.body.export_id, second.body.export_id, third.body.export_id]).size).toBe(3);
    await jobs.runner.drain();
  });

  it("ten identical POSTs in parallel, through both create routes, make exactly one export", async () => {
    const user = await createTestUser();
    installRunner(holdingRunner());
    const project = await createTestProject(user);
    const docId = project.documents[0].id;
    const results = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const res =
          i % 2 === 0
            ? await callRoute("POST", `/api/documents/${docId}/export`, { as: user, body: { format: "pdf" } })
            : await callRoute("POST", "/api/exports", { as: user, body: { source: { type: "document", id: docId }, format: "pdf" } });
        return { status: res.status, body: await res.json() };
      }),
    );
    const created = results.filter((r) => r.status === 202);
    const deduplicated = results.filter((r) => r.status === 200);
    expect(created).toHaveLength(1);
    expect(deduplicated).toHaveLength(9);
    expect(deduplicated.every((r) => r.body.deduplicated === true && r.body.export_id === created[0].body.export_id)).toBe(true);
    expect(await exportsOf(user)).toHaveLength(1);
    await cancelActive(user);
  });
});

describe("limits", () => {
  it("at EXPORTS_MAX_ACTIVE_PER_USER pending or processing exports a new one is 429 rate_limited with Retry-After", async () => {
    const user = await createTestUser();
    const other = await createTestUser();
    const undo = patchEnv({ EXPORTS_MAX_ACTIVE_PER_USER: 3 });
    installRunner(holdingRunner());
    try {
      const project = await createTestProject(user);
      const docId = project.documents[0].id;
      const ids: string[] = [];
      for (const format of ["csv", "json", "ost"]) ids.push((await requestExport(user, docId, { format })).body.export_id);
      expect(await start(ids[0])).toBe(true); // processing counts as active too

      const refused = await requestExport(user, docId, { format: "excel" });
      expect(refused.status).toBe(429);
      expect(refused.body).toMatchObject({ success: false, error: { code: "rate_limited" } });
      expect(refused.body.error.message).toContain("the limit is 3");
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);

      // An identical request is still answered with the export it duplicates, and other users are not limited.
      expect((await requestExport(user, docId, { format: "json" })).status).toBe(200);
      expect((await requestExport(other, (await createTestProject(other)).documents[0].id, { format: "excel" })).status).toBe(202);

      // A retry would add an active export as well.
      expect((await callRoute("POST", `/api/exports/${ids[1]}/cancel`, { as: user })).status).toBe(200);
      expect((await requestExport(user, docId, { format: "excel" })).status).toBe(202);
      const retried = await callRoute("POST", `/api/exports/${ids[1]}/retry`, { as: user });
      expect(retried.status).toBe(429);
      expect(retried.headers.get("retry-after")).toBeTruthy();
    } finally {
      undo();
      await cancelActive(user);
      await cancelActive(other);
      const db = await getDb();
      await db
        .update(exports)
        .set({ status: "cancelled" })
        .where(and(eq(exports.userId, user.id), eq(exports.status, "processing")));
    }
  });

  it("a PDF over PDF_MAX_ROWS is refused at creation with 422 that suggests CSV or Excel", async () => {
    const user = await createTestUser();
    const undo = patchEnv({ PDF_MAX_ROWS: 4 });
    try {
      const project = await createTestProject(user);
      const res = await requestExport(user, project.documents[0].id, { format: "pdf" });
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ error: { code: "validation_failed", details: [{ path: "format" }] } });
      expect(res.body.error.message).toBe(
        "PDF exports are limited to 4 measurements; this source has 5. Export it as CSV or Excel instead.",
      );
      // The cap counts the rows after filters: four of the five are verified.
      const verifiedOnly = await requestExport(user, project.documents[0].id, { format: "pdf", options: { include_unverified: false } });
      expect(verifiedOnly.status).toBe(202);
      expect((await requestExport(user, project.documents[0].id, { format: "csv" })).status).toBe(202);
      await jobs.runner.drain();
      expect(await exportsOf(user)).toHaveLength(2);
    } finally {
      undo();
    }
  });
});
