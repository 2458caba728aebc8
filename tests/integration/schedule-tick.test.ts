// The schedule tick (SPEC §13.3) on a clock the tests move: one export per slot, catch-up of the latest slot only,
// restarts, the per-user limit, failures and deleted sources pausing, edits and pause/resume between slots.
// The clock runs in 2031 so that the real-time ticks of other test files' runners never see these schedules due.
import { and, eq, isNotNull } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb, type Db } from "@/db";
import { env } from "@/lib/env";
import { documents, exportSchedules, exports } from "@/db/schema";
import { userError } from "@/lib/exports/errors";
import { transition } from "@/lib/exports/lifecycle";
import { fail, start } from "@/lib/exports/pipeline";
import { claimDue, tickSchedules } from "@/lib/schedules/tick";
import { createSchedule, makeScheduledExport, patchSchedule, pauseSchedule, resumeSchedule } from "@/lib/schedules/services";
import { isSlotTaken } from "@/lib/schedules/services/run";
import { CreateScheduleBodySchema } from "@/lib/schedules/schemas";
import { callRoute, createTestProject, createTestUser, type TestUser } from "../helpers/app";
import { InlineRunner } from "@/lib/exports/runner";
import { exportJobsFixture, holdingRunner, installRunner, patchEnv, until } from "../helpers/export-jobs";

const jobs = exportJobsFixture();

function clockAt(iso: string) {
  const c = {
    t: new Date(iso),
    now: () => new Date(c.t),
    set(s: string) {
      c.t = new Date(s);
    },
    advance(ms: number) {
      c.t = new Date(c.t.getTime() + ms);
    },
  };
  return c;
}

async function newSchedule(user: TestUser, now: Date, over: Record<string, unknown> = {}) {
  users = [user.id];
  const project = await createTestProject(user);
  const body = CreateScheduleBodySchema.parse({
    name: "Nightly takeoff",
    source: { type: "document", id: project.documents[0].id },
    format: "csv",
    cadence: { every: "day", at: "07:00" },
    timezone: "UTC",
    ...over,
  });
  const schedule = await createSchedule({ userId: user.id, body, now });
  return { project, schedule };
}

async function exportsOf(scheduleId: string) {
  const db = await getDb();
  return db.select().from(exports).where(eq(exports.scheduleId, scheduleId)).orderBy(exports.createdAt);
}

async function scheduleRow(id: string) {
  const db = await getDb();
  const [row] = await db.select().from(exportSchedules).where(eq(exportSchedules.id, id));
  return row;
}

/**
 * A tick on the injected clock, over this file's users only: the database is shared with the other test
 * files (and with this file's earlier tests, whose schedules a later clock would find due).
 */
let users: string[] = [];
const tick = (clock: { now: () => Date }) => tickSchedules({ now: clock.now, userIds: users });

