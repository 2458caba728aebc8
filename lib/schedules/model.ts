/**
 * Schedule constants and types shared by the server and the dashboard (no
 * server imports here: client components import this file).
 */

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export const WEEKDAY_LABELS: Record<Weekday, string> = {
  mon: "Monday",
  tue: "Tuesday",
  wed: "Wednesday",
  thu: "Thursday",
  fri: "Friday",
  sat: "Saturday",
  sun: "Sunday",
};

export type Cadence =
  { every: "day"; at: string } | { every: "week"; on: Weekday; at: string } | { every: "month"; day: number; at: string };

export const CADENCE_KINDS = ["day", "week", "month"] as const;

/** At most this many schedules per user (SPEC §13.3). */
export const MAX_SCHEDULES_PER_USER = 50;

/** Failed runs in a row that pause a schedule. */
export const MAX_CONSECUTIVE_FAILURES = 5;

export const PAUSED_AFTER_FAILURES = `Paused after ${MAX_CONSECUTIVE_FAILURES} failed runs in a row`;

function ordinal(n: number): string {
  const s = n % 100 >= 11 && n % 100 <= 13 ? "th" : (({ 1: "st", 2: "nd", 3: "rd" } as Record<number, string>)[n % 10] ?? "th");
  return `${n}${s}`;
}

/** "Every Monday at 07:00", for people. */
export function describeCadence(c: Cadence): string {
  switch (c.every) {
    case "day":
      return `Every day at ${c.at}`;
    case "week":
      return `Every ${WEEKDAY_LABELS[c.on]} at ${c.at}`;
    case "month":
      return `Monthly on the ${ordinal(c.day)} at ${c.at}`;
  }
}
