/**
 * Who runs export jobs. Inngest when INNGEST_EVENT_KEY or INNGEST_DEV is set
 * (durable, many instances); otherwise the inline runner inside this process:
 * a queue with EXPORTS_INLINE_CONCURRENCY workers and the per-user limit,
 * heartbeats (via the pipeline), stall and expiry sweeps on timers, and
 * recovery of unfinished exports at start-up. The database is the source of
 * truth; the in-memory queue is only a cache of `pending` rows.
 */
import { asc, eq } from "drizzle-orm";
import { getDb } from "@/db";
import { exports } from "@/db/schema";
import { env, isEmbedded, modes } from "@/lib/env";
import { logger } from "@/lib/logger";
import { getWebhookDispatcher } from "@/lib/webhooks/dispatcher";
import { ExportCancelledError } from "./formats/types";
import { cleanupExpired, runExport, sweepStalled } from "./pipeline";

export type Job = { id: string; userId: string; attempt?: number };

export interface ExportRunner {
  readonly kind: "inline" | "inngest";
  enqueue(job: Job): Promise<void>;
  cancel(job: Job): Promise<void>;
  stop(): Promise<void>;
}

// With EXPORT_STALL_SECONDS (45 s), a dead process's export is taken over within a minute on PostgreSQL.
const SWEEP_INTERVAL_MS = 10_000;
const CLEANUP_INTERVAL_MS = 60 * 60 * 1000;
// Schedules have minute precision; a tick every 15 s starts a slot's export within 15 s of its time.
const SCHEDULE_TICK_MS = 15_000;

