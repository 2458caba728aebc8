/**
 * sweep-stalled-exports, every minute: processing exports without a heartbeat for EXPORT_STALL_SECONDS
 * are re-queued, or failed after their last attempt, so a dead worker's export is back within about a minute.
 */
import { cron } from "inngest";
import { inngest } from "@/inngest/client";
import { exportRequested } from "@/inngest/events";
import * as pipeline from "@/lib/exports/pipeline";

export const sweepStalledExports = inngest.createFunction(
  {
    id: "sweep-stalled-exports",
    name: "Sweep stalled exports",
    triggers: [cron("* * * * *")],
    // Overlapping sweeps would re-queue the same export twice.
    concurrency: { limit: 1 },
  },
  async ({ step, runId }) => {
    // Its own step, so a failed send below retries without sweeping (and counting an attempt) again.
    const { requeued, failed } = await step.run("sweep", () => pipeline.sweepStalled());
    if (requeued.length > 0) {
      // The first run's event id is the export id, so re-queueing needs a new one; the run id
      // is unique per sweep and stable across this run's retries, so a re-sent batch de-duplicates.
      await step.sendEvent(
        "requeue",
        requeued.map((job) => exportRequested.create({ exportId: job.id, userId: job.userId }, { id: `${job.id}:stall-${runId}` })),
      );
    }
    return { requeued: requeued.map((job) => job.id), failed };
  },
);
