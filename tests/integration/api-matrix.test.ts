/**
 * The authorisation matrix over every documented route: no credentials → 401,
 * another user's resource → 404, the owner → success — with session cookies
 * and with API keys. Also the API's response headers.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { apiKeys } from "@/db/schema";
import { OPERATIONS } from "@/lib/api/openapi";
import { API_KEY_CACHE_MS } from "@/lib/auth/session";
import type { ExportRunner } from "@/lib/exports/runner";
import { specExampleProject } from "../fixtures/spec-example";
import { callRoute, createTestProject, createTestUser, waitForExport, type TestUser } from "../helpers/app";
import { WebhookReceiver, applyEmbeddedWebhookRules } from "../helpers/webhook-receiver";

applyEmbeddedWebhookRules();

type Fixture = {
  projectId: string;
  documentId: string;
  pageId: string;
  completedId: string;
  completedTask: string;
  pendingId: string;
  cancelledId: string;
  disposableExportId: string;
  disposableProjectId: string;
  apiKeyId: string;
  shareId: string;
  presetId: string;
  disposablePresetId: string;
  scheduleId: string;
  disposableScheduleId: string;
  webhookId: string;
  disposableWebhookId: string;
  deliveryId: string;
};

type Case = {
  method: string;
  path: string;
  build: (f: Fixture) => string;
  body?: (f: Fixture) => unknown;
  ok: number;
  /** Has a resource id in the path (another user gets 404). */
  owned: boolean;
  /** Consumes its fixture (needs a fresh one per credential kind). */
  destructive?: boolean;
};

