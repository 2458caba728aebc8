/**
 * The inline sender (embedded mode, or PostgreSQL without Inngest): the same
 * `deliverDue` as the Inngest function, run when messages are written
 * (`kick`), when the next retry is due, and on a sweep timer — so messages
 * written before a crash or a restart are sent when the process starts again.
 * Started and stopped with the inline export runner.
 */
import { logger } from "@/lib/logger";
import { deliverDue } from "./deliver";
import { webhookSettings, type WebhookSettings } from "./settings";

const SWEEP_INTERVAL_MS = 5_000;

export class WebhookDispatcher {
  private stopped = true;
  private sweepTimer?: NodeJS.Timeout;
  private dueTimer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly settings: WebhookSettings = webhookSettings) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.sweepTimer = setInterval(() => this.kick(), SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
    this.kick();
  }

  get started(): boolean {
    return !this.stopped;
  }

  /** Sends what is due now (again after the current pass, if one is running). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pass().finally(() => {
      this.running = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        this.kick();
      } else {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const w of waiters) w();
      }
    });
  }

  private async pass() {
    try {
      let r = await deliverDue({ settings: this.settings });
      while (r.more && !this.stopped) r = await deliverDue({ settings: this.settings });
      this.scheduleNext(r.nextDueAt);
    } catch (err) {
      logger.error("webhook delivery pass failed", { error: err });
    }
  }

  /** A timer for the next retry when it comes before the next sweep. */
  private scheduleNext(at: string | null) {
    if (this.dueTimer) clearTimeout(this.dueTimer);
    this.dueTimer = undefined;
    if (!at || this.stopped) return;
    const wait = Date.parse(at) - Date.now();
    if (wait >= SWEEP_INTERVAL_MS) return;
    this.dueTimer = setTimeout(() => this.kick(), Math.max(0, wait) + 5);
    this.dueTimer.unref();
  }

  /** Resolves when no pass is running (tests). */
  idle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    if (this.dueTimer) clearTimeout(this.dueTimer);
    await this.running;
  }
}

const globalForDispatcher = globalThis as unknown as { __takeoffWebhooks?: WebhookDispatcher };

/** The process-wide dispatcher (survives Next.js dev reloads). */
export function getWebhookDispatcher(): WebhookDispatcher {
  globalForDispatcher.__takeoffWebhooks ??= new WebhookDispatcher();
  return globalForDispatcher.__takeoffWebhooks;
}

/** A fresh dispatcher in place of the process-wide one (a restart, in tests). */
export function replaceWebhookDispatcher(next: WebhookDispatcher): void {
  globalForDispatcher.__takeoffWebhooks = next;
}
