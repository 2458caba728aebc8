// deliver-webhooks and sweep-webhooks under @inngest/test, on the real sender and database: a due message is sent
// and verified by a real receiver; a retry due within the minute is waited for in the run (step.sleepUntil).
import { InngestTestEngine } from "@inngest/test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliverWebhooks, sweepWebhooks } from "@/inngest/functions/deliver-webhooks";
import { webhookSettings } from "@/lib/webhooks/settings";
import { getWebhookDispatcher } from "@/lib/webhooks/dispatcher";
import { sendTest } from "@/lib/webhooks";
import { callRoute, createTestUser, type TestUser } from "../helpers/app";
import { verifyDelivery, WebhookReceiver, applyEmbeddedWebhookRules } from "../helpers/webhook-receiver";

applyEmbeddedWebhookRules();

const saved = { ...webhookSettings };
let rx: WebhookReceiver;

beforeAll(async () => {
  // Inngest sends here; the inline dispatcher stays out of the way.
  await getWebhookDispatcher().stop();
  webhookSettings.retryDelaysMs = [200, 200, 200, 200, 200];
  rx = await new WebhookReceiver().start();
});

afterAll(async () => {
  Object.assign(webhookSettings, saved);
  await rx.stop();
});

async function endpoint(user: TestUser) {
  const res = await callRoute("POST", "/api/webhooks", { as: user, body: { url: rx.url, events: ["export.completed"] } });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; secret: string };
}

const dueEvent = (ids: string[]) => ({ name: "webhooks/messages.due", data: { messageIds: ids } });

describe("deliver-webhooks", () => {
  it("sends the due message in a step; the receiver verifies it", async () => {
    const user = await createTestUser();
    const hook = await endpoint(user);
    const { event_id } = await sendTest({ userId: user.id, id: hook.id });
    const before = rx.received.length;
    const t = new InngestTestEngine({ function: deliverWebhooks, events: [dueEvent([event_id])] });

    const { result, ctx } = await t.execute();

    expect(result).toMatchObject({ attempted: 1, succeeded: 1, rounds: 1 });
    expect(ctx.step.run).toHaveBeenCalledWith("deliver-0", expect.any(Function));
    expect(ctx.step.sleepUntil).not.toHaveBeenCalled();
    expect(rx.received).toHaveLength(before + 1);
    const got = rx.received[before];
    expect(got.headers["webhook-id"]).toBe(event_id);
    expect(verifyDelivery(hook.secret, got).type).toBe("webhook.test");
    expect(deliverWebhooks.opts.batchEvents).toEqual({ maxSize: 100, timeout: "1s" });
  });

  it("a failed attempt whose retry is due within the minute is slept for in the run, then sent again", async () => {
    const user = await createTestUser();
    const hook = await endpoint(user);
    rx.answer({ status: 500 });
    const { event_id } = await sendTest({ userId: user.id, id: hook.id });
    const before = rx.received.length;
    // Inngest would resume the run at the time asked for; here the sleep steps wait that long.
    const sleeps = Array.from({ length: 12 }, (_, i) => ({ id: `wait-${i}`, handler: () => new Promise((r) => setTimeout(r, 250)) }));
    const t = new InngestTestEngine({ function: deliverWebhooks, events: [dueEvent([event_id])], steps: sleeps });

    const { result, ctx } = await t.execute();

    expect(result).toMatchObject({ attempted: 2, succeeded: 1, rounds: 2 });
    expect(ctx.step.run.mock.calls.map((c) => c[0])).toEqual(["deliver-0", "deliver-1"]);
    expect(rx.received.slice(before).map((r) => r.headers["webhook-id"])).toEqual([event_id, event_id]);
  });
});

describe("sweep-webhooks", () => {
  it("runs every minute and sends messages nobody was told about", async () => {
    const user = await createTestUser();
    const hook = await endpoint(user);
    const { event_id } = await sendTest({ userId: user.id, id: hook.id });
    await new Promise((r) => setTimeout(r, 250)); // past any retry of the test above
    const t = new InngestTestEngine({
      function: sweepWebhooks,
      events: [{ name: "inngest/scheduled.timer", data: { cron: "* * * * *" } }],
    });

    const { result } = await t.execute();

    expect((result as { attempted: number }).attempted).toBeGreaterThanOrEqual(1);
    expect(rx.received.some((r) => r.headers["webhook-id"] === event_id)).toBe(true);
    expect(sweepWebhooks.opts.triggers).toEqual([{ cron: "* * * * *" }]);
  });
});
