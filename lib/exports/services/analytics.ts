/**
 * Download analytics (SPEC §14.4), computed in SQL from the audit trail
 * (events outlive their exports), scoped to the user inside every query.
 * Days are calendar days in the asked time zone: each event's instant is
 * turned into a local date with AT TIME ZONE, and generate_series lists
 * every day of the range so days without events are there with zeros.
 *
 * `via` (the channel) and `format` are recorded on "downloaded" events since
 * channels exist; an older event has neither. Its format is read from its
 * export (or that export's "created" event when the export is gone); its
 * channel is unknown, so it counts in the totals and the days' `downloads`
 * but in no channel (SPEC §14.4 decision).
 */
import { sql } from "drizzle-orm";
import type { Db } from "@/db";
import { exportEvents, exports } from "@/db/schema";
import { DomainError } from "@/lib/errors";
import { DOWNLOAD_CHANNELS, STORED_FORMATS, type StoredFormat } from "../model";
import { STATS_DEFAULT_DAYS, STATS_MAX_DAYS, type DownloadStats, type StatsQuery } from "../stats-schemas";
import { dbOr } from "./db";

const DAY_MS = 86_400_000;

const dayNumber = (day: string) => Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10))) / DAY_MS;
const dayString = (n: number) => new Date(n * DAY_MS).toISOString().slice(0, 10);

/** Today's date in `tz`, YYYY-MM-DD. */
export function todayIn(tz: string, now = new Date()): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
}

/** The range asked for, with its defaults filled in; validation_failed for a reversed or too long one. */
export function statsRange(query: StatsQuery, now = new Date()): { from: string; to: string; tz: string } {
  const tz = query.tz;
  const to = query.to ?? todayIn(tz, now);
  const from = query.from ?? dayString(dayNumber(to) - (STATS_DEFAULT_DAYS - 1));
  if (dayNumber(from) > dayNumber(to)) {
    const message = `must not be after to (${to})`;
    throw new DomainError("validation_failed", `from: ${message}`, [{ path: "from", message }]);
  }
  const days = dayNumber(to) - dayNumber(from) + 1;
  if (days > STATS_MAX_DAYS) {
    const message = `the range has ${days} days; at most ${STATS_MAX_DAYS} are allowed`;
    throw new DomainError("validation_failed", `from: ${message}`, [{ path: "from", message }]);
  }
  return { from, to, tz };
}

type DayRow = { date: string; created: number; completed: number; failed: number; downloads: number } & Record<
  (typeof DOWNLOAD_CHANNELS)[number],
  number
>;

