// tick-schedules on the real database: the cron function turns a due schedule into its slot's export (sent on
// as exports/export.requested by the runner), once, and the next minute's run finds nothing to do.
// Embedded mode only: the function ticks on the real clock over the whole database, and on the shared
// PostgreSQL of the test run it would also run other files' schedules (tests/integration/schedule-tick.test.ts
// covers the tick on PostgreSQL with its clock injected).
import { InngestTestEngine } from "@inngest/test";
import { eq } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { getDb } from "@/db";
import { exports, exportSchedules } from "@/db/schema";
import { tickSchedulesFunction } from "@/inngest/functions/tick-schedules";
import { env } from "@/lib/env";
import { createSchedule } from "@/lib/schedules/services";
import { CreateScheduleBodySchema } from "@/lib/schedules/schemas";
import { createTestProject, createTestUser } from "../helpers/app";

// The runner records what would be sent to Inngest.
const runner = vi.hoisted(() => ({
  kind: "inngest" as const,
  enqueue: vi.fn<(job: { id: string; userId: string }) => Promise<void>>(async () => {}),
  cancel: vi.fn(async () => {}),
  stop: vi.fn(async () => {}),
}));
vi.mock("@/lib/exports/runner", () => ({ getRunner: () => runner, startRunner: async () => {}, InlineRunner: class {} }));

const cronEvent = { name: "inngest/scheduled.timer", data: { cron: "* * * * *" } };

describe.runIf(!env.DATABASE_URL)("tick-schedules on the database", () => {
  it("makes the due slot's export once and moves the schedule to its next slot", async () => {
    const user = await createTestUser();
    const project = await createTestProject(user);
    // Due a minute ago on the real clock, which the function ticks on.
    const slot = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000);
    const body = CreateScheduleBodySchema.parse({
      name: "Every day",
      source: { type: "project", id: project.id },
      format: "json",
      cadence: { every: "day", at: slot.toISOString().slice(11, 16) },
    });
    const schedule = await createSchedule({ userId: user.id, body, now: new Date(slot.getTime() - 60_000) });
    expect(schedule.next_run_at).toBe(slot.toISOString());

    const first = await new InngestTestEngine({ function: tickSchedulesFunction, events: [cronEvent] }).execute();
    expect(first.result).toMatchObject({ claimed: 1, created: 1, replayed: 0, steps: 1 });
    const db = await getDb();
    const made = await db.select().from(exports).where(eq(exports.scheduleId, schedule.id));
    expect(made).toHaveLength(1);
    expect(made[0]).toMatchObject({ format: "json", status: "pending", name: `Every day ${slot.toISOString().slice(0, 10)}` });
    expect(made[0].scheduleSlot!.toISOString()).toBe(slot.toISOString());
    expect(runner.enqueue).toHaveBeenCalledWith({ id: made[0].id, userId: user.id });
    const [row] = await db.select().from(exportSchedules).where(eq(exportSchedules.id, schedule.id));
    expect(row.nextRunAt!.getTime()).toBe(slot.getTime() + 24 * 3600_000);

    const again = await new InngestTestEngine({ function: tickSchedulesFunction, events: [cronEvent] }).execute();
    expect(again.result).toMatchObject({ claimed: 0, created: 0 });
    expect(await db.select().from(exports).where(eq(exports.scheduleId, schedule.id))).toHaveLength(1);
  });
});
