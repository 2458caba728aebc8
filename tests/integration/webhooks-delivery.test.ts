// Webhook delivery end to end (SPEC §14.1): a real receiver on 127.0.0.1 verifies every delivery with
// `standardwebhooks` as a customer would; retries keep the webhook-id; timeouts, redirects, a receiver dying
// mid-delivery and an app stopped between the status change and the send lose nothing.
import { and, eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { exports, webhookDeliveries, webhookMessages } from "@/db/schema";
import { transition } from "@/lib/exports/lifecycle";
import { runExport } from "@/lib/exports/pipeline";
import { startRunner, type ExportRunner } from "@/lib/exports/runner";
import { claimDue } from "@/lib/webhooks/deliver";
import { getWebhookDispatcher, replaceWebhookDispatcher, WebhookDispatcher } from "@/lib/webhooks/dispatcher";
import { webhookSettings } from "@/lib/webhooks/settings";
import { callRoute, createTestProject, createTestUser, drainRunner, waitForExport, type TestUser } from "../helpers/app";
import { verifyDelivery, WebhookReceiver, applyEmbeddedWebhookRules } from "../helpers/webhook-receiver";

applyEmbeddedWebhookRules();

const saved = { ...webhookSettings };
const receivers: WebhookReceiver[] = [];

async function receiver(): Promise<WebhookReceiver> {
  const r = await new WebhookReceiver().start();
  receivers.push(r);
  return r;
}

async function createWebhook(
  user: TestUser,
  url: string,
  events = ["export.completed", "export.failed", "export.cancelled", "export.expired"],
) {
  const res = await callRoute("POST", "/api/webhooks", { as: user, body: { url, events } });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; secret: string };
}

async function deliveries(user: TestUser, webhookId: string) {
  const res = await callRoute("GET", `/api/webhooks/${webhookId}/deliveries?limit=100`, { as: user });
  expect(res.status).toBe(200);
  return (await res.json()) as {
    deliveries: {
      id: string;
      event_id: string;
      attempt: number;
      status: string;
      response_status: number | null;
      error: string | null;
      event_status: string;
    }[];
  };
}

