// The cron functions: cleanup-expired-exports and sweep-stalled-exports under @inngest/test.
import { InngestTestEngine } from "@inngest/test";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { cleanupExpiredExports } from "@/inngest/functions/cleanup-expired-exports";
import { sweepStalledExports } from "@/inngest/functions/sweep-stalled-exports";
import * as pipeline from "@/lib/exports/pipeline";

vi.mock("@/lib/exports/pipeline", () => ({
  start: vi.fn(),
  renderAndUpload: vi.fn(),
  finish: vi.fn(),
  fail: vi.fn(),
  sweepStalled: vi.fn(),
  cleanupExpired: vi.fn(),
}));
const stages = vi.mocked(pipeline);

const cronEvent = { name: "inngest/scheduled.timer", data: { cron: "* * * * *" } };

beforeEach(() => {
  vi.resetAllMocks();
});

describe("cleanup-expired-exports", () => {
  it("runs the expiry cleanup in a step, hourly", async () => {
    stages.cleanupExpired.mockResolvedValue({ expired: 2, deletionsRetried: 1, tempFilesRemoved: 0 });
    const t = new InngestTestEngine({ function: cleanupExpiredExports, events: [cronEvent] });

    const { result, ctx } = await t.execute();

    expect(result).toEqual({ expired: 2, deletionsRetried: 1, tempFilesRemoved: 0 });
    expect(ctx.step.run).toHaveBeenCalledWith("cleanup-expired", expect.any(Function));
    expect(stages.cleanupExpired).toHaveBeenCalledTimes(1);
    expect(cleanupExpiredExports.opts.triggers).toEqual([{ cron: "0 * * * *" }]);
  });
});

describe("sweep-stalled-exports", () => {
  it("re-sends exports/export.requested for each re-queued export with a fresh event id", async () => {
    stages.sweepStalled.mockResolvedValue({
      requeued: [
        { id: "exp-1", userId: "user-1" },
        { id: "exp-2", userId: "user-2" },
      ],
      failed: ["exp-3"],
    });
    // step.sendEvent would call the Event API; its outcome is mocked as a completed step.
    const t = new InngestTestEngine({
      function: sweepStalledExports,
      events: [cronEvent],
      steps: [{ id: "requeue", handler: () => ({ ids: ["a", "b"] }) }],
    });

    const { result, ctx } = await t.execute();

    expect(result).toEqual({ requeued: ["exp-1", "exp-2"], failed: ["exp-3"] });
    expect(stages.sweepStalled).toHaveBeenCalledTimes(1);
    expect(ctx.step.sendEvent).toHaveBeenCalledTimes(1);
    const [id, events] = ctx.step.sendEvent.mock.calls[0] as [string, { name: string; id: string; data: unknown }[]];
    expect(id).toBe("requeue");
    expect(events).toMatchObject([
      { name: "exports/export.requested", data: { exportId: "exp-1", userId: "user-1" }, id: `exp-1:stall-${ctx.runId}` },
      { name: "exports/export.requested", data: { exportId: "exp-2", userId: "user-2" }, id: `exp-2:stall-${ctx.runId}` },
    ]);
    // never the export id alone: that one was used by the first run and would be de-duplicated away
    expect(events.map((e) => e.id)).not.toContain("exp-1");
    expect(sweepStalledExports.opts.triggers).toEqual([{ cron: "* * * * *" }]);
  });

  it("sends nothing when no export stalled", async () => {
    stages.sweepStalled.mockResolvedValue({ requeued: [], failed: ["exp-9"] });
    const t = new InngestTestEngine({ function: sweepStalledExports, events: [cronEvent] });

    const { result, ctx } = await t.execute();

    expect(result).toEqual({ requeued: [], failed: ["exp-9"] });
    expect(ctx.step.sendEvent).not.toHaveBeenCalled();
  });
});
