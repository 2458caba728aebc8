// /api/inngest: dev-mode introspection and in-band sync list the functions; in cloud mode unsigned requests are refused.
import { afterEach, describe, expect, it, vi } from "vitest";
import { callRoute } from "../helpers/app";

const SERVE_URL = "http://localhost:3000/api/inngest";

/**
 * lib/env.ts and the Inngest client read the environment when first imported,
 * so each case stubs it and starts from a fresh module graph; callRoute then
 * imports the route module anew. The stubs are undone after each test, and
 * test files run in separate module graphs, so nothing leaks.
 */
function inMode(vars: Record<string, string>) {
  for (const [k, v] of Object.entries(vars)) vi.stubEnv(k, v);
  vi.resetModules();
}

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe("/api/inngest in dev mode (INNGEST_DEV=1)", () => {
  it("answers introspection (GET) with 200 and the number of functions", async () => {
    inMode({ INNGEST_DEV: "1", INNGEST_EVENT_KEY: "", INNGEST_SIGNING_KEY: "" });

    const res = await callRoute("GET", "/api/inngest");

    expect(res.status).toBe(200);
    // generate-export counts twice: its onFailure handler is a function of its own
    expect(await res.json()).toMatchObject({ mode: "dev", function_count: 7 });
  });

  it("lists the functions with their triggers, per-user concurrency, cancellation and retries (in-band sync)", async () => {
    inMode({ INNGEST_DEV: "1", INNGEST_EVENT_KEY: "", INNGEST_SIGNING_KEY: "" });

    const res = await callRoute("PUT", "/api/inngest", { body: { url: SERVE_URL }, headers: { "x-inngest-sync-kind": "in_band" } });

    expect(res.status).toBe(200);
    const body = (await res.json()) as { app_id: string; functions: { id: string; triggers: unknown[]; [k: string]: unknown }[] };
    expect(body.app_id).toBe("takeoff-exports");
    const byId = Object.fromEntries(body.functions.map((f) => [f.id, f]));
    expect(Object.keys(byId).sort()).toEqual([
      "takeoff-exports-cleanup-expired-exports",
      "takeoff-exports-deliver-webhooks",
      "takeoff-exports-generate-export",
      "takeoff-exports-generate-export-failure",
      "takeoff-exports-sweep-stalled-exports",
      "takeoff-exports-sweep-webhooks",
      "takeoff-exports-tick-schedules",
    ]);
    expect(byId["takeoff-exports-generate-export"]).toMatchObject({
      triggers: [{ event: "exports/export.requested" }],
      concurrency: [{ key: "event.data.userId", limit: 2 }],
      cancel: [{ event: "exports/export.cancelled", if: "event.data.exportId == async.data.exportId" }],
      steps: {
        step: { retries: { attempts: 2 }, runtime: { url: expect.stringContaining("/api/inngest?fnId=takeoff-exports-generate-export") } },
      },
    });
    expect(byId["takeoff-exports-cleanup-expired-exports"].triggers).toEqual([{ cron: "0 * * * *" }]);
    expect(byId["takeoff-exports-sweep-stalled-exports"].triggers).toEqual([{ cron: "* * * * *" }]);
    expect(byId["takeoff-exports-tick-schedules"].triggers).toEqual([{ cron: "* * * * *" }]);
    expect(byId["takeoff-exports-deliver-webhooks"]).toMatchObject({
      triggers: [{ event: "webhooks/messages.due" }],
      batchEvents: { maxSize: 100, timeout: "1s" },
    });
    expect(byId["takeoff-exports-sweep-webhooks"].triggers).toEqual([{ cron: "* * * * *" }]);
  });
});

describe("/api/inngest in cloud mode", () => {
  it("refuses unsigned introspection and step requests", async () => {
    inMode({ INNGEST_DEV: "", INNGEST_EVENT_KEY: "test-event-key", INNGEST_SIGNING_KEY: `signkey-test-${"ab".repeat(32)}` });

    const introspection = await callRoute("GET", "/api/inngest");
    expect(introspection.status).toBe(401);

    const step = await callRoute("POST", "/api/inngest?fnId=takeoff-exports-generate-export&stepId=step", {
      body: {
        event: { name: "exports/export.requested", data: { exportId: "x", userId: "y" } },
        events: [],
        steps: {},
        ctx: { run_id: "r", attempt: 0 },
      },
    });
    expect(step.status).toBe(401);
  });
});
