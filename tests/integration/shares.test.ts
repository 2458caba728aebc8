// Share links (SPEC §14.2): the owner's routes, the public page and download, every 404/410 case, counting under load, rate limits and headers.
import { createHash } from "node:crypto";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { exportShares } from "@/db/schema";
import { callRoute, createTestProject, createTestUser, nextClientIp, type TestUser } from "../helpers/app";
import { eventsOf, exportJobsFixture, fetchSigned, getExportJson, updateExportRow } from "../helpers/export-jobs";

const jobs = exportJobsFixture();

type Share = {
  id: string;
  export_id: string;
  label: string | null;
  state: string;
  expires_at: string;
  max_downloads: number | null;
  download_count: number;
  downloads_left: number | null;
  last_downloaded_at: string | null;
  revoked_at: string | null;
  created_at: string;
  url?: string;
};

async function share(
  user: TestUser,
  exportId: string,
  body: Record<string, unknown> = {},
): Promise<Share & { url: string; token: string }> {
  const res = await callRoute("POST", `/api/exports/${exportId}/shares`, { as: user, body });
  expect(res.status).toBe(201);
  const created = (await res.json()) as Share & { url: string };
  return { ...created, token: created.url.split("/s/")[1] };
}

/** A visitor without a session, from its own address unless one is given. */
const visit = (path: string, ip = nextClientIp()) =>
  callRoute("GET", path, { headers: { "x-forwarded-for": ip, "user-agent": "share-test" } });
const page = (token: string, ip?: string) => visit(`/s/${token}`, ip);
const download = (token: string, ip?: string) => visit(`/s/${token}/download`, ip);

async function listShares(user: TestUser, exportId: string): Promise<Share[]> {
  const res = await callRoute("GET", `/api/exports/${exportId}/shares`, { as: user });
  expect(res.status).toBe(200);
  return (await res.json()).shares;
}

async function expectGone(res: Response, reason: string, text: string) {
  expect(res.status).toBe(410);
  expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
  const html = await res.text();
  expect(html).toContain(`data-reason="${reason}"`);
  expect(html).toContain(`Link ${text}.`);
}