describe("slots become exports", () => {
  it("a due daily slot makes one export named after the schedule and the local date, then waits for the next slot", async () => {
    installRunner(holdingRunner());
    const user = await createTestUser();
    const clock = clockAt("2031-03-03T06:00:00Z");
    const { schedule } = await newSchedule(user, clock.now(), { timezone: "America/New_York", cadence: { every: "day", at: "07:00" } });
    expect(schedule.next_run_at).toBe("2031-03-03T12:00:00.000Z");

    clock.set("2031-03-03T11:59:00Z");
    expect((await tick(clock)).claimed).toBe(0);
    clock.set("2031-03-03T12:00:20Z");
    expect(await tick(clock)).toMatchObject({ claimed: 1, created: 1 });
    expect(await tick(clock)).toMatchObject({ claimed: 0 });

    const made = await exportsOf(schedule.id);
    expect(made).toHaveLength(1);
    expect(made[0]).toMatchObject({ name: "Nightly takeoff 2031-03-03", format: "csv", status: "pending", scheduleId: schedule.id });
    expect(made[0].scheduleSlot!.toISOString()).toBe("2031-03-03T12:00:00.000Z");
    const row = await scheduleRow(schedule.id);
    expect(row.nextRunAt!.toISOString()).toBe("2031-03-04T12:00:00.000Z");
    expect(row.lastExportId).toBe(made[0].id);
    expect(row.lastRunAt!.toISOString()).toBe("2031-03-03T12:00:20.000Z");

    // The list filter finds it.
    const listed = await (await callRoute("GET", `/api/exports?schedule_id=${schedule.id}`, { as: user })).json();
    expect(listed.exports.map((e: { id: string }) => e.id)).toEqual([made[0].id]);
    expect(listed.total).toBe(1);
  });

  it("after 3 hours down, the missed slot runs once at the next tick", async () => {
    installRunner(holdingRunner());
    const user = await createTestUser();
    const clock = clockAt("2031-05-01T05:00:00Z");
    const { schedule } = await newSchedule(user, clock.now());
    // Down from 06:00 to 09:00: the 07:00 slot passes with nobody ticking.
    clock.set("2031-05-01T09:00:00Z");
    expect(await tick(clock)).toMatchObject({ claimed: 1, created: 1 });
    const made = await exportsOf(schedule.id);
    expect(made.map((e) => e.scheduleSlot!.toISOString())).toEqual(["2031-05-01T07:00:00.000Z"]);
    expect((await scheduleRow(schedule.id)).nextRunAt!.toISOString()).toBe("2031-05-02T07:00:00.000Z");
  });

  it("after three days down, only the latest missed slot runs: one export, not three", async () => {
    installRunner(holdingRunner());
    const user = await createTestUser();
    const clock = clockAt("2031-05-01T05:00:00Z");
    const { schedule } = await newSchedule(user, clock.now());
    clock.set("2031-05-04T08:30:00Z");
    expect(await tick(clock)).toMatchObject({ claimed: 1, created: 1 });
    clock.advance(60_000);
    expect(await tick(clock)).toMatchObject({ claimed: 0 });
    const made = await exportsOf(schedule.id);
    expect(made.map((e) => e.scheduleSlot!.toISOString())).toEqual(["2031-05-04T07:00:00.000Z"]);
  });

  it("a weekly schedule runs across the spring DST change at the local time", async () => {
    installRunner(holdingRunner());
    const user = await createTestUser();
    // 2031-03-09 is the spring-forward Sunday in New York.
    const clock = clockAt("2031-03-01T00:00:00Z");
    const { schedule } = await newSchedule(user, clock.now(), {
      timezone: "America/New_York",
      cadence: { every: "week", on: "sun", at: "02:30" },
    });
    expect(schedule.next_run_at).toBe("2031-03-02T07:30:00.000Z");
    for (const at of ["2031-03-02T07:30:00Z", "2031-03-09T07:00:00Z", "2031-03-16T06:30:00Z"]) {
      clock.set(at);
      expect(await tick(clock)).toMatchObject({ created: 1 });
    }
    const made = await exportsOf(schedule.id);
    expect(made.map((e) => [e.scheduleSlot!.toISOString(), e.name])).toEqual([
      ["2031-03-02T07:30:00.000Z", "Nightly takeoff 2031-03-02"],
      ["2031-03-09T07:00:00.000Z", "Nightly takeoff 2031-03-09"],
      ["2031-03-16T06:30:00.000Z", "Nightly takeoff 2031-03-16"],
    ]);
  });
});

