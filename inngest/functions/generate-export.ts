/** generate-export: one export's pipeline stages (start → render-and-upload → finish) as durable Inngest steps (SPEC §7). */
import { NonRetriableError, type InngestFunction } from "inngest";
import { inngest } from "@/inngest/client";
import { exportCancelled, exportRequested } from "@/inngest/events";
import { env } from "@/lib/env";
import { errorKindOf, readableMessage } from "@/lib/exports/errors";
import { isFinalFailure } from "@/lib/exports/model";
import { ExportCancelledError } from "@/lib/exports/formats/types";
import * as pipeline from "@/lib/exports/pipeline";

type Retries = NonNullable<InngestFunction.Options["retries"]>;

// Inngest counts retries per step, the spec counts attempts (3 in all = 2 retries).
const RETRIES = Math.max(0, Math.min(20, env.EXPORTS_MAX_ATTEMPTS - 1)) as Retries;

/** Inngest's attempt of the step being run: zero-based, reset when a step completes. */
export type StepAttempt = { attempt: number; maxAttempts?: number };

export type GenerateExportOutcome = "completed" | "cancelled" | "skipped";

/**
 * Runs one stage inside its step with the job's error policy:
 * - a retry (attempt > 0) first re-claims the export: the failed attempt put
 *   it back to `pending`, and `start` moves it to `processing` again with
 *   attempts+1, so the row counts Inngest's attempts like the inline runner's.
 *   When the claim fails the export was cancelled, deleted or taken over
 *   (e.g. by the stall sweep), so this run steps aside.
 * - cancellation returns null: the run ends quietly.
 * - a user error is recorded as final and becomes a NonRetriableError.
 * - a system error is recorded ("waiting to retry", or failed on the last
 *   attempt) and rethrown so Inngest retries the step with backoff.
 */
export async function runStage<T>(exportId: string, { attempt, maxAttempts }: StepAttempt, stage: () => Promise<T>): Promise<T | null> {
  try {
    if (attempt > 0 && !(await pipeline.start(exportId))) return null;
    return await stage();
  } catch (err) {
    if (err instanceof ExportCancelledError) return null;
    // Inngest counts attempts of this step from 0; the rule is the inline runner's (lib/exports/model.ts).
    const final = isFinalFailure(errorKindOf(err), attempt + 1, maxAttempts ?? env.EXPORTS_MAX_ATTEMPTS);
    await pipeline.fail(exportId, err, { final });
    if (final) throw new NonRetriableError(readableMessage(err), { cause: err });
    throw err;
  }
}

type FailureEvent = { data: { event: { data?: { exportId?: unknown } } } };

/**
 * onFailure: the run gave up (retries exhausted in any step, or a
 * non-retriable error). Marks the export failed with a readable message; a
 * no-op when the step already recorded the failure (fail only touches active
 * exports).
 */
export async function markFailedFromEvent({ event, error }: { event: FailureEvent; error: unknown }): Promise<void> {
  const exportId = event.data.event.data?.exportId;
  if (typeof exportId !== "string") return;
  await pipeline.fail(exportId, error, { final: true });
}

export const generateExport = inngest.createFunction(
  {
    id: "generate-export",
    name: "Generate export",
    triggers: [exportRequested],
    // At most N renders per user at once; the rest wait in Inngest's queue and stay `pending`.
    concurrency: [{ key: "event.data.userId", limit: env.EXPORTS_CONCURRENCY_PER_USER }],
    cancelOn: [{ event: exportCancelled, match: "data.exportId" }],
    retries: RETRIES,
    onFailure: markFailedFromEvent,
  },
  async ({ event, step, attempt, maxAttempts }): Promise<{ exportId: string; outcome: GenerateExportOutcome }> => {
    const { exportId } = event.data;
    const ctx = { attempt, maxAttempts };

    const claimed = await step.run("start", () => pipeline.start(exportId));
    if (!claimed) return { exportId, outcome: "skipped" }; // already terminal or run by someone else

    // The step output is the StoredFile (keys, sizes, counts); bytes go straight to storage.
    const file = await step.run("render-and-upload", () => runStage(exportId, ctx, () => pipeline.renderAndUpload(exportId)));
    if (!file) return { exportId, outcome: "cancelled" };

    const done = await step.run("finish", () => runStage(exportId, ctx, () => pipeline.finish(exportId, file)));
    return { exportId, outcome: done ? "completed" : "cancelled" };
  },
);
