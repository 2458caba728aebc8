/**
 * Download analytics (SPEC §14.4): the query `GET /api/exports/stats`
 * validates and the answer's shape (it types the service and feeds the
 * OpenAPI document).
 */
import { z } from "zod";
import { DOWNLOAD_CHANNELS, STORED_FORMATS } from "./model";

/** Longest range one request may ask for, in days (both ends included). */
export const STATS_MAX_DAYS = 366;
/** The default range: this many days ending today. */
export const STATS_DEFAULT_DAYS = 30;

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar day written YYYY-MM-DD (2026-02-30 is refused). */
export function isCalendarDay(s: string): boolean {
  const m = DAY.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

/** The canonical name of an IANA time zone ("europe/paris" → "Europe/Paris"), or null when it is not one. */
export function canonicalTimeZone(tz: string): string | null {
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: tz }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

const Day = z
  .string()
  .refine(isCalendarDay, "must be a date written YYYY-MM-DD")
  .meta({ description: "A calendar day, YYYY-MM-DD, in `tz`.", example: "2026-03-01" });

export const StatsQuerySchema = z.strictObject({
  from: Day.optional().meta({ description: "First day (default: 29 days before `to`)." }),
  to: Day.optional().meta({ description: "Last day, included (default: today in `tz`)." }),
  tz: z
    .string()
    .max(64)
    .optional()
    .transform((tz, ctx) => {
      if (tz === undefined) return "UTC";
      const canonical = canonicalTimeZone(tz);
      if (!canonical) {
        ctx.addIssue({ code: "custom", message: "must be an IANA time zone such as UTC or America/New_York" });
        return z.NEVER;
      }
      return canonical;
    })
    .meta({ description: "IANA time zone the days are counted in (default UTC).", example: "America/New_York" }),
});
export type StatsQuery = z.output<typeof StatsQuerySchema>;

const Count = z.number().int().min(0);
const byFormat = z.strictObject(
  Object.fromEntries(STORED_FORMATS.map((f) => [f, Count])) as Record<(typeof STORED_FORMATS)[number], typeof Count>,
);
const byChannel = z.strictObject(
  Object.fromEntries(DOWNLOAD_CHANNELS.map((c) => [c, Count])) as Record<(typeof DOWNLOAD_CHANNELS)[number], typeof Count>,
);

export const DownloadStatsSchema = z
  .strictObject({
    from: z.string().meta({ description: "YYYY-MM-DD" }),
    to: z.string().meta({ description: "YYYY-MM-DD" }),
    tz: z.string(),
    totals: z.strictObject({ created: Count, completed: Count, failed: Count, downloads: Count }),
    days: z.array(
      z.strictObject({
        date: z.string().meta({ description: "YYYY-MM-DD in `tz`" }),
        created: Count,
        completed: Count,
        failed: Count,
        downloads: Count,
        downloads_by_channel: byChannel.meta({
          description: "That day's downloads by channel; downloads recorded before channels were (no `via`) are in `downloads` only.",
        }),
      }),
    ),
    downloads_by_format: byFormat,
    downloads_by_channel: byChannel.meta({
      description:
        "dashboard = session cookie, api = API key, share = share link. Downloads recorded before channels were are in the totals only.",
    }),
    top_exports: z
      .array(
        z.strictObject({
          id: z.string().uuid(),
          name: z.string(),
          format: z.enum(STORED_FORMATS),
          download_count: Count.meta({ description: "Downloads in the range" }),
        }),
      )
      .max(10),
  })
  .meta({ id: "DownloadStats" });
export type DownloadStats = z.output<typeof DownloadStatsSchema>;
