/**
 * The schedules benchmark's processes (bench/schedules.ts starts them), on a
 * PostgreSQL database of their own:
 *   seed   1,000 users with 10 schedules each, all due in the same minute;
 *   tick   one app instance: the real tick (lib/schedules/tick.ts) from the
 *          agreed start time until nothing is due, with a runner that only
 *          records what it is given (as Inngest would receive events);
 *   check  what the instances made: one export per schedule and slot, none
 *          twice, every user within the per-user limit.
 * Each prints `BENCH_RESULT {json}`.
 */
import { sql } from "drizzle-orm";
import { getDb, getDbHandle } from "@/db";
import { env } from "@/lib/env";
import type { ExportRunner, Job } from "@/lib/exports/runner";
import { tickSchedules } from "@/lib/schedules/tick";

const USERS = Number(process.env.BENCH_SCHEDULE_USERS ?? 1000);
const PER_USER = Number(process.env.BENCH_SCHEDULES_PER_USER ?? 10);
// The minute every schedule is due in (daily at 07:00 UTC), and the ticks' clock 30 s into it.
const SLOT = new Date("2030-01-07T07:00:00Z");
const NOW = new Date(SLOT.getTime() + 30_000);

type Row = Record<string, number>;
const one = async (query: ReturnType<typeof sql>) => ((await (await getDb()).execute(query)) as unknown as Row[])[0];

async function seed() {
  const db = await getDb();
  const started = performance.now();
  await db.execute(sql`
    insert into users (id, name, email)
    select 'sched-bench-' || g, 'Bench ' || g, 'sched-bench-' || g || '@example.test' from generate_series(1, ${USERS}::int) g`);
  await db.execute(sql`
    insert into projects (user_id, name)
    select 'sched-bench-' || g, 'Project ' || g from generate_series(1, ${USERS}::int) g`);
  await db.execute(sql`
    insert into documents (project_id, name, page_count)
    select p.id, 'Structural Set.pdf', 1 from projects p where p.user_id like 'sched-bench-%'`);
  await db.execute(sql`
    insert into export_schedules (user_id, name, source_type, source_id, format, options, cadence, timezone, next_run_at)
    select p.user_id, 'Schedule ' || s, 'document', d.id, 'csv',
           ${JSON.stringify({ bom: true, delimiter: ",", include_costs: true, include_unverified: true, timezone: "UTC" })}::jsonb,
           '{"every":"day","at":"07:00"}'::jsonb, 'UTC', ${SLOT.toISOString()}::timestamptz
    from projects p join documents d on d.project_id = p.id, generate_series(1, ${PER_USER}::int) s
    where p.user_id like 'sched-bench-%'`);
  await db.execute(sql`analyze`);
  return { users: USERS, perUser: PER_USER, schedules: USERS * PER_USER, seedSeconds: (performance.now() - started) / 1000 };
}

async function tick() {
  const jobs: Job[] = [];
  const runner: ExportRunner = {
    kind: "inngest",
    enqueue: async (job) => void jobs.push(job),
    cancel: async () => {},
    stop: async () => {},
  };
  (globalThis as { __takeoffRunner?: ExportRunner }).__takeoffRunner = runner;
  await getDb();
  // Warm up outside the measured time: module graph, connections, prepared statements.
  await tickSchedules({ now: () => new Date(SLOT.getTime() - 60_000) });
  const startAt = Number(process.env.BENCH_START_AT);
  await new Promise((r) => setTimeout(r, Math.max(0, startAt - Date.now())));
  const cpuStart = process.cpuUsage();
  const result = await tickSchedules({ now: () => NOW });
  const cpu = process.cpuUsage(cpuStart);
  return { ...result, endedAt: Date.now(), cpuSeconds: (cpu.user + cpu.system) / 1e6, jobs: jobs.map((j) => j.id) };
}

async function check() {
  const counts = await one(sql`
    select count(*)::int as exports,
           count(distinct (schedule_id, schedule_slot))::int as slots,
           count(distinct schedule_id)::int as schedules,
           count(*) filter (where schedule_slot <> ${SLOT.toISOString()}::timestamptz)::int as wrong_slot
    from exports where schedule_id is not null`);
  const perUser = await one(sql`
    select coalesce(max(n), 0)::int as max, coalesce(min(n), 0)::int as min, count(*)::int as users
    from (select user_id, count(*) as n from exports where status in ('pending', 'processing') group by user_id) t`);
  const left = await one(sql`
    select count(*) filter (where next_run_at <= ${NOW.toISOString()}::timestamptz)::int as still_due,
           count(*) filter (where next_run_at = ${new Date(SLOT.getTime() + 86_400_000).toISOString()}::timestamptz)::int as advanced
    from export_schedules`);
  return {
    exports: counts.exports,
    distinctSlots: counts.slots,
    distinctSchedules: counts.schedules,
    wrongSlot: counts.wrong_slot,
    activePerUser: { max: perUser.max, min: perUser.min, users: perUser.users },
    stillDue: left.still_due,
    advanced: left.advanced,
    poolSize: env.DATABASE_POOL_SIZE,
    maxActivePerUser: env.EXPORTS_MAX_ACTIVE_PER_USER,
  };
}

async function main() {
  const mode = process.argv[2];
  const out = mode === "seed" ? await seed() : mode === "tick" ? await tick() : mode === "check" ? await check() : null;
  if (!out) throw new Error(`unknown mode ${mode}`);
  await (await getDbHandle()).close();
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(out)}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