describe("creating, listing and revoking share links", () => {
  it("creates a link (201) whose url is shown once, stores only the token's SHA-256, and records a shared event", async () => {
    const user = await createTestUser();
    const { exp } = await jobs.completedExport(user);
    const created = await share(user, exp.id, { label: "  Acme Drywall  ", max_downloads: 3 });

    expect(created.url).toMatch(/^http:\/\/localhost:3000\/s\/[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(created.token, "base64url")).toHaveLength(16);
    expect(created).toMatchObject({
      export_id: exp.id,
      label: "Acme Drywall",
      state: "active",
      max_downloads: 3,
      download_count: 0,
      downloads_left: 3,
      revoked_at: null,
      // By default the link lives exactly as long as the file.
      expires_at: exp.expires_at,
    });

    const [row] = await (await getDb()).select().from(exportShares).where(eq(exportShares.id, created.id));
    expect(row.tokenHash).toBe(createHash("sha256").update(created.token).digest("hex"));
    expect(JSON.stringify(row)).not.toContain(created.token);

    const listed = await listShares(user, exp.id);
    expect(listed).toHaveLength(1);
    expect(listed[0]).not.toHaveProperty("url");
    expect(JSON.stringify(listed)).not.toContain(created.token);

    const shared = (await eventsOf(user, exp.id)).filter((e) => e.type === "shared");
    expect(shared).toHaveLength(1);
    expect(shared[0].data).toMatchObject({ share_id: created.id, label: "Acme Drywall", max_downloads: 3 });
  });

  it("takes expires_in_hours up to the export's own expiry, and refuses one reaching past it with a 422", async () => {
    const user = await createTestUser();
    const { exp } = await jobs.completedExport(user);
    const before = Date.now();
    const short = await share(user, exp.id, { expires_in_hours: 2 });
    const expiresIn = new Date(short.expires_at).getTime() - before;
    expect(expiresIn).toBeGreaterThanOrEqual(2 * 3_600_000 - 1000);
    expect(expiresIn).toBeLessThanOrEqual(2 * 3_600_000 + 5000);

    const tooLong = await callRoute("POST", `/api/exports/${exp.id}/shares`, { as: user, body: { expires_in_hours: 8 * 24 } });
    expect(tooLong.status).toBe(422);
    const body = await tooLong.json();
    expect(body.error.code).toBe("validation_failed");
    expect(body.error.details).toEqual([{ path: "expires_in_hours", message: expect.stringContaining("at most 167 hours") }]);
  });

  it("validates the body: unknown keys, non-integers, zero downloads and a label too long are 422 with paths", async () => {
    const user = await createTestUser();
    const { exp } = await jobs.completedExport(user);
    const cases: [Record<string, unknown>, string][] = [
      [{ expires: 3 }, ""],
      [{ expires_in_hours: 1.5 }, "expires_in_hours"],
      [{ expires_in_hours: 0 }, "expires_in_hours"],
      [{ max_downloads: 0 }, "max_downloads"],
      [{ max_downloads: "5" }, "max_downloads"],
      [{ label: "x".repeat(101) }, "label"],
    ];
    for (const [body, path] of cases) {
      const res = await callRoute("POST", `/api/exports/${exp.id}/shares`, { as: user, body });
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect((await res.json()).error.details[0].path).toBe(path);
    }
    const notJson = await callRoute("POST", `/api/exports/${exp.id}/shares`, {
      as: user,
      rawBody: "{",
      headers: { "content-type": "application/json" },
    });
    expect(notJson.status).toBe(400);
    // An empty body is a link with the defaults.
    expect((await callRoute("POST", `/api/exports/${exp.id}/shares`, { as: user, rawBody: "" })).status).toBe(201);
  });

  it("shares only a completed export: a pending one is 409 invalid_state, an expired one too", async () => {
    const user = await createTestUser();
    const pending = await jobs.pendingExport(user);
    const res = await callRoute("POST", `/api/exports/${pending.id}/shares`, { as: user, body: {} });
    expect(res.status).toBe(409);
    expect((await res.json()).error).toMatchObject({ code: "invalid_state", message: expect.stringContaining("pending") });

    const { exp } = await jobs.completedExport(user);
    await updateExportRow(exp.id, { expiresAt: new Date(Date.now() - 1000) });
    const expired = await callRoute("POST", `/api/exports/${exp.id}/shares`, { as: user, body: {} });
    expect(expired.status).toBe(409);
  });

  it("another user's export or share is 404 everywhere, and so is a share of another export", async () => {
    const owner = await createTestUser();
    const stranger = await createTestUser();
    const { exp } = await jobs.completedExport(owner);
    const { exp: other } = await jobs.completedExport(owner);
    const link = await share(owner, exp.id);
    for (const as of [stranger, { apiKey: stranger.apiKey }]) {
      expect((await callRoute("POST", `/api/exports/${exp.id}/shares`, { as, body: {} })).status).toBe(404);
      expect((await callRoute("GET", `/api/exports/${exp.id}/shares`, { as })).status).toBe(404);
      expect((await callRoute("DELETE", `/api/exports/${exp.id}/shares/${link.id}`, { as })).status).toBe(404);
    }
    expect((await callRoute("DELETE", `/api/exports/${other.id}/shares/${link.id}`, { as: owner })).status).toBe(404);
    expect((await callRoute("DELETE", `/api/exports/${exp.id}/shares/not-a-uuid`, { as: owner })).status).toBe(404);
    expect((await listShares(owner, exp.id))[0].state).toBe("active");
  });

  it("revokes at once (204, share_revoked event); the page and download then answer 410 revoked; revoking again changes nothing", async () => {
    const user = await createTestUser();
    const { exp } = await jobs.completedExport(user);
    const link = await share(user, exp.id);
    expect((await page(link.token)).status).toBe(200);

    expect((await callRoute("DELETE", `/api/exports/${exp.id}/shares/${link.id}`, { as: user })).status).toBe(204);
    await expectGone(await page(link.token), "revoked", "revoked");
    await expectGone(await download(link.token), "revoked", "revoked");
    const [listed] = await listShares(user, exp.id);
    expect(listed.state).toBe("revoked");
    expect(listed.revoked_at).not.toBeNull();

    expect((await callRoute("DELETE", `/api/exports/${exp.id}/shares/${link.id}`, { as: user })).status).toBe(204);
    const revokedEvents = (await eventsOf(user, exp.id)).filter((e) => e.type === "share_revoked");
    expect(revokedEvents).toHaveLength(1);
    expect(revokedEvents[0].data).toEqual({ share_id: link.id });
    expect((await getExportJson(user, exp.id)).download_count).toBe(0);
  });
});

describe("the public page and download", () => {
  it("shows the file's name, source, format, size, records, full checksum and expiry without a session, with noindex and no-referrer", async () => {
    const user = await createTestUser();
    const { exp } = await jobs.completedExport(user);
    const link = await share(user, exp.id, { max_downloads: 4 });
    const res = await page(link.token);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("x-robots-tag")).toContain("noindex");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).toContain('<meta name="robots" content="noindex, nofollow">');
    expect(html).toContain(`<h1>${exp.name}</h1>`);
    expect(html).toContain("Document: Structural Set.pdf");
    expect(html).toContain("CSV");
    expect(html).toContain(`${exp.file_size} bytes`);
    expect(html).toContain(`<code data-testid="share-checksum">${exp.checksum_sha256}</code>`);
    expect(exp.checksum_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(html).toContain(`datetime="${exp.expires_at}"`);
    expect(html).toContain(`href="/s/${link.token}/download"`);
    expect(html).not.toContain("<script");
    // Looking is not downloading.
    expect((await listShares(user, exp.id))[0].download_count).toBe(0);
  });

  it("escapes the export's name on the page", async () => {
    const user = await createTestUser();
    const { exp } = await jobs.completedExport(user, { format: "csv", name: `<img src=x onerror="alert(1)"> & co` });
    const link = await share(user, exp.id);
    const html = await (await page(link.token)).text();
    expect(html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; co");
    expect(html).not.toContain("<img");
  });

  it("downloads: 302 to a short-lived signed URL of the file, counted on the share and the export with a downloaded event via share", async () => {
    const user = await createTestUser();
    const { exp } = await jobs.completedExport(user);
    const link = await share(user, exp.id);
    const ip = nextClientIp();
    const res = await download(link.token, ip);
    expect(res.status).toBe(302);
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("x-robots-tag")).toContain("noindex");
    const location = res.headers.get("location")!;
    expect(Number(new URL(location).searchParams.get("expires")) * 1000 - Date.now()).toBeLessThanOrEqual(300_000);
    const file = await fetchSigned(location);
    expect(file.status).toBe(200);
    const bytes = Buffer.from(await file.arrayBuffer());
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(exp.checksum_sha256);

    const [listed] = await listShares(user, exp.id);
    expect(listed).toMatchObject({ download_count: 1, downloads_left: null, state: "active" });
    expect(listed.last_downloaded_at).not.toBeNull();
    const after = await getExportJson(user, exp.id);
    expect(after.download_count).toBe(1);
    const downloaded = (await eventsOf(user, exp.id)).filter((e) => e.type === "downloaded");
    expect(downloaded).toHaveLength(1);
    expect(downloaded[0]).toMatchObject({
      data: { via: "share", share_id: link.id, format: "csv", download_count: 1 },
      ip,
      user_agent: "share-test",
    });
  });

  it("a HEAD request of the download (a link preview) is 405 and counts nothing", async () => {
    const user = await createTestUser();
    const { exp } = await jobs.completedExport(user);
    const link = await share(user, exp.id);
    // Called directly: HEAD is not part of the documented API.
    const route = await import("@/app/s/[token]/download/route");
    const req = new Request(`http://localhost:3000/s/${link.token}/download`, {
      method: "HEAD",
      headers: { "x-forwarded-for": nextClientIp() },
    });
    const res = await route.HEAD(req, { params: Promise.resolve({ token: link.token }) });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET");
    expect(res.headers.get("location")).toBeNull();
    expect((await listShares(user, exp.id))[0].download_count).toBe(0);
  });

  it("shares a bundle (SPEC §14.3): the page names it a bundle of its documents, and the zip download counts", async () => {
    const user = await createTestUser();
    const project = await createTestProject(user);
    const res = await callRoute("POST", "/api/exports", {
      as: user,
      body: { source: { type: "documents", ids: [project.documents[0].id] }, formats: ["csv", "json"] },
    });
    expect(res.status).toBe(202);
    await jobs.runner.drain();
    const exp = await getExportJson(user, (await res.json()).export_id);
    expect(exp).toMatchObject({ status: "completed", format: "zip" });
    const link = await share(user, exp.id);
    const html = await (await page(link.token)).text();
    expect(html).toContain("Bundle: 1 document");
    expect(html).toContain("ZIP");
    expect((await download(link.token)).status).toBe(302);
    const stats = await (await callRoute("GET", "/api/exports/stats", { as: user })).json();
    expect(stats.downloads_by_format.zip).toBe(1);
    expect(stats.top_exports).toEqual([{ id: exp.id, name: exp.name, format: "zip", download_count: 1 }]);
  });

  it("unknown tokens are a 404 page, whatever their shape", async () => {
    for (const token of ["AAAAAAAAAAAAAAAAAAAAAA", "nope", "x".repeat(500), "%E2%9C%93"]) {
      const res = await page(token);
      expect(res.status, token).toBe(404);
      expect(res.headers.get("x-robots-tag")).toContain("noindex");
      expect(await res.text()).toContain("Link not found");
      expect((await download(token)).status).toBe(404);
    }
  });

  it("a link past its own expiry answers 410 expired", async () => {
    const user = await createTestUser();
    const { exp } = await jobs.completedExport(user);
    const link = await share(user, exp.id, { expires_in_hours: 1 });
    await (
      await getDb()
    )
      .update(exportShares)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(exportShares.id, link.id));
    await expectGone(await page(link.token), "expired", "expired");
    await expectGone(await download(link.token), "expired", "expired");
    expect((await listShares(user, exp.id))[0].state).toBe("expired");
    expect((await getExportJson(user, exp.id)).download_count).toBe(0);
  });

  it("stops at max_downloads: the next download and the page answer 410 download limit reached", async () => {
    const user = await createTestUser();
    const { exp } = await jobs.completedExport(user);
    const link = await share(user, exp.id, { max_downloads: 2 });
    expect((await download(link.token)).status).toBe(302);
    expect((await download(link.token)).status).toBe(302);
    await expectGone(await download(link.token), "limit_reached", "download limit reached");
    await expectGone(await page(link.token), "limit_reached", "download limit reached");
    expect((await listShares(user, exp.id))[0]).toMatchObject({ state: "limit_reached", download_count: 2, downloads_left: 0 });
    expect((await getExportJson(user, exp.id)).download_count).toBe(2);
  });

  it("20 parallel downloads of a link allowing 5 make exactly 5 redirects, 5 counts and 5 events", async () => {
    const user = await createTestUser();
    const { exp } = await jobs.completedExport(user);
    const link = await share(user, exp.id, { max_downloads: 5 });
    const results = await Promise.all(Array.from({ length: 20 }, () => download(link.token)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 302)).toHaveLength(5);
    expect(statuses.filter((s) => s === 410)).toHaveLength(15);
    expect((await listShares(user, exp.id))[0].download_count).toBe(5);
    expect((await getExportJson(user, exp.id)).download_count).toBe(5);
    expect((await eventsOf(user, exp.id)).filter((e) => e.type === "downloaded")).toHaveLength(5);
  });

  it("a deleted export's link answers 410 no longer available (the share outlives it)", async () => {
    const user = await createTestUser();
    const { exp } = await jobs.completedExport(user);
    const link = await share(user, exp.id);
    expect((await callRoute("DELETE", `/api/exports/${exp.id}`, { as: user })).status).toBe(204);
    await expectGone(await page(link.token), "unavailable", "no longer available");
    await expectGone(await download(link.token), "unavailable", "no longer available");
  });

  it("an expired export's link answers 410 no longer available, before and after the cleanup marks it expired", async () => {
    const user = await createTestUser();
    const { exp } = await jobs.completedExport(user);
    const link = await share(user, exp.id, { expires_in_hours: 24 });
    // The file's time ran out; the hourly cleanup has not run yet.
    await updateExportRow(exp.id, { expiresAt: new Date(Date.now() - 1000) });
    await expectGone(await download(link.token), "unavailable", "no longer available");
    await updateExportRow(exp.id, { status: "expired", fileKey: null });
    await expectGone(await page(link.token), "unavailable", "no longer available");
    expect((await listShares(user, exp.id))[0].state).toBe("unavailable");
    expect((await getExportJson(user, exp.id)).download_count).toBe(0);
  });

  it("an unknown token takes about as long to refuse as a revoked one (one indexed lookup of the hash either way)", async () => {
    const user = await createTestUser();
    const { exp } = await jobs.completedExport(user);
    const link = await share(user, exp.id);
    await callRoute("DELETE", `/api/exports/${exp.id}/shares/${link.id}`, { as: user });
    // A made-up token of the same shape that shares the real one's prefix: no early exit may make it faster or slower.
    const unknown = `${link.token.slice(0, 21)}${link.token.endsWith("A") ? "B" : "A"}`;
    const time = async (token: string) => {
      const t0 = performance.now();
      await page(token);
      return performance.now() - t0;
    };
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const known: number[] = [];
    const guessed: number[] = [];
    for (let i = 0; i < 5; i++) await time(unknown); // warm up both paths
    for (let i = 0; i < 5; i++) await time(link.token);
    for (let i = 0; i < 30; i++) {
      guessed.push(await time(unknown));
      known.push(await time(link.token));
    }
    const [a, b] = [median(guessed), median(known)];
    // Generous bounds: a real difference (an extra query, a scan) would be many times larger than the noise allowed here.
    expect(Math.abs(a - b)).toBeLessThan(Math.max(a, b) * 0.75 + 3);
  });

  it("answers 429 with Retry-After after 60 requests a minute from one address over /s/*, and not for another address", async () => {
    const user = await createTestUser();
    const { exp } = await jobs.completedExport(user);
    const link = await share(user, exp.id);
    const ip = nextClientIp();
    const statuses: number[] = [];
    for (let i = 0; i < 50; i++) statuses.push((await page(link.token, ip)).status);
    for (let i = 0; i < 5; i++) statuses.push((await download(link.token, ip)).status);
    for (let i = 0; i < 5; i++) statuses.push((await page("AAAAAAAAAAAAAAAAAAAAAA", ip)).status);
    expect(statuses.filter((s) => s === 429)).toEqual([]);
    const refused = await download(link.token, ip);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get("x-robots-tag")).toContain("noindex");
    expect(await refused.text()).toContain("Too many requests");
    expect((await page(link.token, ip)).status).toBe(429);
    // Refused requests were not downloads.
    expect((await listShares(user, exp.id))[0].download_count).toBe(5);
    expect((await page(link.token, nextClientIp())).status).toBe(200);
  });
});

describe("download channels", () => {
  it("records via dashboard for a session download and via api for an API-key download", async () => {
    const user = await createTestUser();
    const { exp } = await jobs.completedExport(user);
    expect((await callRoute("GET", `/api/exports/${exp.id}/download`, { as: { cookie: user.cookie } })).status).toBe(302);
    expect((await callRoute("GET", `/api/exports/${exp.id}/download?redirect=false`, { as: { apiKey: user.apiKey } })).status).toBe(200);
    const downloaded = (await eventsOf(user, exp.id)).filter((e) => e.type === "downloaded");
    expect(downloaded.map((e) => e.data)).toEqual([
      { via: "dashboard", format: "csv", download_count: 1 },
      { via: "api", format: "csv", download_count: 2 },
    ]);
  });
});
