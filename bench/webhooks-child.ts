/**
 * The webhook benchmark's app process (bench/webhooks.ts starts it) on the
 * embedded default (PGlite, inline runner): USERS users with 3 endpoints each
 * (the parent's receivers), 1,000 processing exports, then every export
 * completes through the real transition() — each writes its 3 outbox rows in
 * its transaction — while the inline dispatcher sends, and the export list
 * (GET /api/exports's service) is timed before and meanwhile.
 * BENCH_WH_CONCURRENCY overrides the sender's concurrency (its batch is 4×). Prints
 * `BENCH_RESULT {json}` with each message's event time once none is pending.
 */
import { eq, sql } from "drizzle-orm";
import { getDb } from "@/db";
import { exports, projects, users, webhookEndpoints, webhookMessages } from "@/db/schema";
import { transition } from "@/lib/exports/lifecycle";
import { ListQuerySchema } from "@/lib/exports/schemas";
import { listExports } from "@/lib/exports/services/list";
import { getWebhookDispatcher } from "@/lib/webhooks/dispatcher";
import { webhookSettings } from "@/lib/webhooks/settings";

const EXPORTS = Number(process.env.BENCH_WEBHOOK_EXPORTS ?? 1000);
const USERS = 10;
const receivers = (process.env.BENCH_RECEIVERS ?? "").split(",").filter(Boolean);

async function main() {
  if (receivers.length !== 3) throw new Error("BENCH_RECEIVERS must name 3 receiver URLs");
  const db = await getDb();
  const userIds = Array.from({ length: USERS }, (_, i) => `webhook-bench-${i}`);
  await db.insert(users).values(userIds.map((id) => ({ id, name: id, email: `${id}@example.test` })));
  const projectRows = await db
    .insert(projects)
    .values(userIds.map((userId) => ({ userId, name: "Bench project" })))
    .returning({ id: projects.id, userId: projects.userId });
  for (const userId of userIds)
    await db.insert(webhookEndpoints).values(
      receivers.map((url, i) => ({
        userId,
        url: `${url}?u=${userId}&e=${i}`,
        events: ["export.completed"],
        secret: `whsec_${Buffer.from(`bench-secret-${userId}-${i}`.padEnd(32, ".")).toString("base64")}`,
      })),
    );
  const now = new Date();
  const rows = await db
    .insert(exports)
    .values(
      Array.from({ length: EXPORTS }, (_, i) => {
        const p = projectRows[i % USERS];
        return {
          userId: p.userId,
          projectId: p.id,
          type: "project_export" as const,
          name: `Bench export ${i}`,
          format: "csv" as const,
          status: "processing" as const,
          startedAt: now,
          heartbeatAt: now,
        };
      }),
    )
    .returning({ id: exports.id, projectId: exports.projectId });

  // The app's API meanwhile: GET /api/exports's service for one of the users, one request after another (as a dashboard polls).
  const query = ListQuerySchema.parse({ limit: "20" });
  const listOnce = async () => {
    const t = performance.now();
    await listExports({ userId: userIds[0], query });
    return performance.now() - t;
  };
  for (let i = 0; i < 20; i++) await listOnce(); // warm-up
  const idle: number[] = [];
  for (let i = 0; i < 300; i++) {
    idle.push(await listOnce());
    await new Promise((r) => setImmediate(r));
  }
  const during: number[] = [];
  let fanOutOver = false;
  const poller = (async () => {
    while (!fanOutOver) {
      during.push(await listOnce());
      // A request comes in through I/O: the next one waits its turn behind timers (PGlite answers in microtasks only).
      await new Promise((r) => setImmediate(r));
    }
  })();

  if (process.env.BENCH_WH_CONCURRENCY) webhookSettings.concurrency = Number(process.env.BENCH_WH_CONCURRENCY);
  getWebhookDispatcher().start();
  const started = Date.now();
  for (const row of rows) {
    const at = new Date();
    await transition(db, row.id, {
      from: ["processing"],
      to: "completed",
      set: {
        progress: 100,
        progressStep: "Completed",
        fileKey: `exports/${row.projectId}/${row.id}.csv`,
        fileName: "bench.csv",
        fileSize: 1234,
        contentType: "text/csv; charset=utf-8",
        checksumSha256: "0".repeat(64),
        completedAt: at,
        expiresAt: new Date(at.getTime() + 7 * 24 * 3600 * 1000),
      },
      event: { type: "completed", data: {} },
    });
  }
  const completedSeconds = (Date.now() - started) / 1000;

  const deadline = Date.now() + 180_000;
  for (;;) {
    const [{ n }] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(webhookMessages)
      .where(eq(webhookMessages.status, "pending"));
    if (n === 0 || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const drainedSeconds = (Date.now() - started) / 1000;
  fanOutOver = true;
  await poller;
  const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.99))];
  await getWebhookDispatcher().stop();
  const messages = await db
    .select({
      id: webhookMessages.id,
      status: webhookMessages.status,
      attempts: webhookMessages.attempts,
      payload: webhookMessages.payload,
    })
    .from(webhookMessages);
  const out = {
    exports: EXPORTS,
    endpoints: USERS * receivers.length,
    completedSeconds,
    drainedSeconds,
    api: { idleP99Ms: p99(idle), duringP99Ms: p99(during), idleRequests: idle.length, duringRequests: during.length },
    messages: messages.map((m) => ({
      id: m.id,
      status: m.status,
      attempts: m.attempts,
      eventAt: Date.parse((m.payload as { timestamp: string }).timestamp),
    })),
  };
  // Exit only once the (long) line is written: a pipe may take it in several turns.
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(out)}\n`, () => process.exit(0));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
