/**
 * tick-schedules, every minute: due schedules become exports (SPEC §13.3), the same code as the
 * inline runner's timer (lib/schedules/tick.ts). Each step works through due schedules for at most
 * STEP_BUDGET_MS; a minute with more than that gets further steps.
 */
import { cron } from "inngest";
import { inngest } from "@/inngest/client";
import { tickSchedules } from "@/lib/schedules/tick";

const STEP_BUDGET_MS = 20_000;
const MAX_STEPS = 10;

export const tickSchedulesFunction = inngest.createFunction(
  {
    id: "tick-schedules",
    name: "Run due export schedules",
    triggers: [cron("* * * * *")],
    // Overlapping ticks would only skip each other's claims; one at a time keeps the work in one place.
    concurrency: { limit: 1 },
  },
  async ({ step }) => {
    const totals = { claimed: 0, created: 0, replayed: 0, deferred: 0, failed: 0, paused: 0, errors: 0, steps: 0 };
    for (let i = 0; i < MAX_STEPS; i++) {
      const r = await step.run(`tick-${i}`, () => tickSchedules({ budgetMs: STEP_BUDGET_MS }));
      totals.steps++;
      for (const k of ["claimed", "created", "replayed", "deferred", "failed", "paused", "errors"] as const) totals[k] += r[k];
      if (!r.more) break;
    }
    return totals;
  },
);
