/** cleanup-expired-exports (hourly): files past expires_at are deleted and their exports marked expired; queued storage deletions are retried. */
import { cron } from "inngest";
import { inngest } from "@/inngest/client";
import * as pipeline from "@/lib/exports/pipeline";

export const cleanupExpiredExports = inngest.createFunction(
  {
    id: "cleanup-expired-exports",
    name: "Clean up expired exports",
    triggers: [cron("0 * * * *")],
    // One sweep at a time: a slow run must not overlap the next hour's.
    concurrency: { limit: 1 },
  },
  async ({ step }) => step.run("cleanup-expired", () => pipeline.cleanupExpired()),
);