const csv = () => ({ format: "csv" });
const CASES: Case[] = [
  { method: "GET", path: "/api/projects", build: () => "/api/projects", ok: 200, owned: false },
  { method: "POST", path: "/api/projects", build: () => "/api/projects", body: () => specExampleProject(), ok: 201, owned: false },
  { method: "GET", path: "/api/projects/{id}", build: (f) => `/api/projects/${f.projectId}`, ok: 200, owned: true },
  {
    method: "DELETE",
    path: "/api/projects/{id}",
    build: (f) => `/api/projects/${f.disposableProjectId}`,
    ok: 204,
    owned: true,
    destructive: true,
  },
  { method: "GET", path: "/api/documents/{id}", build: (f) => `/api/documents/${f.documentId}`, ok: 200, owned: true },
  { method: "GET", path: "/api/pages/{id}/takeoff.svg", build: (f) => `/api/pages/${f.pageId}/takeoff.svg`, ok: 200, owned: true },
  { method: "GET", path: "/api/documents/{id}/export", build: (f) => `/api/documents/${f.documentId}/export`, ok: 200, owned: true },
  {
    method: "POST",
    path: "/api/documents/{id}/export",
    build: (f) => `/api/documents/${f.documentId}/export`,
    body: () => ({ format: "json", name: `m-${Math.random()}` }),
    ok: 202,
    owned: true,
  },
  { method: "GET", path: "/api/projects/{id}/export", build: (f) => `/api/projects/${f.projectId}/export`, ok: 200, owned: true },
  {
    method: "POST",
    path: "/api/projects/{id}/export",
    build: (f) => `/api/projects/${f.projectId}/export`,
    body: () => ({ format: "ost", options: { timezone: "Europe/Paris" } }),
    ok: 202,
    owned: true,
  },
  { method: "GET", path: "/api/projects/{id}/exports", build: (f) => `/api/projects/${f.projectId}/exports`, ok: 200, owned: true },
  { method: "GET", path: "/api/exports", build: () => "/api/exports?limit=5", ok: 200, owned: false },
  {
    method: "POST",
    path: "/api/exports",
    build: () => "/api/exports",
    body: (f) => ({ source: { type: "project", id: f.projectId }, format: "excel" }),
    ok: 202,
    owned: false,
  },
  {
    method: "POST",
    path: "/api/exports",
    build: () => "/api/exports",
    // A bundle (SPEC §14.3): another user's document in it is 404.
    body: (f) => ({ source: { type: "documents", ids: [f.documentId] }, formats: ["csv", "json"] }),
    ok: 202,
    owned: true,
  },
  { method: "GET", path: "/api/exports/{id}", build: (f) => `/api/exports/${f.completedId}`, ok: 200, owned: true },
  {
    method: "PATCH",
    path: "/api/exports/{id}",
    build: (f) => `/api/exports/${f.completedId}`,
    body: () => ({ name: "Renamed export" }),
    ok: 200,
    owned: true,
  },
  {
    method: "DELETE",
    path: "/api/exports/{id}",
    build: (f) => `/api/exports/${f.disposableExportId}`,
    ok: 204,
    owned: true,
    destructive: true,
  },
  {
    method: "POST",
    path: "/api/exports/{id}/retry",
    build: (f) => `/api/exports/${f.cancelledId}/retry`,
    ok: 202,
    owned: true,
    destructive: true,
  },
  {
    method: "POST",
    path: "/api/exports/{id}/cancel",
    build: (f) => `/api/exports/${f.pendingId}/cancel`,
    ok: 200,
    owned: true,
    destructive: true,
  },
  {
    method: "POST",
    path: "/api/exports/{id}/duplicate",
    build: (f) => `/api/exports/${f.completedId}/duplicate`,
    ok: 202,
    owned: true,
  },
  { method: "GET", path: "/api/presets", build: () => "/api/presets", ok: 200, owned: false },
  {
    method: "POST",
    path: "/api/presets",
    build: () => "/api/presets",
    body: () => ({ name: `m-${Math.random()}`, format: "pdf", options: { page_size: "a4" }, name_template: "{project} {date}" }),
    ok: 201,
    owned: false,
  },
  { method: "GET", path: "/api/presets/{id}", build: (f) => `/api/presets/${f.presetId}`, ok: 200, owned: true },
  {
    method: "PATCH",
    path: "/api/presets/{id}",
    build: (f) => `/api/presets/${f.presetId}`,
    body: () => ({ description: `changed ${Math.random()}` }),
    ok: 200,
    owned: true,
  },
  {
    method: "DELETE",
    path: "/api/presets/{id}",
    build: (f) => `/api/presets/${f.disposablePresetId}`,
    ok: 204,
    owned: true,
    destructive: true,
  },
  { method: "GET", path: "/api/exports/{id}/download", build: (f) => `/api/exports/${f.completedId}/download`, ok: 302, owned: true },
  { method: "GET", path: "/api/exports/{id}/events", build: (f) => `/api/exports/${f.completedId}/events`, ok: 200, owned: true },
  { method: "GET", path: "/api/exports/stats", build: () => "/api/exports/stats?tz=Europe/Paris", ok: 200, owned: false },
  { method: "GET", path: "/api/exports/{id}/shares", build: (f) => `/api/exports/${f.completedId}/shares`, ok: 200, owned: true },
  {
    method: "POST",
    path: "/api/exports/{id}/shares",
    build: (f) => `/api/exports/${f.completedId}/shares`,
    body: () => ({ label: "matrix", max_downloads: 3 }),
    ok: 201,
    owned: true,
  },
  {
    method: "DELETE",
    path: "/api/exports/{id}/shares/{shareId}",
    build: (f) => `/api/exports/${f.completedId}/shares/${f.shareId}`,
    ok: 204,
    owned: true,
    destructive: true,
  },
  { method: "GET", path: "/api/tasks/{taskId}/status", build: (f) => `/api/tasks/${f.completedTask}/status`, ok: 200, owned: true },
  { method: "GET", path: "/api/api-keys", build: () => "/api/api-keys", ok: 200, owned: false },
  { method: "POST", path: "/api/api-keys", build: () => "/api/api-keys", body: () => ({ name: "matrix" }), ok: 201, owned: false },
  { method: "DELETE", path: "/api/api-keys/{id}", build: (f) => `/api/api-keys/${f.apiKeyId}`, ok: 204, owned: true, destructive: true },
  { method: "GET", path: "/api/schedules", build: () => "/api/schedules", ok: 200, owned: false },
  {
    method: "POST",
    path: "/api/schedules",
    build: () => "/api/schedules",
    body: (f) => weeklySchedule(f.documentId),
    ok: 201,
    owned: false,
  },
  { method: "GET", path: "/api/schedules/{id}", build: (f) => `/api/schedules/${f.scheduleId}`, ok: 200, owned: true },
  {
    method: "PATCH",
    path: "/api/schedules/{id}",
    build: (f) => `/api/schedules/${f.scheduleId}`,
    body: () => ({ cadence: { every: "month", day: 28, at: "23:30" } }),
    ok: 200,
    owned: true,
  },
  {
    method: "DELETE",
    path: "/api/schedules/{id}",
    build: (f) => `/api/schedules/${f.disposableScheduleId}`,
    ok: 204,
    owned: true,
    destructive: true,
  },
  { method: "POST", path: "/api/schedules/{id}/run", build: (f) => `/api/schedules/${f.scheduleId}/run`, ok: 202, owned: true },
  { method: "POST", path: "/api/schedules/{id}/pause", build: (f) => `/api/schedules/${f.scheduleId}/pause`, ok: 200, owned: true },
  { method: "POST", path: "/api/schedules/{id}/resume", build: (f) => `/api/schedules/${f.scheduleId}/resume`, ok: 200, owned: true },
  { method: "GET", path: "/api/webhooks", build: () => "/api/webhooks", ok: 200, owned: false },
  {
    method: "POST",
    path: "/api/webhooks",
    build: () => "/api/webhooks",
    body: () => ({ url: webhookReceiver.url, events: ["export.completed"] }),
    ok: 201,
    owned: false,
  },
  { method: "GET", path: "/api/webhooks/{id}", build: (f) => `/api/webhooks/${f.webhookId}`, ok: 200, owned: true },
  {
    method: "PATCH",
    path: "/api/webhooks/{id}",
    build: (f) => `/api/webhooks/${f.webhookId}`,
    body: () => ({ description: `changed ${Math.random()}` }),
    ok: 200,
    owned: true,
  },
  {
    method: "DELETE",
    path: "/api/webhooks/{id}",
    build: (f) => `/api/webhooks/${f.disposableWebhookId}`,
    ok: 204,
    owned: true,
    destructive: true,
  },
  { method: "POST", path: "/api/webhooks/{id}/test", build: (f) => `/api/webhooks/${f.webhookId}/test`, ok: 202, owned: true },
  {
    method: "POST",
    path: "/api/webhooks/{id}/rotate-secret",
    build: (f) => `/api/webhooks/${f.webhookId}/rotate-secret`,
    ok: 200,
    owned: true,
  },
  {
    method: "GET",
    path: "/api/webhooks/{id}/deliveries",
    build: (f) => `/api/webhooks/${f.webhookId}/deliveries?limit=5`,
    ok: 200,
    owned: true,
  },
  {
    method: "POST",
    path: "/api/webhooks/{id}/deliveries/{deliveryId}/retry",
    build: (f) => `/api/webhooks/${f.webhookId}/deliveries/${f.deliveryId}/retry`,
    ok: 202,
    owned: true,
  },
];