describe("exactly once per slot", () => {
  it("the app killed right after creating a slot's export makes no second export after the restart", async () => {
    installRunner(holdingRunner());
    const user = await createTestUser();
    const clock = clockAt("2031-06-01T06:00:00Z");
    const { schedule } = await newSchedule(user, clock.now());
    clock.set("2031-06-01T07:00:05Z");
    const db = await getDb();
    // The dying instance claims the schedule and creates the slot's export, then dies before advancing next_run_at.
    const [claimed] = await claimDue(db, clock.now(), 10, [user.id]);
    expect(claimed).toBeDefined();
    const slot = new Date("2031-06-01T07:00:00Z");
    const first = await makeScheduledExport(db, claimed.schedule, slot, clock.now());
    expect(first.status).toBe(202);

    // A fresh tick while the lease holds leaves it alone; after the lease, it finds the slot made.
    clock.advance(30_000);
    expect(await tick(clock)).toMatchObject({ claimed: 0 });
    clock.advance(3 * 60_000);
    expect(await tick(clock)).toMatchObject({ claimed: 1, created: 0, replayed: 1 });
    const made = await exportsOf(schedule.id);
    expect(made.map((e) => e.id)).toEqual([first.body.export_id]);
    const row = await scheduleRow(schedule.id);
    expect(row.nextRunAt!.toISOString()).toBe("2031-06-02T07:00:00.000Z");
    expect(row.lastExportId).toBe(first.body.export_id);
  });

  it("two tick callers on one database, 100 slots in a row, concurrently: one export per slot", async () => {
    installRunner(holdingRunner());
    const undo = patchEnv({ EXPORTS_MAX_ACTIVE_PER_USER: 10_000, EXPORTS_CREATE_PER_MINUTE: 100_000 });
    try {
      const user = await createTestUser();
      const clock = clockAt("2032-01-01T00:00:00Z");
      const { schedule } = await newSchedule(user, clock.now());
      const db = await getDb();
      for (let day = 0; day < 100; day++) {
        clock.set(new Date(Date.UTC(2032, 0, 1 + day, 7, 0, 1)).toISOString());
        // Both callers race the claim; the loser also races the winner's creation directly, without a claim.
        const row = await scheduleRow(schedule.id);
        const slot = new Date(Date.UTC(2032, 0, 1 + day, 7));
        await Promise.all([tick(clock), tick(clock), makeScheduledExport(db, row, slot, clock.now())]);
      }
      const made = await exportsOf(schedule.id);
      expect(made).toHaveLength(100);
      expect(new Set(made.map((e) => e.scheduleSlot!.toISOString())).size).toBe(100);
    } finally {
      undo();
    }
  });
});

describe.runIf(Boolean(env.DATABASE_URL))("two app instances on one PostgreSQL (runs whenever TEST_DATABASE_URL is set)", () => {
  it("each with its own connection pool, ticking the same due schedule concurrently for 100 slots: one export per slot", async () => {
    installRunner(holdingRunner());
    const undo = patchEnv({ EXPORTS_MAX_ACTIVE_PER_USER: 10_000, EXPORTS_CREATE_PER_MINUTE: 100_000 });
    const { default: postgres } = await import("postgres");
    const { drizzle } = await import("drizzle-orm/postgres-js");
    const schema = await import("@/db/schema");
    const clients = [0, 1].map(() => postgres(env.DATABASE_URL!, { max: 4, onnotice: () => {}, connection: { TimeZone: "UTC" } }));
    const [a, b] = clients.map((c) => drizzle(c, { schema }) as unknown as Db);
    try {
      const user = await createTestUser();
      const clock = clockAt("2033-01-01T00:00:00Z");
      const { schedule } = await newSchedule(user, clock.now());
      let created = 0;
      let replayed = 0;
      for (let day = 0; day < 100; day++) {
        clock.set(new Date(Date.UTC(2033, 0, 1 + day, 7, 0, 1)).toISOString());
        const results = await Promise.all([a, b].map((db) => tickSchedules({ db, now: clock.now, userIds: [user.id] })));
        created += results.reduce((n, r) => n + r.created, 0);
        replayed += results.reduce((n, r) => n + r.replayed, 0);
        // Without the claim, both instances create the same slot at once: the slot's key decides.
        const row = await scheduleRow(schedule.id);
        const slot = new Date(Date.UTC(2033, 0, 1 + day, 7));
        const both = await Promise.all([a, b].map((db) => makeScheduledExport(db, row, slot, clock.now())));
        expect(new Set(both.map((r) => r.body.export_id)).size).toBe(1);
      }
      expect(created).toBe(100);
      expect(replayed).toBe(0);
      const made = await exportsOf(schedule.id);
      expect(made).toHaveLength(100);
      expect(new Set(made.map((e) => e.scheduleSlot!.toISOString())).size).toBe(100);
    } finally {
      undo();
      await Promise.all(clients.map((c) => c.end({ timeout: 5 })));
    }
  });
});