/** Waits until the endpoint's latest event is no longer pending (or `timeoutMs` passes). */
async function settled(user: TestUser, webhookId: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { deliveries: rows } = await deliveries(user, webhookId);
    if ((rows.length && rows.every((d) => d.event_status !== "pending" && d.status !== "pending")) || Date.now() > deadline) return rows;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function startExport(user: TestUser, format = "csv") {
  const project = await createTestProject(user);
  const res = await callRoute("POST", `/api/documents/${project.documents[0].id}/export`, { as: user, body: { format } });
  expect(res.status).toBe(202);
  return ((await res.json()) as { export_id: string }).export_id;
}

async function testSend(user: TestUser, webhookId: string) {
  const res = await callRoute("POST", `/api/webhooks/${webhookId}/test`, { as: user });
  expect(res.status).toBe(202);
  return ((await res.json()) as { event_id: string }).event_id;
}

beforeAll(async () => {
  // Quick retries and timeout: the schedule's shape, at test speed.
  webhookSettings.retryDelaysMs = [100, 100, 100, 100, 100];
  webhookSettings.timeoutMs = 500;
  // As at server start-up: the inline runner starts the webhook sender.
  await startRunner();
});

afterEach(async () => {
  await getWebhookDispatcher().idle();
  Object.assign(webhookSettings, { ...saved, production: false, retryDelaysMs: [100, 100, 100, 100, 100], timeoutMs: 500 });
});

afterAll(async () => {
  Object.assign(webhookSettings, saved);
  await drainRunner();
  await Promise.all(receivers.map((r) => r.stop()));
});

describe("webhook delivery", () => {
  it("an export completing sends exactly one export.completed, signed, with a fresh download_url", async () => {
    const user = await createTestUser();
    const rx = await receiver();
    const hook = await createWebhook(user, rx.url);
    const exportId = await startExport(user);
    const done = await waitForExport(user, exportId);
    expect(done.status).toBe("completed");
    await rx.waitFor(1);
    await settled(user, hook.id);
    await new Promise((r) => setTimeout(r, 300));
    expect(rx.received).toHaveLength(1);

    const r = rx.received[0];
    const body = verifyDelivery(hook.secret, r);
    expect(r.path).toBe("/hooks");
    expect(r.headers["content-type"]).toBe("application/json");
    expect(r.headers["webhook-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/=]+$/);
    expect(Math.abs(Number(r.headers["webhook-timestamp"]) - Date.now() / 1000)).toBeLessThan(30);
    expect(body.type).toBe("export.completed");
    expect(Date.parse(body.timestamp)).not.toBeNaN();
    // The keys in the order of the API's export object, as GET /api/exports/{id} has them.
    expect(Object.keys(JSON.parse(r.body))).toEqual(["type", "timestamp", "data"]);
    const apiKeys = Object.keys(await (await callRoute("GET", `/api/exports/${exportId}`, { as: user })).json());
    expect(Object.keys((body.data as { export: object }).export)).toEqual(apiKeys);
    const exp = body.data.export as Record<string, unknown>;
    expect(exp).toMatchObject({
      id: exportId,
      status: "completed",
      format: "csv",
      file_size: done.file_size,
      checksum_sha256: done.checksum_sha256,
    });
    expect(exp.download_url).toEqual(expect.stringContaining("/api/storage/"));
    // The link works: the file is the export's.
    const file = await callRoute("GET", new URL(exp.download_url as string).pathname + new URL(exp.download_url as string).search);
    expect(file.status).toBe(200);
    expect((await file.arrayBuffer()).byteLength).toBe(done.file_size);

    const log = await deliveries(user, hook.id);
    expect(log.deliveries).toHaveLength(1);
    expect(log.deliveries[0]).toMatchObject({ event_id: r.headers["webhook-id"], attempt: 1, status: "succeeded", response_status: 200 });
  });

  it("a signature made with another secret does not verify", async () => {
    const user = await createTestUser();
    const rx = await receiver();
    const hook = await createWebhook(user, rx.url);
    const other = await createWebhook(user, rx.url, ["export.failed"]);
    await testSend(user, hook.id);
    await rx.waitFor(1);
    expect(() => verifyDelivery(other.secret, rx.received[0])).toThrow(/signature/i);
    expect(() =>
      verifyDelivery(hook.secret, { ...rx.received[0], body: rx.received[0].body.replace("webhook.test", "webhook.tesT") }),
    ).toThrow();
  });

  it("only endpoints of the export's owner that selected the event and are enabled get it", async () => {
    const owner = await createTestUser();
    const stranger = await createTestUser();
    const [selected, unselected, disabled, strangers] = await Promise.all([receiver(), receiver(), receiver(), receiver()]);
    const hook = await createWebhook(owner, selected.url, ["export.completed"]);
    await createWebhook(owner, unselected.url, ["export.failed"]);
    const off = await createWebhook(owner, disabled.url, ["export.completed"]);
    expect((await callRoute("PATCH", `/api/webhooks/${off.id}`, { as: owner, body: { enabled: false } })).status).toBe(200);
    await createWebhook(stranger, strangers.url, ["export.completed"]);
    const exportId = await startExport(owner);
    expect((await waitForExport(owner, exportId)).status).toBe("completed");
    await selected.waitFor(1);
    await settled(owner, hook.id);
    await new Promise((r) => setTimeout(r, 300));
    expect(selected.received).toHaveLength(1);
    expect(unselected.received).toHaveLength(0);
    expect(disabled.received).toHaveLength(0);
    expect(strangers.received).toHaveLength(0);
  });

  it("a 500 is retried under the same webhook-id, and the 200 after it ends the retries", async () => {
    const user = await createTestUser();
    const rx = (await receiver()).answer({ status: 500 }, { status: 200 });
    const hook = await createWebhook(user, rx.url);
    const eventId = await testSend(user, hook.id);
    await rx.waitFor(2);
    const rows = await settled(user, hook.id);
    await new Promise((r) => setTimeout(r, 300));
    expect(rx.received).toHaveLength(2);
    expect(rx.received.map((r) => r.headers["webhook-id"])).toEqual([eventId, eventId]);
    for (const r of rx.received) expect(verifyDelivery(hook.secret, r).type).toBe("webhook.test");
    // Newest first, one row per attempt.
    expect(rows.map((d) => [d.attempt, d.status, d.response_status])).toEqual([
      [2, "succeeded", 200],
      [1, "failed", 500],
    ]);
    expect(rows[1].error).toBe("HTTP 500");
    expect(rx.received[1].at - rx.received[0].at).toBeGreaterThanOrEqual(90);
  });

  it("a receiver that answers after the timeout fails that attempt; the retry succeeds", async () => {
    webhookSettings.timeoutMs = 300;
    const user = await createTestUser();
    const rx = (await receiver()).answer({ sleepMs: 1_500, status: 200 }, { status: 204 });
    const hook = await createWebhook(user, rx.url);
    await testSend(user, hook.id);
    await rx.waitFor(2);
    const rows = await settled(user, hook.id);
    expect(rows.map((d) => [d.attempt, d.status])).toEqual([
      [2, "succeeded"],
      [1, "failed"],
    ]);
    expect(rows[1].error).toMatch(/timed out/);
    expect(rows[1].response_status).toBeNull();
  });

  it("redirects are not followed: a 302 is a failed attempt and its target is never called", async () => {
    const user = await createTestUser();
    const rx = await receiver();
    rx.answer(
      { status: 302, headers: { location: `http://127.0.0.1:${rx.port}/elsewhere` } },
      { status: 307, headers: { location: "/elsewhere" } },
    );
    const hook = await createWebhook(user, rx.url);
    await testSend(user, hook.id);
    await rx.waitFor(3);
    const rows = await settled(user, hook.id);
    expect(rx.received.map((r) => r.path)).toEqual(["/hooks", "/hooks", "/hooks"]);
    expect(rows.map((d) => [d.attempt, d.status, d.response_status])).toEqual([
      [3, "succeeded", 200],
      [2, "failed", 307],
      [1, "failed", 302],
    ]);
    expect(rows[2].error).toMatch(/Redirect to .*\/elsewhere not followed/);
  });

  it("a receiver killed mid-delivery gets the event again, same webhook-id, when it is back", async () => {
    const user = await createTestUser();
    const rx = (await receiver()).answer("kill");
    const port = rx.port;
    const hook = await createWebhook(user, rx.url);
    // Long enough to bring the receiver back before the retry.
    webhookSettings.retryDelaysMs = [1_000, 100, 100, 100, 100];
    const eventId = await testSend(user, hook.id);
    await rx.waitFor(1);
    const back = await new WebhookReceiver().start(port);
    receivers.push(back);
    await back.waitFor(1);
    const rows = await settled(user, hook.id);
    expect(back.received[0].headers["webhook-id"]).toBe(eventId);
    expect(verifyDelivery(hook.secret, back.received[0]).type).toBe("webhook.test");
    expect(rows.map((d) => [d.attempt, d.status])).toEqual([
      [2, "succeeded"],
      [1, "failed"],
    ]);
    expect(rows[1].error).toMatch(/connection|socket|reset|refused/i);
  });

  it("an app stopped between the status change and the send delivers after its restart, once", async () => {
    const user = await createTestUser();
    const rx = await receiver();
    const hook = await createWebhook(user, rx.url, ["export.completed"]);
    // Nobody runs exports and nobody sends: the export is run by hand, its transition commits the message.
    const runnerSlot = globalThis as unknown as { __takeoffRunner?: ExportRunner };
    const realRunner = runnerSlot.__takeoffRunner;
    const idle: ExportRunner = { kind: "inline", enqueue: async () => {}, cancel: async () => {}, stop: async () => {} };
    await getWebhookDispatcher().stop();
    runnerSlot.__takeoffRunner = idle;
    let exportId: string;
    try {
      exportId = await startExport(user);
      expect(await runExport(exportId)).toBe("completed");
    } finally {
      runnerSlot.__takeoffRunner = realRunner;
    }
    const db = await getDb();
    const [message] = await db.select().from(webhookMessages).where(eq(webhookMessages.exportId, exportId));
    expect(message).toMatchObject({ status: "pending", attempts: 0, type: "export.completed" });
    await new Promise((r) => setTimeout(r, 300));
    expect(rx.received).toHaveLength(0);

    // The restart: a fresh dispatcher finds the committed message.
    const restarted = new WebhookDispatcher();
    replaceWebhookDispatcher(restarted);
    restarted.start();
    await rx.waitFor(1);
    await settled(user, hook.id);
    await new Promise((r) => setTimeout(r, 300));
    expect(rx.received).toHaveLength(1);
    expect(rx.received[0].headers["webhook-id"]).toBe(message.id);
    expect(verifyDelivery(hook.secret, rx.received[0]).data.export).toMatchObject({ id: exportId, status: "completed" });
  });

  it("a sender killed mid-delivery: its lease runs out and the event is sent again under the same webhook-id", async () => {
    const user = await createTestUser();
    const rx = await receiver();
    const hook = await createWebhook(user, rx.url);
    await getWebhookDispatcher().stop();
    const eventId = await testSend(user, hook.id);
    // A sender claims it, writes its attempt row, and dies before sending.
    webhookSettings.leaseMs = 300;
    const db = await getDb();
    const claimed = await claimDue(db, { limit: 10 });
    expect(claimed.map((c) => c.message.id)).toContain(eventId);
    // While the lease runs, nobody else takes it.
    expect((await claimDue(db, { limit: 10 })).map((c) => c.message.id)).not.toContain(eventId);
    await new Promise((r) => setTimeout(r, 400));
    const restarted = new WebhookDispatcher();
    replaceWebhookDispatcher(restarted);
    restarted.start();
    await rx.waitFor(1);
    const rows = await settled(user, hook.id);
    expect(rx.received.map((r) => r.headers["webhook-id"])).toEqual([eventId]);
    expect(rows.map((d) => [d.attempt, d.status])).toEqual([
      [2, "succeeded"],
      [1, "failed"],
    ]);
    expect(rows[1].error).toMatch(/Interrupted/);
  });

  it("two senders claiming at once never take the same message", async () => {
    const user = await createTestUser();
    const rx = await receiver();
    const hook = await createWebhook(user, rx.url);
    await getWebhookDispatcher().stop();
    const ids = new Set<string>();
    for (let i = 0; i < 10; i++) ids.add(await testSend(user, hook.id));
    const db = await getDb();
    const [a, b] = await Promise.all([claimDue(db, { limit: 6 }), claimDue(db, { limit: 6 })]);
    const taken = [...a, ...b].map((c) => c.message.id).filter((id) => ids.has(id));
    expect(new Set(taken).size).toBe(taken.length);
    expect(taken.length).toBe(10);
    // Release them for the dispatcher of the next test.
    await db.update(webhookMessages).set({ status: "failed" }).where(eq(webhookMessages.endpointId, hook.id));
    await db.update(webhookDeliveries).set({ status: "failed" }).where(eq(webhookDeliveries.endpointId, hook.id));
    const restarted = new WebhookDispatcher();
    replaceWebhookDispatcher(restarted);
    restarted.start();
  });

  it("20 failed deliveries in a row disable the endpoint with a reason, and nothing more is sent", async () => {
    webhookSettings.retryDelaysMs = [10, 10, 10, 10, 10];
    webhookSettings.concurrency = 1;
    const user = await createTestUser();
    const rx = await receiver();
    for (let i = 0; i < 30; i++) rx.answer({ status: 503 });
    const hook = await createWebhook(user, rx.url);
    for (let i = 0; i < 4; i++) await testSend(user, hook.id);
    await rx.waitFor(20);
    const deadline = Date.now() + 10_000;
    let endpoint: { enabled: boolean; disabled_reason: string | null; consecutive_failures: number };
    do {
      endpoint = await (await callRoute("GET", `/api/webhooks/${hook.id}`, { as: user })).json();
      if (!endpoint.enabled) break;
      await new Promise((r) => setTimeout(r, 50));
    } while (Date.now() < deadline);
    expect(endpoint.enabled).toBe(false);
    expect(endpoint.consecutive_failures).toBe(20);
    expect(endpoint.disabled_reason).toMatch(/Disabled after 20 failed deliveries in a row \(last: HTTP 503\)/);
    await new Promise((r) => setTimeout(r, 300));
    expect(rx.received).toHaveLength(20);
    const db = await getDb();
    const pending = await db
      .select()
      .from(webhookMessages)
      .where(and(eq(webhookMessages.endpointId, hook.id), eq(webhookMessages.status, "pending")));
    expect(pending).toHaveLength(0);
    // A disabled endpoint gets no new events either.
    const exportId = await startExport(user);
    expect((await waitForExport(user, exportId)).status).toBe("completed");
    await new Promise((r) => setTimeout(r, 300));
    expect(rx.received).toHaveLength(20);
    expect((await callRoute("POST", `/api/webhooks/${hook.id}/test`, { as: user })).status).toBe(409);

    // Enabling it again clears the count and the reason; the next test send goes out.
    const enabled = await (await callRoute("PATCH", `/api/webhooks/${hook.id}`, { as: user, body: { enabled: true } })).json();
    expect(enabled).toMatchObject({ enabled: true, disabled_reason: null, consecutive_failures: 0 });
    rx.answer({ status: 200 });
    await testSend(user, hook.id);
    await rx.waitFor(21);
  });

  it("after rotate-secret a delivery carries two signatures, each verifying with its own secret", async () => {
    const user = await createTestUser();
    const rx = await receiver();
    const hook = await createWebhook(user, rx.url);
    const rotated = await callRoute("POST", `/api/webhooks/${hook.id}/rotate-secret`, { as: user });
    expect(rotated.status).toBe(200);
    const { secret: newSecret, previous_secret_expires_at } = (await rotated.json()) as {
      secret: string;
      previous_secret_expires_at: string;
    };
    expect(newSecret).not.toBe(hook.secret);
    expect(Date.parse(previous_secret_expires_at) - Date.now()).toBeGreaterThan(23.9 * 3600 * 1000);
    await testSend(user, hook.id);
    await rx.waitFor(1);
    const r = rx.received[0];
    const signatures = r.headers["webhook-signature"].split(" ");
    expect(signatures).toHaveLength(2);
    expect(verifyDelivery(newSecret, r).type).toBe("webhook.test");
    expect(verifyDelivery(hook.secret, r).type).toBe("webhook.test");
    // Each signature on its own: the first is the new secret's, the second the old one's.
    expect(() => verifyDelivery(newSecret, { ...r, headers: { ...r.headers, "webhook-signature": signatures[0] } })).not.toThrow();
    expect(() => verifyDelivery(hook.secret, { ...r, headers: { ...r.headers, "webhook-signature": signatures[1] } })).not.toThrow();
    expect(() => verifyDelivery(hook.secret, { ...r, headers: { ...r.headers, "webhook-signature": signatures[0] } })).toThrow();

    // After 24 h only the new secret signs.
    const db = await getDb();
    const { webhookEndpoints } = await import("@/db/schema");
    await db
      .update(webhookEndpoints)
      .set({ previousSecretExpiresAt: new Date(Date.now() - 1000) })
      .where(eq(webhookEndpoints.id, hook.id));
    await testSend(user, hook.id);
    await rx.waitFor(2);
    expect(rx.received[1].headers["webhook-signature"].split(" ")).toHaveLength(1);
    expect(() => verifyDelivery(hook.secret, rx.received[1])).toThrow();
    expect(verifyDelivery(newSecret, rx.received[1]).type).toBe("webhook.test");
  });

  it("failed, cancelled and expired exports send their events", async () => {
    const user = await createTestUser();
    const rx = await receiver();
    const hook = await createWebhook(user, rx.url);
    const db = await getDb();
    const runnerSlot = globalThis as unknown as { __takeoffRunner?: ExportRunner };
    const realRunner = runnerSlot.__takeoffRunner;
    runnerSlot.__takeoffRunner = { kind: "inline", enqueue: async () => {}, cancel: async () => {}, stop: async () => {} };
    let cancelled: string, failed: string;
    try {
      cancelled = await startExport(user);
      failed = await startExport(user, "json");
    } finally {
      runnerSlot.__takeoffRunner = realRunner;
    }
    expect((await callRoute("POST", `/api/exports/${cancelled}/cancel`, { as: user })).status).toBe(200);
    await transition(db, failed, {
      from: ["pending"],
      to: "failed",
      set: { errorMessage: "The source was deleted.", errorKind: "user" },
      event: { type: "failed", data: {} },
    });
    const completed = await startExport(user);
    expect((await waitForExport(user, completed)).status).toBe("completed");
    await db
      .update(exports)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(exports.id, completed));
    const { cleanupExpired } = await import("@/lib/exports/pipeline");
    await cleanupExpired();
    await rx.waitFor(4);
    const byType = new Map(
      rx.received.map((r) => [verifyDelivery(hook.secret, r).type, verifyDelivery(hook.secret, r).data.export as Record<string, unknown>]),
    );
    expect(byType.get("export.cancelled")).toMatchObject({ id: cancelled, status: "cancelled", download_url: null });
    expect(byType.get("export.failed")).toMatchObject({ id: failed, status: "failed", error_message: "The source was deleted." });
    expect(byType.get("export.completed")).toMatchObject({ id: completed, status: "completed" });
    // The file is gone by the time export.expired goes out: no link.
    expect(byType.get("export.expired")).toMatchObject({ id: completed, status: "expired", download_url: null });
  });

  it("pausing a schedule sends schedule.paused to the endpoints that selected it", async () => {
    const user = await createTestUser();
    const [selected, other] = await Promise.all([receiver(), receiver()]);
    const hook = await createWebhook(user, selected.url, ["schedule.paused"]);
    await createWebhook(user, other.url, ["export.completed"]);
    const project = await createTestProject(user);
    const created = await callRoute("POST", "/api/schedules", {
      as: user,
      body: {
        name: "Weekly CSV",
        source: { type: "document", id: project.documents[0].id },
        format: "csv",
        cadence: { every: "week", on: "mon", at: "07:00" },
        timezone: "UTC",
      },
    });
    expect(created.status).toBe(201);
    const schedule = (await created.json()) as { id: string };
    expect((await callRoute("POST", `/api/schedules/${schedule.id}/pause`, { as: user })).status).toBe(200);
    await selected.waitFor(1);
    const body = verifyDelivery(hook.secret, selected.received[0]);
    expect(body.type).toBe("schedule.paused");
    expect(body.data).toMatchObject({ cause: "user", schedule: { id: schedule.id, name: "Weekly CSV", enabled: false } });
    await new Promise((r) => setTimeout(r, 300));
    expect(other.received).toHaveLength(0);
  });

  it("retrying a failed delivery sends the event once more under the same webhook-id", async () => {
    webhookSettings.retryDelaysMs = [];
    const user = await createTestUser();
    const rx = (await receiver()).answer({ status: 410 });
    const hook = await createWebhook(user, rx.url);
    const eventId = await testSend(user, hook.id);
    await rx.waitFor(1);
    const [first] = await settled(user, hook.id);
    expect(first).toMatchObject({ status: "failed", event_status: "failed", response_status: 410 });
    const res = await callRoute("POST", `/api/webhooks/${hook.id}/deliveries/${first.id}/retry`, { as: user });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ event_id: eventId, type: "webhook.test", status: "pending" });
    await rx.waitFor(2);
    const rows = await settled(user, hook.id);
    expect(rx.received.map((r) => r.headers["webhook-id"])).toEqual([eventId, eventId]);
    expect(rows.map((d) => [d.attempt, d.status])).toEqual([
      [2, "succeeded"],
      [1, "failed"],
    ]);
  });
});
