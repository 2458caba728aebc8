// tick-schedules under @inngest/test: every minute, the shared tick in steps until no due schedule is left.
import { InngestTestEngine } from "@inngest/test";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { tickSchedulesFunction } from "@/inngest/functions/tick-schedules";
import { tickSchedules, type TickResult } from "@/lib/schedules/tick";

vi.mock("@/lib/schedules/tick", () => ({ tickSchedules: vi.fn() }));
const tick = vi.mocked(tickSchedules);

const cronEvent = { name: "inngest/scheduled.timer", data: { cron: "* * * * *" } };
const result = (over: Partial<TickResult> = {}): TickResult => ({
  claimed: 0,
  created: 0,
  replayed: 0,
  deferred: 0,
  failed: 0,
  paused: 0,
  errors: 0,
  more: false,
  ...over,
});

beforeEach(() => {
  vi.resetAllMocks();
});

describe("tick-schedules", () => {
  it("runs every minute, one at a time, and calls the shared tick in a step", async () => {
    tick.mockResolvedValue(result({ claimed: 3, created: 2, replayed: 1 }));
    const t = new InngestTestEngine({ function: tickSchedulesFunction, events: [cronEvent] });

    const { result: out, ctx } = await t.execute();

    expect(tickSchedulesFunction.opts.triggers).toEqual([{ cron: "* * * * *" }]);
    expect(tickSchedulesFunction.opts.concurrency).toEqual({ limit: 1 });
    expect(ctx.step.run).toHaveBeenCalledWith("tick-0", expect.any(Function));
    expect(tick).toHaveBeenCalledTimes(1);
    expect(tick.mock.calls[0][0]).toMatchObject({ budgetMs: expect.any(Number) });
    expect(out).toEqual({ claimed: 3, created: 2, replayed: 1, deferred: 0, failed: 0, paused: 0, errors: 0, steps: 1 });
  });

  it("a minute with more due schedules than one step's budget takes further steps and adds them up", async () => {
    tick
      .mockResolvedValueOnce(result({ claimed: 200, created: 200, more: true }))
      .mockResolvedValueOnce(result({ claimed: 150, created: 149, deferred: 1, more: true }))
      .mockResolvedValueOnce(result({ claimed: 5, created: 4, paused: 1 }));
    const t = new InngestTestEngine({ function: tickSchedulesFunction, events: [cronEvent] });

    const { result: out, ctx } = await t.execute();

    expect(ctx.step.run.mock.calls.map((c) => c[0])).toEqual(["tick-0", "tick-1", "tick-2"]);
    expect(out).toEqual({ claimed: 355, created: 353, replayed: 0, deferred: 1, failed: 0, paused: 1, errors: 0, steps: 3 });
  });
});