describe("the slot key", () => {
  it("a second row for a slot is refused by the unique key, and recognised as such", async () => {
    installRunner(holdingRunner());
    const user = await createTestUser();
    const clock = clockAt("2034-01-01T06:00:00Z");
    const { schedule } = await newSchedule(user, clock.now());
    const db = await getDb();
    const slot = new Date("2034-01-01T07:00:00Z");
    const made = await makeScheduledExport(db, (await scheduleRow(schedule.id))!, slot, clock.now());
    const [row] = await db.select().from(exports).where(eq(exports.id, made.body.export_id));
    const copy: Partial<typeof row> = { ...row };
    delete copy.id;
    delete copy.taskId;
    const err = await db
      .insert(exports)
      .values(copy as typeof row)
      .then(() => null)
      .catch((e: unknown) => e);
    expect(err).not.toBeNull();
    expect(isSlotTaken(err)).toBe(true);
    expect(isSlotTaken(new Error("connection reset"))).toBe(false);
  });
});

describe("the per-user active limit", () => {
  it("a user at the limit: the slot waits (not dropped, no spinning) and runs once there is room", async () => {
    const held = installRunner(holdingRunner());
    const undo = patchEnv({ EXPORTS_MAX_ACTIVE_PER_USER: 1 });
    try {
      const user = await createTestUser();
      const clock = clockAt("2031-07-01T06:00:00Z");
      const { project, schedule } = await newSchedule(user, clock.now());
      const busy = await callRoute("POST", `/api/projects/${project.id}/export`, { as: user, body: { format: "json" } });
      expect(busy.status).toBe(202);

      clock.set("2031-07-01T07:00:10Z");
      expect(await tick(clock)).toMatchObject({ claimed: 1, deferred: 1, created: 0 });
      const waiting = await scheduleRow(schedule.id);
      // Due again after the limit's Retry-After (30 s), not at once.
      expect(waiting.nextRunAt!.toISOString()).toBe("2031-07-01T07:00:40.000Z");
      expect(await tick(clock)).toMatchObject({ claimed: 0 });

      // Room again: the same slot runs.
      const db = await getDb();
      await db.update(exports).set({ status: "cancelled" }).where(eq(exports.id, held.jobs[0].id));
      clock.advance(31_000);
      expect(await tick(clock)).toMatchObject({ claimed: 1, created: 1 });
      const made = await exportsOf(schedule.id);
      expect(made.map((e) => e.scheduleSlot!.toISOString())).toEqual(["2031-07-01T07:00:00.000Z"]);
    } finally {
      undo();
    }
  });
});