export async function downloadStats(
  { userId, query, now = new Date() }: { userId: string; query: StatsQuery; now?: Date },
  dbIn?: Db,
): Promise<DownloadStats> {
  const db = await dbOr(dbIn);
  const { from, to, tz } = statsRange(query, now);
  const lo = sql`(${from}::date::timestamp at time zone ${tz})`;
  const hi = sql`((${to}::date + 1)::timestamp at time zone ${tz})`;
  const inRange = sql`${exportEvents.userId} = ${userId} and ${exportEvents.createdAt} >= ${lo} and ${exportEvents.createdAt} < ${hi}`;
  const via = sql`${exportEvents.data}->>'via'`;
  const downloaded = sql`${exportEvents.type} = 'downloaded'`;

  const dayRows = sql`
    with ev as (
      select (${exportEvents.createdAt} at time zone ${tz})::date as day, ${exportEvents.type} as type, ${via} as via
      from ${exportEvents}
      where ${inRange} and ${exportEvents.type} in ('created', 'completed', 'failed', 'downloaded')
    ), days as (
      select d::date as day from generate_series(${from}::date::timestamp, ${to}::date::timestamp, interval '1 day') as d
    )
    select to_char(days.day, 'YYYY-MM-DD') as date,
      count(ev.type) filter (where ev.type = 'created')::int as created,
      count(ev.type) filter (where ev.type = 'completed')::int as completed,
      count(ev.type) filter (where ev.type = 'failed')::int as failed,
      count(ev.type) filter (where ev.type = 'downloaded')::int as downloads,
      count(ev.type) filter (where ev.type = 'downloaded' and ev.via = 'dashboard')::int as dashboard,
      count(ev.type) filter (where ev.type = 'downloaded' and ev.via = 'api')::int as api,
      count(ev.type) filter (where ev.type = 'downloaded' and ev.via = 'share')::int as share
    from days left join ev on ev.day = days.day
    group by days.day
    order by days.day`;

  // The format of an older event without one: its export's, or (export deleted) its "created" event's.
  const formatRows = sql`
    select coalesce(
        ${exportEvents.data}->>'format',
        (select x.format::text from ${exports} x where x.id = ${exportEvents.exportId} and x.user_id = ${userId}),
        (select c.data->>'format' from ${exportEvents} c
          where c.export_id = ${exportEvents.exportId} and c.user_id = ${userId} and c.type = 'created' limit 1)
      ) as format,
      count(*)::int as n
    from ${exportEvents}
    where ${inRange} and ${downloaded}
    group by 1`;

  // Exports that still exist (a deleted one cannot be opened), by their downloads in the range.
  const topRows = sql`
    select x.id, x.name, x.format::text as format, count(*)::int as download_count
    from ${exportEvents} join ${exports} x on x.id = ${exportEvents.exportId} and x.user_id = ${userId}
    where ${inRange} and ${downloaded}
    group by x.id, x.name, x.format
    order by download_count desc, max(${exportEvents.createdAt}) desc, x.id
    limit 10`;

  let days: DayRow[],
    formats: { format: string | null; n: number }[],
    top: { id: string; name: string; format: string; download_count: number }[];
  try {
    days = await rows<DayRow>(db, dayRows);
    formats = await rows(db, formatRows);
    top = await rows(db, topRows);
  } catch (err) {
    // Intl and PostgreSQL ship their own time zone data: a name only Intl knows is the caller's problem, not a 500.
    if (err instanceof Error && /time zone .* not recognized/i.test(err.message)) {
      const message = "is not a time zone the database knows; use an IANA time zone such as UTC or America/New_York";
      throw new DomainError("validation_failed", `tz: ${message}`, [{ path: "tz", message }]);
    }
    throw err;
  }

  const zeroChannels = () => Object.fromEntries(DOWNLOAD_CHANNELS.map((c) => [c, 0])) as Record<(typeof DOWNLOAD_CHANNELS)[number], number>;
  const byChannel = zeroChannels();
  const totals = { created: 0, completed: 0, failed: 0, downloads: 0 };
  const dayList = days.map((d) => {
    const day = {
      date: d.date,
      created: Number(d.created),
      completed: Number(d.completed),
      failed: Number(d.failed),
      downloads: Number(d.downloads),
      downloads_by_channel: zeroChannels(),
    };
    for (const c of DOWNLOAD_CHANNELS) {
      day.downloads_by_channel[c] = Number(d[c]);
      byChannel[c] += Number(d[c]);
    }
    totals.created += day.created;
    totals.completed += day.completed;
    totals.failed += day.failed;
    totals.downloads += day.downloads;
    return day;
  });
  // Every stored format, bundles' zip included.
  const byFormat = Object.fromEntries(STORED_FORMATS.map((f) => [f, 0])) as Record<StoredFormat, number>;
  for (const r of formats) if (r.format && r.format in byFormat) byFormat[r.format as StoredFormat] += Number(r.n);

  return {
    from,
    to,
    tz,
    totals,
    days: dayList,
    downloads_by_format: byFormat,
    downloads_by_channel: byChannel,
    top_exports: top.map((t) => ({ id: t.id, name: t.name, format: t.format as StoredFormat, download_count: Number(t.download_count) })),
  };
}

async function rows<R>(db: Db, query: ReturnType<typeof sql>): Promise<R[]> {
  const result = await db.execute(query);
  return (Array.isArray(result) ? result : (result as unknown as { rows: R[] }).rows) as R[];
}
