/**
 * Preset name templates (SPEC §13.1): `{source}`, `{project}`, `{document}`,
 * `{format}` and `{date}` (YYYY-MM-DD in the preset's `timezone` option), and
 * nothing else. Pure and free of server modules: the preset routes validate
 * with it, exports and schedules render with it, the dashboard lists the
 * placeholders from it.
 */
import { FORMAT_LABELS, type ExportFormat } from "@/lib/exports/model";

export const NAME_TEMPLATE_PLACEHOLDERS = ["source", "project", "document", "format", "date"] as const;
export type NameTemplatePlaceholder = (typeof NAME_TEMPLATE_PLACEHOLDERS)[number];

/** `{…}` with no brace inside; a lone `{` or `}` is literal text. */
const PLACEHOLDER = /\{([^{}]*)\}/g;
const KNOWN: ReadonlySet<string> = new Set(NAME_TEMPLATE_PLACEHOLDERS);
const CONTROL_CHARS = /[\u0000-\u001f\u007f]+/g;

export const PLACEHOLDER_LIST = NAME_TEMPLATE_PLACEHOLDERS.map((p) => `{${p}}`).join(", ");

/** The placeholders of `template` that are not allowed, each once, in order: `["{client}"]`. */
export function unknownPlaceholders(template: string): string[] {
  const out: string[] = [];
  for (const m of template.matchAll(PLACEHOLDER)) {
    const token = `{${m[1]}}`;
    if (!KNOWN.has(m[1]) && !out.includes(token)) out.push(token);
  }
  return out;
}

export type NameTemplateValues = {
  /** The exported thing's name: the document's for a document export, the project's for a project export. */
  source: string;
  project: string;
  /** Null for a project export: `{document}` then renders as nothing. */
  document: string | null;
  format: ExportFormat;
  /** IANA zone of `{date}` (the options' `timezone`). */
  timeZone: string;
  now: Date;
};

/** YYYY-MM-DD of `now` in `timeZone`. */
export function localDate(now: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(now);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${get("year")}-${get("month")}-${get("day")}`;
}

/**
 * The name an export made from a template gets: placeholders filled in,
 * control characters and runs of spaces folded, at most 200 characters (an
 * export name's limit). Empty when nothing is left (`{document}` of a project
 * export): the caller then uses its default name.
 */
export function renderNameTemplate(template: string, values: NameTemplateValues): string {
  const filled: Record<NameTemplatePlaceholder, string> = {
    source: values.source,
    project: values.project,
    document: values.document ?? "",
    format: FORMAT_LABELS[values.format],
    date: localDate(values.now, values.timeZone),
  };
  const text = template.replace(PLACEHOLDER, (token, name: string) => (KNOWN.has(name) ? filled[name as NameTemplatePlaceholder] : token));
  return text.replace(CONTROL_CHARS, " ").replace(/\s+/g, " ").trim().slice(0, 200).trim();
}
