/**
 * How the renderers write times, numbers and provenance for people: in the
 * export's time zone (never the host's), with fixed en-US number conventions
 * (whatever the host locale), and the line that says what a file was made from.
 */
import type { CostsOut } from "@/lib/takeoff/read";
import type { ExportSource } from "./types";

// Time

const partsFormatters = new Map<string, Intl.DateTimeFormat>();

function zoned(date: Date, timeZone: string) {
  let f = partsFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    partsFormatters.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(date).map((x) => [x.type, x.value])) as Record<string, string>;
  const local = { year: +p.year, month: +p.month, day: +p.day, hour: +p.hour, minute: +p.minute, second: +p.second };
  const asUtc = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
  const offsetMinutes = Math.round((asUtc - Math.floor(date.getTime() / 1000) * 1000) / 60_000);
  return { ...local, offsetMinutes };
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

function offsetText(minutes: number): string {
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** ISO 8601 in `timeZone` with its offset: `2025-03-01T09:30:00.000-05:00` (`Z` when the offset is zero). */
export function isoInZone(date: Date, timeZone: string): string {
  const z = zoned(date, timeZone);
  const ms = pad(date.getUTCMilliseconds(), 3);
  const offset = z.offsetMinutes === 0 ? "Z" : offsetText(z.offsetMinutes);
  return `${z.year}-${pad(z.month)}-${pad(z.day)}T${pad(z.hour)}:${pad(z.minute)}:${pad(z.second)}.${ms}${offset}`;
}

/** For people: `2025-03-01 09:30:00 UTC-05:00 (America/New_York)`, or `2025-03-01 14:30:00 UTC`. */
export function displayTime(date: Date, timeZone: string): string {
  const z = zoned(date, timeZone);
  const base = `${z.year}-${pad(z.month)}-${pad(z.day)} ${pad(z.hour)}:${pad(z.minute)}:${pad(z.second)}`;
  if (timeZone === "UTC" || timeZone === "Etc/UTC") return `${base} UTC`;
  return `${base} UTC${offsetText(z.offsetMinutes)} (${timeZone})`;
}

// Provenance

/** `document "Structural Set.pdf"` or `project "Test Construction Project"`. */
export function sourceLabel(source: ExportSource): string {
  return source.type === "document" && source.document ? `document "${source.document.name}"` : `project "${source.project.name}"`;
}

/** The provenance line of Excel Summary A3 and the PDF footer. */
export function provenanceLine(source: ExportSource, timeZone: string): string {
  return `Generated ${displayTime(source.generatedAt, timeZone)} · Export ${source.exportId} · Source: ${sourceLabel(source)}`;
}

// Numbers

const money = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });
const grouped2 = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/** `$9,676.00` */
export const formatMoney = (value: number): string => money.format(value);
/** `1,500.00` */
export const formatNumber2 = (value: number): string => grouped2.format(value);
/** `1,500` */
export const formatInteger = (value: number): string => integer.format(value);

/** Whether a condition list has any costs to show (the source already dropped them when include_costs is false). */
export function hasAnyCosts(source: ExportSource): boolean {
  return source.conditions.some((c) => c.costs !== null);
}

/** Sum of total_with_markup over conditions that have it. */
export function totalWithMarkup(source: ExportSource): number {
  return source.conditions.reduce((sum, c) => sum + (c.costs?.total_with_markup ?? 0), 0);
}

export type CostsCamel = {
  materialCost: number | null;
  laborCost: number | null;
  equipmentCost: number | null;
  subcontractCost: number | null;
  otherCost: number | null;
  totalCost: number | null;
  unitCost: number | null;
  totalLaborHours: number | null;
  overheadPercent: number | null;
  profitPercent: number | null;
  totalWithMarkup: number | null;
};

/** The costs object in camelCase (JSON export). */
export function costsCamel(c: CostsOut): CostsCamel {
  return {
    materialCost: c.material_cost,
    laborCost: c.labor_cost,
    equipmentCost: c.equipment_cost,
    subcontractCost: c.subcontract_cost,
    otherCost: c.other_cost,
    totalCost: c.total_cost,
    unitCost: c.unit_cost,
    totalLaborHours: c.total_labor_hours,
    overheadPercent: c.overhead_percent,
    profitPercent: c.profit_percent,
    totalWithMarkup: c.total_with_markup,
  };
}
