/**
 * Schedule cadences and their slots (SPEC §13.3), pure and clock-free: every
 * function takes the instant it reasons from. Local times are turned into
 * instants with Temporal (temporal-polyfill), never with offset arithmetic:
 * a local time that does not exist (the spring-forward gap) runs at the first
 * valid minute after the gap, one that happens twice (the autumn fold) runs
 * once, at its first occurrence.
 */
import { Temporal } from "temporal-polyfill";
import { z } from "zod";
import { WEEKDAYS, type Cadence, type Weekday } from "./model";

const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

const At = z.string().regex(TIME, 'must be a 24-hour time "HH:MM" from 00:00 to 23:59').meta({ example: "07:00" });

export const CadenceSchema = z
  .discriminatedUnion(
    "every",
    [
      z.strictObject({ every: z.literal("day"), at: At }),
      z.strictObject({
        every: z.literal("week"),
        on: z.enum(WEEKDAYS, { error: `must be one of ${WEEKDAYS.join(", ")}` }),
        at: At,
      }),
      z.strictObject({
        every: z.literal("month"),
        day: z
          .number({ error: "must be a whole number from 1 to 28" })
          .int("must be a whole number from 1 to 28")
          .min(1)
          .max(28, "must be 28 or less (every month has it)"),
        at: At,
      }),
    ],
    { error: 'must have "every": "day", "week" or "month"' },
  )
  .meta({
    id: "Cadence",
    description:
      'When it runs, in the schedule\'s time zone: {"every":"day","at":"07:00"}, {"every":"week","on":"mon","at":"07:00"} or {"every":"month","day":1,"at":"07:00"} (day 1–28).',
    example: { every: "week", on: "mon", at: "07:00" },
  });

/** The zone's canonical IANA id ("america/new_york" → "America/New_York"), or null when it is not a zone. */
export function canonicalTimeZone(tz: string): string | null {
  if (!tz || tz.length > 64) return null;
  try {
    return Temporal.Now.instant().toZonedDateTimeISO(tz).timeZoneId;
  } catch {
    return null;
  }
}

export const TimeZoneSchema = z
  .string()
  .max(64)
  .transform((tz, ctx) => {
    const id = canonicalTimeZone(tz.trim());
    if (!id) {
      ctx.addIssue({ code: "custom", message: `"${tz}" is not an IANA time zone such as UTC, America/New_York or Europe/Berlin` });
      return z.NEVER;
    }
    return id;
  })
  .meta({ description: "IANA time zone the cadence's local times are in.", example: "America/New_York" });

function timeOf(at: string): { hour: number; minute: number } {
  const m = TIME.exec(at);
  if (!m) throw new Error(`Invalid cadence time ${at}`);
  return { hour: Number(m[1]), minute: Number(m[2]) };
}

/**
 * The instant the cadence's local time falls on `date` in `tz`: the time
 * itself; the first valid minute after a gap it falls into; the first of two
 * instants in a fold.
 */
export function localTimeOn(date: Temporal.PlainDate, at: string, tz: string): Temporal.Instant {
  const wall = date.toPlainDateTime(timeOf(at));
  const zoned = wall.toZonedDateTime(tz, { disambiguation: "compatible" });
  // "compatible" is the earlier instant in a fold; in a gap it moves forward by the gap's length.
  if (Temporal.PlainDateTime.compare(zoned.toPlainDateTime(), wall) === 0) return zoned.toInstant();
  // A gap: the transition that opens it is the first valid minute after the wall time.
  const before = wall.toZonedDateTime(tz, { disambiguation: "earlier" });
  const transition = before.getTimeZoneTransition("next");
  return (transition ?? zoned).toInstant();
}

const WEEKDAY_NUMBER: Record<Weekday, number> = { mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6, sun: 7 };

/** Local dates around `date` on which the cadence has a slot, in order (enough to straddle any instant near `date`). */
function candidateDates(cadence: Cadence, date: Temporal.PlainDate): Temporal.PlainDate[] {
  switch (cadence.every) {
    case "day":
      return [-2, -1, 0, 1, 2].map((d) => date.add({ days: d }));
    case "week": {
      const delta = WEEKDAY_NUMBER[cadence.on] - date.dayOfWeek;
      return [-14, -7, 0, 7, 14].map((d) => date.add({ days: delta + d }));
    }
    case "month": {
      const first = date.with({ day: 1 });
      return [-2, -1, 0, 1, 2].map((m) => first.add({ months: m }).with({ day: cadence.day }));
    }
  }
}

function slotsAround(cadence: Cadence, tz: string, at: Date): Temporal.Instant[] {
  const date = Temporal.Instant.fromEpochMilliseconds(at.getTime()).toZonedDateTimeISO(tz).toPlainDate();
  return candidateDates(cadence, date).map((d) => localTimeOn(d, cadence.at, tz));
}

/** The first slot strictly after `after`. */
export function nextSlotAfter(cadence: Cadence, tz: string, after: Date): Date {
  const t = after.getTime();
  const next = slotsAround(cadence, tz, after).find((s) => s.epochMilliseconds > t);
  if (!next) throw new Error("no slot found after the instant (cadence search window too small)");
  return new Date(next.epochMilliseconds);
}

/** The latest slot at or before `at` (the one a tick runs: after downtime only the latest missed slot). */
export function latestSlotAtOrBefore(cadence: Cadence, tz: string, at: Date): Date {
  const t = at.getTime();
  const slots = slotsAround(cadence, tz, at).filter((s) => s.epochMilliseconds <= t);
  const last = slots[slots.length - 1];
  if (!last) throw new Error("no slot found before the instant (cadence search window too small)");
  return new Date(last.epochMilliseconds);
}

/** The local date (YYYY-MM-DD) of an instant in `tz`: the `{date}` of a schedule's export name. */
export function localDate(at: Date, tz: string): string {
  return Temporal.Instant.fromEpochMilliseconds(at.getTime()).toZonedDateTimeISO(tz).toPlainDate().toString();
}
