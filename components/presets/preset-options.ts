/**
 * A preset's options in a few words for the presets list ("Verified only ·
 * No costs · Europe/Berlin · 12 columns"), and what a format switch keeps.
 * Pure, for the tests.
 */
import type { FormatInfo } from "@/components/exports/types";
import { shownOptions } from "@/components/exports/export-options";
import { defaultsFor } from "@/components/exports/use-export-form";
import type { ExportFormat } from "@/lib/exports/model";

const DELIMITERS: Record<string, string> = { ",": "comma-separated", ";": "semicolon-separated", "\t": "tab-separated" };

function phrase(key: string, value: unknown): string | null {
  switch (key) {
    case "include_unverified":
      return value ? "Unverified included" : "Verified only";
    case "include_costs":
      return value ? "Costs" : "No costs";
    case "timezone":
      return String(value);
    case "delimiter":
      return DELIMITERS[String(value)] ?? `delimiter ${JSON.stringify(value)}`;
    case "bom":
      return value ? null : "no byte order mark";
    case "page_size":
      return String(value) === "a4" ? "A4" : "Letter";
    case "orientation":
      return String(value);
    case "takeoff_maps":
      return value ? "takeoff maps" : null;
    case "pretty":
      return value ? null : "compact JSON";
    case "breakdown":
      return value && value !== "none" ? `by ${value}` : null;
    case "group_by":
      return value && value !== "none" ? `grouped by ${value}` : null;
    case "columns":
      return Array.isArray(value) ? `${value.length} chosen columns` : null;
    case "condition_ids":
      return Array.isArray(value) ? `${value.length} ${value.length === 1 ? "condition" : "conditions"} only` : null;
    default:
      return `${key.replace(/_/g, " ")}: ${typeof value === "object" ? JSON.stringify(value) : String(value)}`;
  }
}

export function optionSummary(format: ExportFormat, options: Record<string, unknown>): string {
  const words = shownOptions(format, options)
    .map(([k, v]) => phrase(k, v))
    .filter((w): w is string => Boolean(w));
  return words.length ? words.join(" · ") : "Defaults";
}

/** Switching format in the preset form: the new format's defaults, keeping the switches and the time zone both formats have. */
export function carryToFormat(previous: Record<string, unknown>, format: FormatInfo): Record<string, unknown> {
  const next = defaultsFor(format);
  for (const o of format.options) if (o.type === "boolean" && o.key in previous) next[o.key] = previous[o.key];
  if ("timezone" in next && typeof previous.timezone === "string") next.timezone = previous.timezone;
  return next;
}
