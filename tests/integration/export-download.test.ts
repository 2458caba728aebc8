// GET /api/exports/{id}/download in every state (SPEC §5, §5.1, §5.2): redirects, JSON links, refusals, counting and the audit event, file names.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { cleanupExpired, start } from "@/lib/exports/pipeline";
import { setStorageForTests } from "@/lib/storage";
import { callRoute, createTestUser, type TestUser } from "../helpers/app";
import { eventsOf, fetchSigned, getExportJson, storageWith, updateExportRow, exportJobsFixture } from "../helpers/export-jobs";

const jobs = exportJobsFixture();

const download = (user: TestUser, id: string, query = "", headers?: Record<string, string>) =>
  callRoute("GET", `/api/exports/${id}/download${query}`, { as: user, headers });

async function expectRefused(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  const body = await res.json();
  expect(body).toMatchObject({ success: false, error: { code } });
  return body.error as { message: string };
}

describe("downloading a completed export", () => {
  it("redirects (302) to a short-lived signed URL that serves the file as an attachment", async () => {
    const user = await createTestUser();
    const { exp } = await jobs.completedExport(user);

    const res = await download(user, exp.id);
    expect(res.status).toBe(302);
    const location = res.headers.get("location")!;
    expect(location).toMatch(/^http:\/\/localhost:3000\/api\/storage\/exports\/.+\?.*signature=[0-9a-f]{64}/);
    const expires = Number(new URL(location).searchParams.get("expires"));
    expect(expires * 1000 - Date.now()).toBeLessThanOrEqual(300_000);

    const file = await fetchSigned(location);
    expect(file.status).toBe(200);
    expect(file.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(file.headers.get("content-disposition")).toBe('attachment; filename="Structural-Set-export.csv"');
    const bytes = Buffer.from(await file.arrayBuffer());
    expect(bytes.length).toBe(exp.file_size);
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(exp.checksum_sha256);
  });

  it("with ?redirect=false answers {url, expires_at} as JSON", async () => {
    const user = await createTestUser();
    const { exp } = await jobs.completedExport(user, { format: "json" });

    const res = await download(user, exp.id, "?redirect=false");
    expect(res.status).toBe(200);
    const link = await res.json();
    expect(Object.keys(link).sort()).toEqual(["expires_at", "url"]);
    const expiresAt = new Date(link.expires_at).getTime();
    expect(expiresAt).toBeGreaterThan(Date.now());
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 300_000);
    expect(Number(new URL(link.url).searchParams.get("expires")) * 1000).toBe(expiresAt);
    const file = await fetchSigned(link.url);
    expect(file.status).toBe(200);
    expect(JSON.parse(await file.text())).toMatchObject({ exportInfo: { exportId: exp.id } });
  });

  it("counts the download and records who downloaded from where", async () => {
    const user = await createTestUser();
    const { exp } = await jobs.completedExport(user);
    expect(exp).toMatchObject({ download_count: 0, last_downloaded_at: null });

    const before = Date.now();
    await download(user, exp.id, "", { "x-forwarded-for": "198.51.100.7, 10.0.0.1", "user-agent": "Mozilla/5.0 (download-test)" });
    await download(user, exp.id, "?redirect=false", { "x-real-ip": "192.0.2.44", "user-agent": "curl/8.5.0" });

    const after = await getExportJson(user, exp.id);
    expect(after.download_count).toBe(2);
    expect(new Date(after.last_downloaded_at).getTime()).toBeGreaterThanOrEqual(before - 5);
    const downloads = (await eventsOf(user, exp.id)).filter((e) => e.type === "downloaded");
    expect(downloads).toMatchObject([
      { ip: "198.51.100.7", user_agent: "Mozilla/5.0 (download-test)", data: { download_count: 1 } },
      { ip: "192.0.2.44", user_agent: "curl/8.5.0", data: { download_count: 2 } },
    ]);
  });

  it("twenty downloads in parallel are all counted, each with its own event", async () => {
    const user = await createTestUser();
    const { exp } = await jobs.completedExport(user);

    const results = await Promise.all(Array.from({ length: 20 }, () => download(user, exp.id)));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(302));
    expect((await getExportJson(user, exp.id)).download_count).toBe(20);
    const counts = (await eventsOf(user, exp.id)).filter((e) => e.type === "downloaded").map((e) => e.data.download_count as number);
    expect(counts.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it("a renamed export downloads under its new name, with RFC 6266 filename* for non-ASCII", async () => {
    const user = await createTestUser();
    const { exp } = await jobs.completedExport(user);
    const patched = await callRoute("PATCH", `/api/exports/${exp.id}`, { as: user, body: { name: "Plan d'étage – Ω" } });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ name: "Plan d'étage – Ω", file_name: "Plan-d'étage-–-Ω.csv" });

    const res = await download(user, exp.id);
    const file = await fetchSigned(res.headers.get("location")!);
    expect(file.status).toBe(200);
    const disposition = file.headers.get("content-disposition")!;
    expect(disposition).toMatch(/^attachment; filename="[\x20-\x7e]+"; filename\*=UTF-8''/);
    const fallback = /filename="([^"]*)"/.exec(disposition)![1];
    expect(fallback).toMatch(/^Plan-d'etage-.*\.csv$/);
    const encoded = /filename\*=UTF-8''(.+)$/.exec(disposition)![1];
    expect(encoded).not.toMatch(/['()*\s]/);
    expect(decodeURIComponent(encoded)).toBe("Plan-d'étage-–-Ω.csv");
  });
});

describe("downloads that are refused", () => {
  it("a pending or processing export is 409 export_not_ready with Retry-After: 5, and nothing is counted", async () => {
    const user = await createTestUser();
    const { id } = await jobs.pendingExport(user);

    const pending = await download(user, id);
    expect(pending.headers.get("retry-after")).toBe("5");
    expect((await expectRefused(pending, 409, "export_not_ready")).message).toContain("pending");

    expect(await start(id)).toBe(true);
    const processing = await download(user, id, "?redirect=false");
    expect(processing.headers.get("retry-after")).toBe("5");
    expect((await expectRefused(processing, 409, "export_not_ready")).message).toContain("processing");

    expect((await getExportJson(user, id)).download_count).toBe(0);
    expect((await eventsOf(user, id)).map((e) => e.type)).not.toContain("downloaded");
    await updateExportRow(id, { status: "cancelled" });
  });

  it("a failed export is 409 export_failed with its error", async () => {
    const user = await createTestUser();
    setStorageForTests(
      storageWith(jobs.storage, {
        put: async (_key, body) => {
          (body as NodeJS.ReadableStream).resume();
          throw new Error("bucket does not exist");
        },
      }),
    );
    const { id, job } = await jobs.pendingExport(user);
    await updateExportRow(id, { attempts: 2 }); // its last attempt
    await jobs.runner.enqueue(job);
    await jobs.runner.drain();
    expect((await getExportJson(user, id)).status).toBe("failed");

    const error = await expectRefused(await download(user, id), 409, "export_failed");
    expect(error.message).toContain("bucket does not exist");
  });

  it("a cancelled export is 409", async () => {
    const user = await createTestUser();
    const { id } = await jobs.pendingExport(user);
    expect((await callRoute("POST", `/api/exports/${id}/cancel`, { as: user })).status).toBe(200);
    await expectRefused(await download(user, id), 409, "invalid_state");
  });

  it("an expired export is 410 export_expired", async () => {
    const user = await createTestUser();
    const { exp } = await jobs.completedExport(user);
    await updateExportRow(exp.id, { expiresAt: new Date(Date.now() - 1000) });
    await cleanupExpired();
    await expectRefused(await download(user, exp.id), 410, "export_expired");
    expect((await getExportJson(user, exp.id)).download_count).toBe(0);
  });

  it("another user's export, a missing one or a malformed id is 404; no credentials is 401", async () => {
    const user = await createTestUser();
    const other = await createTestUser();
    const { exp } = await jobs.completedExport(user);
    await expectRefused(await download(other, exp.id), 404, "not_found");
    await expectRefused(await download(user, "00000000-0000-4000-8000-000000000000"), 404, "not_found");
    await expectRefused(await download(user, "not-a-uuid"), 404, "not_found");
    await expectRefused(await download(user, "%27%20or%201%3D1"), 404, "not_found");
    await expectRefused(await callRoute("GET", `/api/exports/${exp.id}/download`), 401, "unauthorized");
    expect((await getExportJson(user, exp.id)).download_count).toBe(0);
  });
});

describe("when the store cannot sign URLs", () => {
  it("reading the export still answers 200 with download_url null; the download itself is 503 and not counted", async () => {
    const user = await createTestUser();
    const { exp } = await jobs.completedExport(user);
    expect(exp.download_url).toMatch(/signature=/);
    setStorageForTests(
      storageWith(jobs.storage, {
        signedUrl: async () => {
          throw new Error("credentials expired");
        },
      }),
    );

    const res = await callRoute("GET", `/api/exports/${exp.id}`, { as: user });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ id: exp.id, status: "completed", download_url: null, file_key: exp.file_key, file_size: exp.file_size });
    const list = await callRoute("GET", "/api/exports", { as: user });
    expect(list.status).toBe(200);
    expect((await list.json()).exports[0]).toMatchObject({ id: exp.id, download_url: null });

    const refused = await download(user, exp.id);
    await expectRefused(refused, 503, "service_unavailable");
    expect(refused.headers.get("retry-after")).toBeTruthy();
    setStorageForTests(jobs.storage);
    expect((await getExportJson(user, exp.id)).download_count).toBe(0);
  });
});
