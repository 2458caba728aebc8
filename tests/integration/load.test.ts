/**
 * Load: 50 exports created concurrently by 5 users all complete, with the
 * per-user concurrency limit respected, none lost, none duplicated, while the
 * list API keeps answering.
 */
import { and, eq, inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { exportEvents, exports } from "@/db/schema";
import { env } from "@/lib/env";
import { callRoute, createTestProject, createTestUser, drainRunner } from "../helpers/app";

const FORMATS = ["csv", "json", "ost", "excel", "pdf"] as const;

describe("load", () => {
  it("runs 50 concurrent exports from 5 users to completion, respecting per-user concurrency", async () => {
    const users = await Promise.all(Array.from({ length: 5 }, () => createTestUser()));
    const projects = await Promise.all(users.map((u) => createTestProject(u)));
    const userIds = users.map((u) => u.id);

    // Sample how many exports each user has processing while the batch runs.
    const db = await getDb();
    let maxPerUser = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const rows = await db.select({ userId: exports.userId }).from(exports).where(eq(exports.status, "processing"));
        const per = new Map<string, number>();
        for (const r of rows) if (userIds.includes(r.userId)) per.set(r.userId, (per.get(r.userId) ?? 0) + 1);
        maxPerUser = Math.max(maxPerUser, ...per.values(), 0);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();

    // Ten distinct requests per user (distinct names + options, so nothing is de-duplicated).
    const requests = users.flatMap((u, ui) =>
      Array.from({ length: 10 }, (_, i) =>
        callRoute("POST", `/api/projects/${projects[ui].id}/export`, {
          as: u,
          body: { format: FORMATS[i % 5], name: `Load ${ui}-${i}`, options: { timezone: i < 5 ? "UTC" : "Europe/Berlin" } },
        }),
      ),
    );
    const listLatencies: number[] = [];
    const lister = (async () => {
      for (let i = 0; i < 20; i++) {
        const t = performance.now();
        const res = await callRoute("GET", "/api/exports?limit=20", { as: users[i % 5] });
        expect(res.status).toBe(200);
        listLatencies.push(performance.now() - t);
      }
    })();
    const responses = await Promise.all(requests);
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(202));
    const ids = await Promise.all(responses.map(async (r) => (await r.json()).export_id as string));
    await lister;
    await drainRunner();
    sampling = false;
    await sampler;

    expect(new Set(ids).size).toBe(50);
    const rows = await db.select().from(exports).where(inArray(exports.id, ids));
    expect(rows).toHaveLength(50);
    expect(rows.filter((r) => r.status !== "completed").map((r) => [r.name, r.status, r.errorMessage])).toEqual([]);
    expect(rows.every((r) => r.attempts === 1)).toBe(true);
    expect(maxPerUser).toBeGreaterThan(0);
    expect(maxPerUser).toBeLessThanOrEqual(env.EXPORTS_CONCURRENCY_PER_USER);
    // Each export started exactly once (no duplicate runs).
    const started = await db
      .select({ exportId: exportEvents.exportId })
      .from(exportEvents)
      .where(and(inArray(exportEvents.exportId, ids), eq(exportEvents.type, "started")));
    expect(started).toHaveLength(50);
    expect(new Set(started.map((e) => e.exportId)).size).toBe(50);
    expect(listLatencies).toHaveLength(20);
    for (const u of users) {
      const list = await (await callRoute("GET", "/api/exports?limit=100", { as: u })).json();
      expect(list.total).toBe(10);
    }
  });
});