describe("pausing", () => {
  async function failExport(id: string) {
    expect(await start(id)).toBe(true);
    await fail(id, userError("The source has no rows this time."), { final: true });
  }

  it("5 failed runs in a row pause the schedule with a reason; a completed run resets the count", async () => {
    installRunner(holdingRunner());
    const user = await createTestUser();
    const clock = clockAt("2031-08-01T06:00:00Z");
    const { schedule } = await newSchedule(user, clock.now());
    const runSlot = async (day: number) => {
      clock.set(new Date(Date.UTC(2031, 7, day, 7, 0, 5)).toISOString());
      expect(await tick(clock)).toMatchObject({ created: 1 });
      return (await scheduleRow(schedule.id)).lastExportId!;
    };

    for (let day = 1; day <= 4; day++) await failExport(await runSlot(day));
    expect(await scheduleRow(schedule.id)).toMatchObject({ consecutiveFailures: 4, enabled: true });

    // A completed run resets the count.
    const ok = await runSlot(5);
    expect(await start(ok)).toBe(true);
    const db = await getDb();
    await transition(db, ok, { from: ["processing"], to: "completed", set: { progress: 100 }, event: { type: "completed" } });
    expect(await scheduleRow(schedule.id)).toMatchObject({ consecutiveFailures: 0, enabled: true });

    for (let day = 6; day <= 10; day++) await failExport(await runSlot(day));
    const paused = await scheduleRow(schedule.id);
    expect(paused).toMatchObject({
      consecutiveFailures: 5,
      enabled: false,
      pausedReason: "Paused after 5 failed runs in a row",
      nextRunAt: null,
    });
    clock.set("2031-08-11T07:00:05Z");
    expect(await tick(clock)).toMatchObject({ claimed: 0 });

    // Resuming clears the count and the reason, and starts from the next slot after now.
    const resumed = await resumeSchedule({ userId: user.id, id: schedule.id, now: clock.now() });
    expect(resumed).toMatchObject({ enabled: true, consecutive_failures: 0, paused_reason: null, next_run_at: "2031-08-12T07:00:00.000Z" });
  });

  it("deleting the source project pauses its schedules at once, with a reason", async () => {
    installRunner(holdingRunner());
    const user = await createTestUser();
    const clock = clockAt("2031-09-01T06:00:00Z");
    const { project, schedule } = await newSchedule(user, clock.now());
    const projectBody = CreateScheduleBodySchema.parse({
      name: "Whole project",
      source: { type: "project", id: project.id },
      format: "json",
      cadence: { every: "week", on: "mon", at: "07:00" },
    });
    const onProject = await createSchedule({ userId: user.id, body: projectBody, now: clock.now() });

    expect((await callRoute("DELETE", `/api/projects/${project.id}`, { as: user })).status).toBe(204);
    expect(await scheduleRow(schedule.id)).toMatchObject({ enabled: false, pausedReason: "The document was deleted", nextRunAt: null });
    expect(await scheduleRow(onProject.id)).toMatchObject({ enabled: false, pausedReason: "The project was deleted" });
    const shown = await (await callRoute("GET", `/api/schedules/${schedule.id}`, { as: user })).json();
    expect(shown).toMatchObject({ enabled: false, paused_reason: "The document was deleted", source: { name: null } });
  });

  it("a tick that finds the source gone pauses the schedule instead of failing", async () => {
    installRunner(holdingRunner());
    const user = await createTestUser();
    const clock = clockAt("2031-10-01T06:00:00Z");
    const { project, schedule } = await newSchedule(user, clock.now());
    const db = await getDb();
    await db.delete(documents).where(eq(documents.id, project.documents[0].id));
    clock.set("2031-10-01T07:00:30Z");
    expect(await tick(clock)).toMatchObject({ claimed: 1, paused: 1, created: 0 });
    expect(await scheduleRow(schedule.id)).toMatchObject({ enabled: false, pausedReason: "The document was deleted" });
    expect(await exportsOf(schedule.id)).toEqual([]);
  });

  it("a paused schedule does not run; resumed, it runs from the next slot and not the missed ones", async () => {
    installRunner(holdingRunner());
    const user = await createTestUser();
    const clock = clockAt("2031-11-03T06:00:00Z");
    const { schedule } = await newSchedule(user, clock.now());
    const paused = await pauseSchedule({ userId: user.id, id: schedule.id });
    expect(paused).toMatchObject({ enabled: false, next_run_at: null, paused_reason: null });
    clock.set("2031-11-05T07:00:30Z");
    expect(await tick(clock)).toMatchObject({ claimed: 0 });
    const resumed = await resumeSchedule({ userId: user.id, id: schedule.id, now: clock.now() });
    expect(resumed.next_run_at).toBe("2031-11-06T07:00:00.000Z");
    clock.set("2031-11-06T07:00:30Z");
    expect(await tick(clock)).toMatchObject({ created: 1 });
    expect((await exportsOf(schedule.id)).map((e) => e.scheduleSlot!.toISOString())).toEqual(["2031-11-06T07:00:00.000Z"]);
  });
});

