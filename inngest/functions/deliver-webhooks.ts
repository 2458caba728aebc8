/**
 * deliver-webhooks and sweep-webhooks (SPEC §14.1): the same sender as the
 * inline dispatcher (lib/webhooks/deliver.ts), run when messages are written
 * (event `webhooks/messages.due`, batched) and every minute (a notice lost to
 * a crash after the commit only delays the delivery). Each round is a step
 * (retried by Inngest on an infrastructure error); between rounds the run
 * sleeps until the next retry when it is due within the minute, so the
 * 5-second first retry is kept. Claims are leases taken with SKIP LOCKED:
 * overlapping runs never send one attempt twice.
 */
import { cron } from "inngest";
import { inngest } from "@/inngest/client";
import { webhooksDue } from "@/inngest/webhook-events";
import { deliverDue } from "@/lib/webhooks/deliver";

const ROUND_BUDGET_MS = 20_000;
const MAX_ROUNDS = 12;
/** A retry due sooner than this is waited for in the run; a later one is the next sweep's. */
const SLEEP_HORIZON_MS = 55_000;

type Round = { attempted: number; succeeded: number; more: boolean; wake: string | null };
type Step = {
  run(id: string, fn: () => Promise<Round>): Promise<Round>;
  sleepUntil(id: string, time: Date | string): Promise<void>;
};

/** Rounds of deliverDue; the decision to sleep is made inside the step, so a replay takes the same path. */
export async function deliveryRounds(step: Step): Promise<{ attempted: number; succeeded: number; rounds: number }> {
  const totals = { attempted: 0, succeeded: 0, rounds: 0 };
  for (let i = 0; i < MAX_ROUNDS; i++) {
    const r = await step.run(`deliver-${i}`, async () => {
      const result = await deliverDue({ budgetMs: ROUND_BUDGET_MS });
      const wake = result.nextDueAt && Date.parse(result.nextDueAt) - Date.now() < SLEEP_HORIZON_MS ? result.nextDueAt : null;
      return { attempted: result.attempted, succeeded: result.succeeded, more: result.more, wake };
    });
    totals.attempted += r.attempted;
    totals.succeeded += r.succeeded;
    totals.rounds++;
    if (r.more) continue;
    if (!r.wake) break;
    await step.sleepUntil(`wait-${i}`, r.wake);
  }
  return totals;
}

export const deliverWebhooks = inngest.createFunction(
  {
    id: "deliver-webhooks",
    name: "Deliver webhooks",
    triggers: [webhooksDue],
    // A burst of finished exports becomes one run.
    batchEvents: { maxSize: 100, timeout: "1s" },
    retries: 3,
  },
  async ({ step }) => deliveryRounds(step),
);

export const sweepWebhooks = inngest.createFunction(
  {
    id: "sweep-webhooks",
    name: "Sweep due webhook deliveries",
    triggers: [cron("* * * * *")],
    concurrency: { limit: 1 },
    retries: 3,
  },
  async ({ step }) => deliveryRounds(step),
);