/** Where the matrix's webhooks deliver. */
let webhookReceiver: WebhookReceiver;

/** A webhook of `user` with one delivery attempt in its log. */
async function webhookWithDelivery(user: TestUser) {
  const hook = await (
    await callRoute("POST", "/api/webhooks", { as: user, body: { url: webhookReceiver.url, events: ["export.failed"] } })
  ).json();
  await callRoute("POST", `/api/webhooks/${hook.id}/test`, { as: user });
  for (let i = 0; i < 400; i++) {
    const { deliveries } = await (await callRoute("GET", `/api/webhooks/${hook.id}/deliveries`, { as: user })).json();
    if (deliveries.length) return { webhookId: hook.id as string, deliveryId: deliveries[0].id as string };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("the test delivery was never attempted");
}

function weeklySchedule(documentId: string) {
  return {
    name: `Weekly ${Math.random()}`,
    source: { type: "document", id: documentId },
    format: "csv",
    cadence: { every: "week", on: "mon", at: "07:00" },
    timezone: "America/New_York",
  };
}

const idle: ExportRunner = { kind: "inline", enqueue: async () => {}, cancel: async () => {}, stop: async () => {} };
const runnerSlot = globalThis as unknown as { __takeoffRunner?: ExportRunner };

async function create(user: TestUser, path: string, body: unknown) {
  const res = await callRoute("POST", path, { as: user, body });
  expect(res.status).toBe(202);
  return (await res.json()) as { export_id: string; task_id: string };
}

/** A fresh set of resources owned by `user`. */
async function makeFixture(user: TestUser): Promise<Fixture> {
  const project = await createTestProject(user);
  const disposable = await createTestProject(user);
  const documentId = project.documents[0].id;
  const completed = await create(user, `/api/documents/${documentId}/export`, csv());
  await waitForExport(user, completed.export_id);

  // Exports that must stay pending: nobody runs them.
  const realRunner = runnerSlot.__takeoffRunner;
  runnerSlot.__takeoffRunner = idle;
  try {
    const pending = await create(user, `/api/documents/${documentId}/export`, { format: "pdf" });
    const toCancel = await create(user, `/api/documents/${documentId}/export`, { format: "excel" });
    await callRoute("POST", `/api/exports/${toCancel.export_id}/cancel`, { as: user });
    const disposableExport = await create(user, `/api/projects/${project.id}/export`, { format: "json", options: { pretty: false } });
    const key = await (await callRoute("POST", "/api/api-keys", { as: user, body: { name: "to revoke" } })).json();
    const share = await (await callRoute("POST", `/api/exports/${completed.export_id}/shares`, { as: user, body: {} })).json();
    const preset = await (
      await callRoute("POST", "/api/presets", { as: user, body: { name: `kept ${Math.random()}`, format: "csv" } })
    ).json();
    const disposablePreset = await (
      await callRoute("POST", "/api/presets", { as: user, body: { name: `disposable ${Math.random()}`, format: "json" } })
    ).json();
    const schedule = await (await callRoute("POST", "/api/schedules", { as: user, body: weeklySchedule(documentId) })).json();
    const disposableSchedule = await (await callRoute("POST", "/api/schedules", { as: user, body: weeklySchedule(documentId) })).json();
    const webhook = await webhookWithDelivery(user);
    const disposableWebhook = await (
      await callRoute("POST", "/api/webhooks", { as: user, body: { url: webhookReceiver.url, events: ["export.expired"] } })
    ).json();
    return {
      projectId: project.id,
      documentId,
      pageId: project.documents[0].pages[0].id,
      completedId: completed.export_id,
      completedTask: completed.task_id,
      pendingId: pending.export_id,
      cancelledId: toCancel.export_id,
      disposableExportId: disposableExport.export_id,
      disposableProjectId: disposable.id,
      apiKeyId: key.api_key.id,
      shareId: share.id,
      presetId: preset.id,
      disposablePresetId: disposablePreset.id,
      scheduleId: schedule.id,
      disposableScheduleId: disposableSchedule.id,
      ...webhook,
      disposableWebhookId: disposableWebhook.id,
    };
  } finally {
    runnerSlot.__takeoffRunner = realRunner;
  }
}

let owner: TestUser;
let stranger: TestUser;
let fixtures: { session: Fixture; apiKey: Fixture };

beforeAll(async () => {
  webhookReceiver = await new WebhookReceiver().start();
  owner = await createTestUser();
  stranger = await createTestUser();
  fixtures = { session: await makeFixture(owner), apiKey: await makeFixture(owner) };
});

afterAll(async () => {
  const { drainRunner } = await import("../helpers/app");
  await drainRunner();
  await webhookReceiver.stop();
});

describe("authorisation matrix", () => {
  it("covers every documented route", () => {
    const documented = Object.entries(OPERATIONS).flatMap(([path, ops]) =>
      Object.entries(ops)
        // Public routes (health, share links) have no credentials to check; their own tests cover them.
        .filter(([, op]) => !op.public)
        .map(([m]) => `${m.toUpperCase()} ${path}`),
    );
    const covered = new Set(CASES.map((c) => `${c.method} ${c.path}`));
    expect(documented.filter((d) => !covered.has(d) && d !== "GET /api/health")).toEqual([]);
  });

  for (const c of CASES) {
    it(`${c.method} ${c.path}: 401 without credentials`, async () => {
      const res = await callRoute(c.method, c.build(fixtures.session), { body: c.body?.(fixtures.session) });
      expect(res.status).toBe(401);
      expect((await res.json()).error.code).toBe("unauthorized");
    });

    it(`${c.method} ${c.path}: 401 with a revoked or made-up API key`, async () => {
      const res = await callRoute(c.method, c.build(fixtures.session), {
        as: { apiKey: "tk_notarealkey000000000000000000" },
        body: c.body?.(fixtures.session),
      });
      expect(res.status).toBe(401);
    });

    if (c.owned) {
      it(`${c.method} ${c.path}: another user's resource is 404`, async () => {
        for (const as of [stranger, { apiKey: stranger.apiKey }]) {
          const res = await callRoute(c.method, c.build(fixtures.session), { as, body: c.body?.(fixtures.session) });
          expect(res.status).toBe(404);
          expect((await res.json()).error.code).toBe("not_found");
        }
      });
    }

    it(`${c.method} ${c.path}: the owner succeeds with a session cookie and with an API key`, async () => {
      const bySession = await callRoute(c.method, c.build(fixtures.session), {
        as: { cookie: owner.cookie },
        body: c.body?.(fixtures.session),
      });
      expect(bySession.status).toBe(c.ok);
      const byKey = await callRoute(c.method, c.build(fixtures.apiKey), { as: { apiKey: owner.apiKey }, body: c.body?.(fixtures.apiKey) });
      expect(byKey.status).toBe(c.ok);
      for (const res of [bySession, byKey]) {
        expect(res.headers.get("x-request-id")).toBeTruthy();
        expect(res.headers.get("x-content-type-options")).toBe("nosniff");
        if (res.headers.get("content-type")?.includes("application/json")) expect(res.headers.get("cache-control")).toBe("no-store");
      }
    });
  }

  it("a revoked API key is refused at once", async () => {
    const user = await createTestUser();
    const created = await (await callRoute("POST", "/api/api-keys", { as: user, body: { name: "short-lived" } })).json();
    expect((await callRoute("GET", "/api/projects", { as: { apiKey: created.key } })).status).toBe(200);
    expect((await callRoute("DELETE", `/api/api-keys/${created.api_key.id}`, { as: user })).status).toBe(204);
    expect((await callRoute("GET", "/api/projects", { as: { apiKey: created.key } })).status).toBe(401);
  });

  it("a key deleted by another process is refused within API_KEY_CACHE_MS", async () => {
    const user = await createTestUser();
    const created = await (await callRoute("POST", "/api/api-keys", { as: user, body: { name: "revoked elsewhere" } })).json();
    expect((await callRoute("GET", "/api/projects", { as: { apiKey: created.key } })).status).toBe(200);
    // As another cluster worker or instance would: the row goes, this process's cache is not told.
    await (await getDb()).delete(apiKeys).where(eq(apiKeys.id, created.api_key.id));
    await new Promise((resolve) => setTimeout(resolve, API_KEY_CACHE_MS + 50));
    expect((await callRoute("GET", "/api/projects", { as: { apiKey: created.key } })).status).toBe(401);
  });

  it("a signed-out session is refused", async () => {
    const user = await createTestUser();
    expect((await callRoute("GET", "/api/projects", { as: { cookie: user.cookie } })).status).toBe(200);
    await callRoute("POST", "/api/auth/sign-out", { as: { cookie: user.cookie }, body: {}, headers: { origin: "http://localhost:3000" } });
    expect((await callRoute("GET", "/api/projects", { as: { cookie: user.cookie } })).status).toBe(401);
  });

  it("refuses cross-origin mutations made with a session cookie, but not with an API key", async () => {
    const user = await createTestUser();
    const project = await createTestProject(user);
    const path = `/api/projects/${project.id}/export`;
    const forged = await callRoute("POST", path, { as: { cookie: user.cookie }, body: csv(), headers: { origin: "https://evil.example" } });
    expect(forged.status).toBe(403);
    const siteless = await callRoute("POST", path, {
      as: { cookie: user.cookie },
      body: csv(),
      headers: { "sec-fetch-site": "cross-site" },
    });
    expect(siteless.status).toBe(403);
    const sameOrigin = await callRoute("POST", path, {
      as: { cookie: user.cookie },
      body: csv(),
      headers: { origin: "http://localhost:3000" },
    });
    expect(sameOrigin.status).toBe(202);
    const withKey = await callRoute("GET", `/api/exports`, { as: { apiKey: user.apiKey }, headers: { origin: "https://evil.example" } });
    expect(withKey.status).toBe(200);
  });
});
