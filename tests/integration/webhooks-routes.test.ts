// The webhook routes (SPEC §14.1): validation with the §5 error shape, owner scoping (another user's endpoint or
// delivery is 404), the per-account limit, the secret shown only at creation and rotation, and nothing sent on create
// or edit.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRunner } from "@/lib/exports/runner";
import { MAX_WEBHOOK_ENDPOINTS } from "@/lib/webhooks/model";
import { callRoute, createTestUser, drainRunner, type TestUser } from "../helpers/app";
import { WebhookReceiver, applyEmbeddedWebhookRules } from "../helpers/webhook-receiver";

applyEmbeddedWebhookRules();

let rx: WebhookReceiver;
beforeAll(async () => {
  rx = await new WebhookReceiver().start();
  // As at server start-up: the inline runner starts the webhook sender.
  await startRunner();
});
afterAll(async () => {
  await drainRunner();
  await rx.stop();
});

async function create(user: TestUser, body: Record<string, unknown> = {}) {
  return callRoute("POST", "/api/webhooks", { as: user, body: { url: rx.url, events: ["export.completed"], ...body } });
}

async function errorOf(res: Response) {
  const body = (await res.json()) as {
    success: boolean;
    error: { code: string; message: string; details?: { path: string; message: string }[] };
  };
  expect(body.success).toBe(false);
  return body.error;
}