describe("edits between slots", () => {
  it("a cadence edited after a run moves the next run; the edited slot runs and the old one does not", async () => {
    installRunner(holdingRunner());
    const user = await createTestUser();
    const clock = clockAt("2031-12-01T06:00:00Z");
    const { schedule } = await newSchedule(user, clock.now());
    clock.set("2031-12-01T07:00:10Z");
    expect(await tick(clock)).toMatchObject({ created: 1 });

    clock.set("2031-12-01T08:00:00Z");
    const edited = await patchSchedule({
      userId: user.id,
      id: schedule.id,
      patch: { cadence: { every: "day", at: "09:30" }, timezone: "Europe/Berlin" },
      now: clock.now(),
    });
    // 09:30 in Berlin (UTC+1) is 08:30Z, still ahead today.
    expect(edited.next_run_at).toBe("2031-12-01T08:30:00.000Z");
    clock.set("2031-12-01T08:30:10Z");
    expect(await tick(clock)).toMatchObject({ created: 1 });
    // The old 07:00 slot is gone.
    clock.set("2031-12-02T07:00:10Z");
    expect(await tick(clock)).toMatchObject({ claimed: 0 });
    clock.set("2031-12-02T08:30:10Z");
    expect(await tick(clock)).toMatchObject({ created: 1 });
    const slots = (await exportsOf(schedule.id)).map((e) => e.scheduleSlot!.toISOString());
    expect(slots).toEqual(["2031-12-01T07:00:00.000Z", "2031-12-01T08:30:00.000Z", "2031-12-02T08:30:00.000Z"]);
  });

  it("an edit while a tick holds the schedule keeps the edit's next run", async () => {
    installRunner(holdingRunner());
    const user = await createTestUser();
    const clock = clockAt("2031-12-10T06:00:00Z");
    const { schedule } = await newSchedule(user, clock.now());
    clock.set("2031-12-10T07:00:10Z");
    const db = await getDb();
    const [claimed] = await claimDue(db, clock.now(), 50, [user.id]);
    await patchSchedule({ userId: user.id, id: schedule.id, patch: { cadence: { every: "day", at: "18:00" } }, now: clock.now() });
    const { runClaimed } = await import("@/lib/schedules/tick");
    expect(await runClaimed(db, claimed.schedule, claimed.lease, clock.now())).toBe("created");
    expect((await scheduleRow(schedule.id)).nextRunAt!.toISOString()).toBe("2031-12-10T18:00:00.000Z");
  });
});

describe.runIf(!env.DATABASE_URL)("the inline runner's timer (embedded mode)", () => {
  it("a slot missed while the server was down runs when the runner starts, once", async () => {
    const user = await createTestUser();
    // Due two minutes ago, on the real clock the runner's own tick uses.
    const slot = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 2 * 60_000);
    const at = slot.toISOString().slice(11, 16);
    const { schedule } = await newSchedule(user, new Date(slot.getTime() - 60_000), { cadence: { every: "day", at } });
    expect(schedule.next_run_at).toBe(slot.toISOString());
    const runner = installRunner(new InlineRunner());
    try {
      await runner.start();
      const made = await until(async () => {
        const rows = await exportsOf(schedule.id);
        return rows.length ? rows : undefined;
      }, "the start-up tick's export");
      expect(made.map((e) => e.scheduleSlot!.toISOString())).toEqual([slot.toISOString()]);
      await until(async () => (await scheduleRow(schedule.id)).nextRunAt!.getTime() > Date.now(), "next_run_at moved on");
      await runner.drain();
    } finally {
      await runner.stop();
    }
    expect(await exportsOf(schedule.id)).toHaveLength(1);
  });
});

describe("completed scheduled exports", () => {
  it("a slot's export runs to completion with the schedule's options", async () => {
    const user = await createTestUser();
    const clock = clockAt("2032-06-01T06:00:00Z");
    const { schedule } = await newSchedule(user, clock.now(), { format: "json", options: { pretty: false } });
    clock.set("2032-06-01T07:00:10Z");
    expect(await tick(clock)).toMatchObject({ created: 1 });
    await jobs.runner.drain();
    const [made] = await exportsOf(schedule.id);
    expect(made).toMatchObject({ status: "completed", format: "json" });
    expect(made.options).toMatchObject({ pretty: false });
    const db = await getDb();
    const open = await db
      .select()
      .from(exportSchedules)
      .where(and(eq(exportSchedules.id, schedule.id), isNotNull(exportSchedules.lastExportId)));
    expect(open[0].consecutiveFailures).toBe(0);
    const shown = await (await callRoute("GET", `/api/schedules/${schedule.id}`, { as: user })).json();
    expect(shown).toMatchObject({ last_export_id: made.id, last_export_status: "completed" });
  });
});