export class InlineRunner implements ExportRunner {
  readonly kind = "inline";
  private queue: Job[] = [];
  private running = new Map<string, { userId: string; abort: AbortController; done: Promise<void> }>();
  private retryTimers = new Map<string, NodeJS.Timeout>();
  /** Jobs enqueued while an earlier run of the same export was still winding down (cancel, then retry at once). */
  private rerun = new Map<string, Job>();
  private timers: NodeJS.Timeout[] = [];
  private startPromise?: Promise<void>;
  private stopped = false;
  /** The schedule tick under way, if any. */
  private ticking?: Promise<void>;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly concurrency = env.EXPORTS_INLINE_CONCURRENCY,
    private readonly perUser = env.EXPORTS_CONCURRENCY_PER_USER,
  ) {}

  /** Recovers unfinished work and starts the sweeps; safe to call more than once. */
  start(): Promise<void> {
    this.startPromise ??= this.recover().then(() => {
      this.timers.push(
        setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS),
        setInterval(() => void cleanupExpired().catch((err) => logger.error("cleanup failed", { error: err })), CLEANUP_INTERVAL_MS),
        setInterval(() => void this.tickSchedules(), SCHEDULE_TICK_MS),
      );
      for (const t of this.timers) t.unref();
      // Webhook deliveries (SPEC §14.1): messages written before a restart are sent now, new ones as they come.
      getWebhookDispatcher().start();
      void cleanupExpired().catch((err) => logger.error("cleanup failed", { error: err }));
      // At start-up too: a slot missed while the server was down runs now (the latest one only).
      void this.tickSchedules();
    });
    return this.startPromise;
  }

  /** Due schedules become exports (lib/schedules/tick.ts, the same code as the Inngest cron); never two ticks at once here. */
  private tickSchedules(): Promise<void> {
    if (this.ticking || this.stopped) return this.ticking ?? Promise.resolve();
    this.ticking = (async () => {
      try {
        const { tickSchedules } = await import("@/lib/schedules/tick");
        await tickSchedules({ budgetMs: SCHEDULE_TICK_MS });
      } catch (err) {
        logger.error("schedule tick failed", { error: err });
      } finally {
        this.ticking = undefined;
      }
    })();
    return this.ticking;
  }

  private async recover() {
    // In the embedded mode one process owns the database, so any export still
    // `processing` at start-up belonged to a process that died.
    const { requeued, failed } = await sweepStalled({ includeAllProcessing: isEmbedded });
    if (requeued.length || failed.length) logger.info("recovered unfinished exports", { requeued: requeued.length, failed: failed.length });
    await this.enqueuePending();
  }

  private async sweep() {
    try {
      const { requeued } = await sweepStalled();
      for (const job of requeued) this.push(job);
      await this.enqueuePending();
    } catch (err) {
      logger.error("stall sweep failed", { error: err });
    }
  }

  /** Pending rows the queue does not know about (e.g. created before a restart). */
  private async enqueuePending() {
    const db = await getDb();
    const rows = await db
      .select({ id: exports.id, userId: exports.userId })
      .from(exports)
      .where(eq(exports.status, "pending"))
      .orderBy(asc(exports.createdAt))
      .limit(1000);
    for (const row of rows) if (!this.retryTimers.has(row.id)) this.push(row);
  }

  async enqueue(job: Job): Promise<void> {
    await this.start();
    this.push(job);
  }

  private push(job: Job) {
    if (this.stopped || this.queue.some((j) => j.id === job.id)) return;
    if (this.running.has(job.id)) {
      // The running attempt may be about to stop (it was cancelled); the new request runs after it.
      this.rerun.set(job.id, { id: job.id, userId: job.userId, attempt: job.attempt });
      return;
    }
    this.queue.push({ id: job.id, userId: job.userId, attempt: job.attempt });
    // On the next turn, so the request that queued the job answers before the job takes the event loop.
    setImmediate(() => this.pump());
  }

  async cancel(job: Job): Promise<void> {
    this.queue = this.queue.filter((j) => j.id !== job.id);
    const timer = this.retryTimers.get(job.id);
    if (timer) clearTimeout(timer);
    this.retryTimers.delete(job.id);
    this.rerun.delete(job.id);
    // The reason tells the pipeline this is a cancellation, not a failure to retry.
    this.running.get(job.id)?.abort.abort(new ExportCancelledError());
    this.notifyIfIdle();
  }

  private activeFor(userId: string): number {
    let n = 0;
    for (const r of this.running.values()) if (r.userId === userId) n++;
    return n;
  }

  private pump() {
    for (let i = 0; i < this.queue.length && this.running.size < this.concurrency;) {
      const job = this.queue[i];
      if (this.activeFor(job.userId) >= this.perUser) {
        i++;
        continue;
      }
      this.queue.splice(i, 1);
      this.run(job);
    }
    this.notifyIfIdle();
  }

  private run(job: Job) {
    const abort = new AbortController();
    // job.attempt: the first attempt of this run (a manual retry starts a new run with its own budget).
    const done = runExport(job.id, { signal: abort.signal, firstAttempt: job.attempt })
      .then(async (outcome) => {
        // Awaited, so the retry timer exists before this run counts as finished (drain() must not see a gap).
        if (outcome === "retry") await this.scheduleRetry(job);
      })
      .catch((err) => logger.error("export run crashed", { exportId: job.id, error: err }))
      .finally(() => {
        this.running.delete(job.id);
        const again = this.rerun.get(job.id);
        this.rerun.delete(job.id);
        if (again && !this.stopped) this.queue.push(again);
        this.pump();
      });
    this.running.set(job.id, { userId: job.userId, abort, done });
  }

  private async scheduleRetry(job: Job) {
    const db = await getDb();
    const [row] = await db.select({ attempts: exports.attempts }).from(exports).where(eq(exports.id, job.id));
    const delay = Math.min(60_000, env.EXPORTS_RETRY_DELAY_MS * 2 ** Math.max(0, (row?.attempts ?? 1) - 1));
    const timer = setTimeout(() => {
      this.retryTimers.delete(job.id);
      this.push(job);
    }, delay);
    timer.unref();
    this.retryTimers.set(job.id, timer);
  }

  private isIdle() {
    return this.queue.length === 0 && this.running.size === 0 && this.retryTimers.size === 0;
  }

  private notifyIfIdle() {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Resolves when nothing is queued, running or waiting to retry (tests, shutdown). */
  drain(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Counts for /api/health. */
  stats() {
    return { queued: this.queue.length, running: this.running.size, retrying: this.retryTimers.size };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    for (const t of this.retryTimers.values()) clearTimeout(t);
    this.retryTimers.clear();
    this.queue = [];
    const running = [...this.running.values()];
    for (const r of running) r.abort.abort();
    await Promise.allSettled(running.map((r) => r.done));
    await getWebhookDispatcher().stop();
    await this.ticking;
    await this.startPromise?.catch(() => {});
  }
}

/** Sends events to Inngest, which calls back /api/inngest (inngest/functions). */
export class InngestRunner implements ExportRunner {
  readonly kind = "inngest";

  async enqueue(job: Job): Promise<void> {
    const { inngest } = await import("@/inngest/client");
    // The event id de-duplicates sends for one attempt; a manual retry is a new run.
    await inngest.send({
      name: "exports/export.requested",
      id: job.attempt ? `${job.id}:retry-${job.attempt}` : job.id,
      data: { exportId: job.id, userId: job.userId },
    });
  }

  async cancel(job: Job): Promise<void> {
    const { inngest } = await import("@/inngest/client");
    await inngest.send({ name: "exports/export.cancelled", data: { exportId: job.id, userId: job.userId } });
  }

  async stop(): Promise<void> {}
}

const globalForRunner = globalThis as unknown as { __takeoffRunner?: ExportRunner };

/** The process-wide runner; survives Next.js dev reloads without starting twice. */
export function getRunner(): ExportRunner {
  globalForRunner.__takeoffRunner ??= modes.runner === "inngest" ? new InngestRunner() : new InlineRunner();
  return globalForRunner.__takeoffRunner;
}

/** Called from instrumentation at start-up. */
export async function startRunner(): Promise<void> {
  const runner = getRunner();
  if (runner instanceof InlineRunner) await runner.start();
}
