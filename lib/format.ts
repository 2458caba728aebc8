/** Display formatting shared by the dashboard (locale and time zone fixed, so server and client render the same text). */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return "—";
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1024;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  // 1023.96 KB would round to "1024 KB"; step up instead.
  if (Number(value.toFixed(value < 10 ? 1 : 0)) >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[i]}`;
}

export function formatNumber(n: number | null | undefined, digits = 0): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "—";
  return n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Quantities: up to two decimals, no trailing zeros ("1,234.5"). */
export function formatQuantity(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "—";
  return n.toLocaleString("en-US", { minimumFractionDigits: 0, maximumFractionDigits: 2 });
}

export function formatMoney(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "—";
  return n.toLocaleString("en-US", { style: "currency", currency: "USD" });
}

/**
 * Each unit and how many of it make the next one (years last, unbounded). A value is rounded in a unit
 * and moves up when the rounded figure reaches the next unit, so 6 days 23 h
 * and exactly 7 days both read "in 7 days" (choosing the unit before rounding
 * made them "in 7 days" and "next week"). No weeks: "next week" reads as the
 * calendar week, and an expiry is a count of days. Always numeric ("in 1 day",
 * not "tomorrow", which may be the day after).
 */
const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["second", 60],
  ["minute", 60],
  ["hour", 24],
  ["day", 30],
  ["month", 12],
];

const RTF = new Intl.RelativeTimeFormat("en", { numeric: "always" });

/** "3 minutes ago", "in 7 days", "just now". */
export function formatRelative(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "—";
  const time = new Date(iso).getTime();
  if (Number.isNaN(time)) return "—";
  let value = (time - now) / 1000;
  if (Math.abs(value) < 10) return "just now";
  for (const [unit, next] of UNITS) {
    const rounded = Math.round(value);
    if (Math.abs(rounded) < next) return RTF.format(rounded, unit);
    value /= next;
  }
  return RTF.format(Math.round(value), "year");
}

/** "2025-03-01 14:05:09 UTC": exact, unambiguous, independent of the viewer's locale. */
export function formatExact(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return d
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " UTC");
}

/** "250 ms", "1.2 s", "3 min 4 s": how long something took. */
export function formatMilliseconds(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s - m * 60)} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${m - h * 60} min`;
}

/** The time between two ISO timestamps, as formatMilliseconds. */
export function formatDuration(fromIso: string | null | undefined, toIso: string | null | undefined): string {
  if (!fromIso || !toIso) return "—";
  return formatMilliseconds(new Date(toIso).getTime() - new Date(fromIso).getTime());
}

/** Singular or plural noun with a formatted count: "1 page", "12 pages". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatNumber(n)} ${n === 1 ? one : many}`;
}
