/**
 * Schedules (SPEC §13.3, the reuse issue's performance target): 10,000
 * schedules due in the same minute (1,000 users × 10) on PostgreSQL are all
 * turned into exports within 60 s, with the per-user limits respected and no
 * duplicates. On a database of its own (`…_schedules`, emptied first):
 * bench/schedules-child.ts seeds, then INSTANCES processes — app instances —
 * tick at the same agreed moment (each warmed up first), and a last one
 * checks what they made. The figure is the agreed moment to the last
 * instance's end.
 */
import path from "node:path";
import { appEnv, BENCH_DATA, fmt, resetBenchDatabase, ROOT, runTs } from "./common";

const INSTANCES = 2;

type TickOut = {
  claimed: number;
  created: number;
  replayed: number;
  deferred: number;
  failed: number;
  errors: number;
  endedAt: number;
  cpuSeconds: number;
  jobs: string[];
};
type CheckOut = {
  exports: number;
  distinctSlots: number;
  distinctSchedules: number;
  wrongSlot: number;
  activePerUser: { max: number; min: number; users: number };
  stillDue: number;
  advanced: number;
  poolSize: number;
  maxActivePerUser: number;
};

export type ScheduleFigures = CheckOut & {
  users: number;
  perUser: number;
  schedules: number;
  instances: number;
  seedSeconds: number;
  seconds: number;
  cpuSeconds: number;
  exportsPerSecond: number;
  claimed: number;
  created: number;
  replayed: number;
  deferred: number;
  failed: number;
  errors: number;
  enqueued: number;
  distinctEnqueued: number;
  perInstance: { created: number; replayed: number; cpuSeconds: number }[];
};

export type ScheduleCheck = { target: string; requirement: string; figure: string; pass: boolean; informational?: boolean };

export async function schedulesBench(opts: { serverUrl: string; log: (line: string) => void; logFile?: string }) {
  const url = await resetBenchDatabase(opts.serverUrl, "_schedules");
  const script = path.join(ROOT, "bench", "schedules-child.ts");
  const env = (extra: Record<string, string> = {}) =>
    appEnv({ driver: "postgres", url }, path.join(BENCH_DATA, "schedules"), { DATABASE_POOL_SIZE: "10", ...extra });
  const seeded = (await runTs<{ users: number; perUser: number; schedules: number; seedSeconds: number }>(script, ["seed"], env(), opts))
    .result;
  // Each instance loads and warms up first; all start ticking at this moment.
  const startAt = Date.now() + 15_000;
  const ticks = (
    await Promise.all(
      Array.from({ length: INSTANCES }, () => runTs<TickOut>(script, ["tick"], env({ BENCH_START_AT: String(startAt) }), opts)),
    )
  ).map((r) => r.result);
  const checked = (await runTs<CheckOut>(script, ["check"], env(), opts)).result;
  const seconds = (Math.max(...ticks.map((t) => t.endedAt)) - startAt) / 1000;
  const sum = (k: "claimed" | "created" | "replayed" | "deferred" | "failed" | "errors" | "cpuSeconds") =>
    ticks.reduce((n, t) => n + t[k], 0);
  const jobs = ticks.flatMap((t) => t.jobs);
  const f: ScheduleFigures = {
    ...seeded,
    ...checked,
    instances: INSTANCES,
    seconds,
    cpuSeconds: sum("cpuSeconds"),
    exportsPerSecond: checked.exports / seconds,
    claimed: sum("claimed"),
    created: sum("created"),
    replayed: sum("replayed"),
    deferred: sum("deferred"),
    failed: sum("failed"),
    errors: sum("errors"),
    enqueued: jobs.length,
    distinctEnqueued: new Set(jobs).size,
    perInstance: ticks.map((t) => ({ created: t.created, replayed: t.replayed, cpuSeconds: t.cpuSeconds })),
  };
  opts.log(
    `  ${fmt.n(f.schedules)} schedules (${fmt.n(f.users)} users × ${f.perUser}) due in one minute → ${fmt.n(f.exports)} exports in ${fmt.s(f.seconds)} s ` +
      `(${fmt.n(f.exportsPerSecond)}/s; ${f.instances} instances made ${f.perInstance.map((p) => fmt.n(p.created)).join(" + ")}, CPU ${fmt.s(f.cpuSeconds)} s, pool ${f.poolSize} each); ` +
      `duplicates ${f.exports - f.distinctSlots}, enqueued ${fmt.n(f.distinctEnqueued)}, deferred ${f.deferred}, errors ${f.errors}, ` +
      `active per user ${f.activePerUser.min}–${f.activePerUser.max} (limit ${f.maxActivePerUser}); seeded in ${fmt.s(f.seedSeconds)} s`,
  );
  return { figures: f, checks: scheduleChecks(f) };
}

export function scheduleChecks(f: ScheduleFigures): ScheduleCheck[] {
  const all = f.exports === f.schedules && f.distinctSchedules === f.schedules && f.stillDue === 0 && f.advanced === f.schedules;
  return [
    {
      target: "schedules: 10,000 due in one minute",
      requirement: "all turned into exports ≤ 60 s",
      figure: `${fmt.n(f.exports)} of ${fmt.n(f.schedules)} in ${fmt.s(f.seconds)} s (${f.instances} instances)`,
      pass: all && f.seconds <= 60,
    },
    {
      target: "schedules: exactly once",
      requirement: "one export per schedule and slot, each enqueued once",
      figure: `${fmt.n(f.distinctSlots)} slots, ${fmt.n(f.exports)} exports, ${fmt.n(f.distinctEnqueued)}/${fmt.n(f.enqueued)} jobs, ${f.wrongSlot} wrong slot`,
      pass: f.distinctSlots === f.exports && f.enqueued === f.exports && f.distinctEnqueued === f.enqueued && f.wrongSlot === 0,
    },
    {
      target: "schedules: per-user limits",
      requirement: `≤ ${f.maxActivePerUser} active per user, nothing refused`,
      figure: `max ${f.activePerUser.max} active, ${f.deferred} deferred, ${f.failed + f.errors} failed`,
      pass: f.activePerUser.max <= f.maxActivePerUser && f.failed + f.errors === 0,
    },
  ];
}