describe("POST /api/webhooks", () => {
  it("creates an endpoint: 201 with its whsec_ secret once; reads never show the secret; nothing is sent", async () => {
    const user = await createTestUser();
    const before = rx.received.length;
    const res = await create(user, { description: "ERP import", events: ["export.completed", "export.failed", "export.completed"] });
    expect(res.status).toBe(201);
    const created = await res.json();
    expect(created).toMatchObject({
      url: rx.url,
      description: "ERP import",
      events: ["export.completed", "export.failed"],
      enabled: true,
      disabled_reason: null,
      consecutive_failures: 0,
    });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const one = await (await callRoute("GET", `/api/webhooks/${created.id}`, { as: user })).json();
    expect(one).not.toHaveProperty("secret");
    const list = await (await callRoute("GET", "/api/webhooks", { as: user })).json();
    expect(list.webhooks.map((w: { id: string }) => w.id)).toEqual([created.id]);
    expect(JSON.stringify(list)).not.toContain(created.secret);
    // Editing sends nothing either.
    expect(
      (await callRoute("PATCH", `/api/webhooks/${created.id}`, { as: user, body: { url: `${rx.url}?v=2`, events: ["export.expired"] } }))
        .status,
    ).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(rx.received.length).toBe(before);
  });

  it.each([
    [{ events: [] }, "events", /select at least one event/],
    [{ events: ["export.started"] }, "events[0]", /Invalid option/],
    [{ url: "" }, "url", /must not be empty/],
    [{ url: "not a url" }, "url", /not a valid URL/],
    [{ url: "ftp://example.com/x" }, "url", /https:\/\//],
    [{ url: "http://169.254.169.254/latest/meta-data" }, "url", /metadata/],
    [{ url: "http://[fe80::1]/" }, "url", /link-local/],
    [{ url: "http://user:pw@127.0.0.1/" }, "url", /user name or password/],
    [{ description: "a 501-character description".padEnd(501, ".") }, "description", /at most 500/],
    [{ secret: "whsec_mine" }, "", /Unrecognized key/],
  ])("refuses %j with 422 naming %s", async (patch, path, message) => {
    const user = await createTestUser();
    const res = await create(user, patch);
    expect(res.status).toBe(422);
    const error = await errorOf(res);
    expect(error.code).toBe("validation_failed");
    expect(error.details?.[0]).toMatchObject({ path, message: expect.stringMatching(message) });
  });

  it("refuses a body that is not JSON (400) and a missing field (422)", async () => {
    const user = await createTestUser();
    const notJson = await callRoute("POST", "/api/webhooks", { as: user, rawBody: "url=x", headers: { "content-type": "text/plain" } });
    expect(notJson.status).toBe(400);
    expect((await errorOf(notJson)).code).toBe("invalid_json");
    const missing = await callRoute("POST", "/api/webhooks", { as: user, body: { url: rx.url } });
    expect(missing.status).toBe(422);
    expect((await errorOf(missing)).details?.[0].path).toBe("events");
  });

  it(`keeps at most ${MAX_WEBHOOK_ENDPOINTS} endpoints per account, with a clear 409`, async () => {
    const user = await createTestUser();
    for (let i = 0; i < MAX_WEBHOOK_ENDPOINTS; i++) expect((await create(user)).status).toBe(201);
    const res = await create(user);
    expect(res.status).toBe(409);
    const error = await errorOf(res);
    expect(error.code).toBe("conflict");
    expect(error.message).toMatch(/10 webhook endpoints, the most one account keeps/);
    // Another account is not affected.
    expect((await create(await createTestUser())).status).toBe(201);
  });
});

describe("one endpoint", () => {
  it("another user's endpoint and delivery are 404 on every route, like a missing or malformed id", async () => {
    const owner = await createTestUser();
    const stranger = await createTestUser();
    const hook = await (await create(owner)).json();
    await callRoute("POST", `/api/webhooks/${hook.id}/test`, { as: owner });
    let deliveryId: string | undefined;
    for (let i = 0; i < 200 && !deliveryId; i++) {
      deliveryId = (await (await callRoute("GET", `/api/webhooks/${hook.id}/deliveries`, { as: owner })).json()).deliveries[0]?.id;
      if (!deliveryId) await new Promise((r) => setTimeout(r, 50));
    }
    expect(deliveryId).toBeDefined();
    const calls: [string, string, unknown?][] = [
      ["GET", `/api/webhooks/${hook.id}`],
      ["PATCH", `/api/webhooks/${hook.id}`, { enabled: false }],
      ["DELETE", `/api/webhooks/${hook.id}`],
      ["POST", `/api/webhooks/${hook.id}/test`],
      ["POST", `/api/webhooks/${hook.id}/rotate-secret`],
      ["GET", `/api/webhooks/${hook.id}/deliveries`],
      ["POST", `/api/webhooks/${hook.id}/deliveries/${deliveryId}/retry`],
    ];
    for (const [method, path, body] of calls) {
      const res = await callRoute(method, path, { as: stranger, body });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect((await errorOf(res)).message).toBe("Webhook not found");
    }
    for (const id of ["not-a-uuid", crypto.randomUUID()])
      expect((await callRoute("GET", `/api/webhooks/${id}`, { as: owner })).status).toBe(404);
    // The owner's delivery under another of the owner's endpoints is not found either.
    const other = await (await create(owner)).json();
    const cross = await callRoute("POST", `/api/webhooks/${other.id}/deliveries/${deliveryId}/retry`, { as: owner });
    expect(cross.status).toBe(404);
    expect((await errorOf(cross)).message).toBe("Delivery not found");
    // The stranger's own list is empty, and the owner's endpoint is untouched.
    expect((await (await callRoute("GET", "/api/webhooks", { as: stranger })).json()).webhooks).toEqual([]);
    expect((await (await callRoute("GET", `/api/webhooks/${hook.id}`, { as: owner })).json()).enabled).toBe(true);
  });

  it("PATCH: disabling keeps the reason empty; enabling again clears the failure count; an empty patch is 422", async () => {
    const user = await createTestUser();
    const hook = await (await create(user)).json();
    const off = await (await callRoute("PATCH", `/api/webhooks/${hook.id}`, { as: user, body: { enabled: false } })).json();
    expect(off).toMatchObject({ enabled: false, disabled_reason: null });
    expect(off.disabled_at).not.toBeNull();
    const test = await callRoute("POST", `/api/webhooks/${hook.id}/test`, { as: user });
    expect(test.status).toBe(409);
    expect((await errorOf(test)).code).toBe("invalid_state");
    const on = await (
      await callRoute("PATCH", `/api/webhooks/${hook.id}`, { as: user, body: { enabled: true, description: null } })
    ).json();
    expect(on).toMatchObject({ enabled: true, disabled_reason: null, disabled_at: null, consecutive_failures: 0, description: null });
    const empty = await callRoute("PATCH", `/api/webhooks/${hook.id}`, { as: user, body: {} });
    expect(empty.status).toBe(422);
    const bad = await callRoute("PATCH", `/api/webhooks/${hook.id}`, { as: user, body: { url: "http://169.254.169.254/" } });
    expect(bad.status).toBe(422);
  });

  it("DELETE is 204 and takes the delivery log with it", async () => {
    const user = await createTestUser();
    const hook = await (await create(user)).json();
    expect((await callRoute("DELETE", `/api/webhooks/${hook.id}`, { as: user })).status).toBe(204);
    expect((await callRoute("GET", `/api/webhooks/${hook.id}`, { as: user })).status).toBe(404);
    expect((await callRoute("GET", `/api/webhooks/${hook.id}/deliveries`, { as: user })).status).toBe(404);
  });

  it("the delivery log pages newest first with a cursor, and refuses a cursor it did not make", async () => {
    const user = await createTestUser();
    const hook = await (await create(user)).json();
    for (let i = 0; i < 3; i++) await callRoute("POST", `/api/webhooks/${hook.id}/test`, { as: user });
    let all: { id: string; created_at: string }[] = [];
    for (let i = 0; i < 200; i++) {
      all = (await (await callRoute("GET", `/api/webhooks/${hook.id}/deliveries?limit=100`, { as: user })).json()).deliveries;
      if (all.length === 3) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(all).toHaveLength(3);
    const first = await (await callRoute("GET", `/api/webhooks/${hook.id}/deliveries?limit=2`, { as: user })).json();
    expect(first.total).toBe(3);
    expect(first.deliveries).toHaveLength(2);
    const second = await (
      await callRoute("GET", `/api/webhooks/${hook.id}/deliveries?limit=2&cursor=${first.next_cursor}`, { as: user })
    ).json();
    expect(second.next_cursor).toBeNull();
    expect([...first.deliveries, ...second.deliveries].map((d: { id: string }) => d.id)).toEqual(all.map((d) => d.id));
    const times = all.map((d) => Date.parse(d.created_at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect((await callRoute("GET", `/api/webhooks/${hook.id}/deliveries?cursor=bogus`, { as: user })).status).toBe(422);
    expect((await callRoute("GET", `/api/webhooks/${hook.id}/deliveries?limit=0`, { as: user })).status).toBe(422);
  });
});
