/**
 * Export request schemas: formats, per-format options (SPEC §6; unknown keys
 * are refused), and the create/patch bodies. The same schemas feed the
 * format catalogue of `GET /api/documents/{id}/export` and the OpenAPI document.
 */
import { z } from "zod";
import { validationError } from "@/lib/errors";
import { COLUMN_IDS, COST_COLUMNS, type ColumnId } from "./formats/columns";
import { EXPORT_FORMATS, EXPORT_STATUSES, EXPORT_TYPES, STORED_FORMATS, type ExportFormat, type StoredFormat } from "./model";

/** Accepted spellings besides the format ids. A Map, not an object: `__proto__` or `constructor` must not resolve to a format. */
export const FORMAT_ALIASES: ReadonlyMap<string, ExportFormat> = new Map([["xlsx", "excel"]]);

export const FormatSchema = z
  .string({ error: `format is required. Use one of: ${EXPORT_FORMATS.join(", ")}.` })
  .transform((v, ctx) => {
    const key = v.trim().toLowerCase();
    const format = FORMAT_ALIASES.get(key) ?? (EXPORT_FORMATS as readonly string[]).find((f) => f === key);
    if (!format) {
      ctx.addIssue({ code: "custom", message: `Unsupported format "${v}". Use one of: ${EXPORT_FORMATS.join(", ")}.` });
      return z.NEVER;
    }
    return format as ExportFormat;
  })
  .meta({ description: "Export format; `xlsx` is accepted as an alias of `excel`.", example: "csv" });

/** Zones already found valid: building an Intl.DateTimeFormat costs ~0.4 ms, paid once per zone (there are a few hundred). */
const KNOWN_TIME_ZONES = new Set<string>();

function isTimeZone(tz: string): boolean {
  if (KNOWN_TIME_ZONES.has(tz)) return true;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    if (KNOWN_TIME_ZONES.size < 2000) KNOWN_TIME_ZONES.add(tz);
    return true;
  } catch {
    return false;
  }
}

const commonOptions = {
  include_unverified: z
    .boolean()
    .default(true)
    .meta({ description: "Include measurements that are not verified; false drops them and recomputes totals." }),
  include_costs: z.boolean().default(true).meta({ description: "Include cost columns, rows, sheets and lines." }),
  condition_ids: z
    .array(z.string().uuid("must be a condition id (UUID)"))
    .min(1)
    .max(1000)
    .optional()
    .meta({ description: "Only these conditions (ids of the source project)." }),
  timezone: z
    .string()
    .max(64)
    .refine(isTimeZone, "must be an IANA time zone such as UTC or America/New_York")
    .default("UTC")
    .meta({ description: "IANA time zone for timestamps written in the file." }),
};

const COLUMN_LIST = COLUMN_IDS.join(", ");

const KNOWN_COLUMNS: ReadonlySet<string> = new Set(COLUMN_IDS);

/**
 * SPEC §12.2: an ordered list of catalogue ids, at least one, each once.
 * Every unknown or repeated id is named at its index (one check for both, so
 * a request with both kinds of mistake hears about all of them at once).
 */
const columnsOption = z
  .array(z.string().max(64))
  .min(1, "must list at least one column")
  .max(COLUMN_IDS.length * 2)
  .superRefine((ids, ctx) => {
    const seen = new Set<string>();
    ids.forEach((id, i) => {
      if (!KNOWN_COLUMNS.has(id))
        ctx.addIssue({ code: "custom", path: [i], message: `unknown column ${JSON.stringify(id)}; use one of: ${COLUMN_LIST}` });
      else if (seen.has(id)) ctx.addIssue({ code: "custom", path: [i], message: `column "${id}" is listed more than once` });
      seen.add(id);
    });
  })
  .transform((ids) => ids as ColumnId[])
  .optional()
  .meta({
    items: { type: "string", enum: [...COLUMN_IDS] },
    description:
      "Measurement columns in order (ids from the catalogue's `columns`); without it the format's default layout (`default_columns`) applies. Excel: the condition sheets; PDF: the condition tables.",
  });

/** SPEC §12.3: quantities per sheet or per document (Excel, PDF, JSON). */
export const BREAKDOWNS = ["none", "document", "sheet"] as const;
const breakdownOption = z.enum(BREAKDOWNS).default("none").meta({
  description: "Quantities per condition by `sheet` or by `document` (Excel: a Breakdown sheet; PDF: a table; JSON: summary.breakdown).",
});

/** SPEC §12.3: the condition field the Excel Summary and the PDF summary group their rows by. */
export const GROUP_BYS = ["none", "building", "area", "elevation", "category", "scope"] as const;
const groupByOption = z
  .enum(GROUP_BYS)
  .default("none")
  .meta({ description: "Group the summary's condition rows by this condition field, each group closed by a Subtotal row." });

/** Cost columns need costs: with include_costs:false each one is refused at its index. */
function costColumnsNeedCosts(options: { include_costs: boolean; columns?: ColumnId[] }, ctx: z.RefinementCtx) {
  if (options.include_costs || !options.columns) return;
  options.columns.forEach((id, i) => {
    if (COST_COLUMNS.includes(id))
      ctx.addIssue({ code: "custom", path: ["columns", i], message: `cost column "${id}" needs include_costs, which is false` });
  });
}

export const OPTION_SCHEMAS = {
  csv: z
    .strictObject({
      ...commonOptions,
      columns: columnsOption,
      bom: z.boolean().default(true).meta({ description: "Start the file with a UTF-8 byte order mark (helps Excel)." }),
      delimiter: z
        .enum([",", ";", "\t", "tab"])
        .default(",")
        .transform((d) => (d === "tab" ? "\t" : d))
        .meta({ description: 'Field delimiter: ",", ";" or a tab ("\\t" or "tab").' }),
    })
    .superRefine(costColumnsNeedCosts),
  excel: z
    .strictObject({ ...commonOptions, columns: columnsOption, breakdown: breakdownOption, group_by: groupByOption })
    .superRefine(costColumnsNeedCosts),
  pdf: z
    .strictObject({
      ...commonOptions,
      columns: columnsOption,
      breakdown: breakdownOption,
      group_by: groupByOption,
      page_size: z.enum(["letter", "a4"]).default("letter").meta({ description: "Paper size." }),
      orientation: z.enum(["portrait", "landscape"]).default("portrait").meta({ description: "Page orientation." }),
      takeoff_maps: z
        .boolean()
        .default(false)
        .meta({ description: "After the Project Summary, a map page per drawing page with measurements (SPEC §12.4)." }),
    })
    .superRefine(costColumnsNeedCosts),
  json: z.strictObject({
    ...commonOptions,
    breakdown: breakdownOption,
    pretty: z.boolean().default(true).meta({ description: "Indent the JSON for people to read." }),
  }),
  ost: z.strictObject({ ...commonOptions }),
} satisfies Record<ExportFormat, z.ZodType>;

export type OptionsFor<F extends ExportFormat> = z.output<(typeof OPTION_SCHEMAS)[F]>;
/** Options after defaults, as stored on the export and passed to renderers. */
export type NormalisedOptions = {
  include_unverified: boolean;
  include_costs: boolean;
  condition_ids?: string[];
  timezone: string;
  bom?: boolean;
  delimiter?: "," | ";" | "\t";
  page_size?: "letter" | "a4";
  orientation?: "portrait" | "landscape";
  /** PDF: a takeoff map page per drawing page with measurements (SPEC §12.4). */
  takeoff_maps?: boolean;
  pretty?: boolean;
  /** CSV, Excel, PDF: the measurement columns in order (SPEC §12.2); absent: the default layout. */
  columns?: ColumnId[];
  /** Excel, PDF, JSON (SPEC §12.3); absent (older exports) means none. */
  breakdown?: (typeof BREAKDOWNS)[number];
  /** Excel, PDF (SPEC §12.3); absent means none. */
  group_by?: (typeof GROUP_BYS)[number];
};

/** Validates `options` for `format` and returns them with every default filled in, keys sorted. */
export function normaliseOptions(format: ExportFormat, options: unknown): z.ZodSafeParseResult<NormalisedOptions> {
  const result = OPTION_SCHEMAS[format].safeParse(options ?? {});
  if (!result.success) return result as z.ZodSafeParseResult<NormalisedOptions>;
  const value = result.data as Record<string, unknown>;
  if (Array.isArray(value.condition_ids))
    value.condition_ids = [...new Set((value.condition_ids as string[]).map((s) => s.toLowerCase()))].sort();
  const sorted = Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)));
  return { success: true, data: sorted as NormalisedOptions } as z.ZodSafeParseResult<NormalisedOptions>;
}

/**
 * The options of an export or a preset (SPEC §13.1: "validated exactly as on
 * export creation"), normalised, or a 422 whose paths start at `options`.
 */
export function parseOptions(format: ExportFormat, options: unknown): NormalisedOptions {
  const result = normaliseOptions(format, options);
  if (!result.success) throw validationError(result.error, ["options"]);
  return result.data;
}

const NO_CONTROL_CHARS = /^[^\u0000-\u001f\u007f]*$/;

export const ExportNameSchema = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(200, "must be at most 200 characters")
  .regex(NO_CONTROL_CHARS, "must not contain control characters such as line breaks");
export const ExportDescriptionSchema = z.string().trim().max(2000, "must be at most 2000 characters");

const OptionsBodySchema = z
  .record(z.string(), z.unknown())
  .optional()
  .meta({ description: "Format options (see GET /api/documents/{id}/export)." });

/** The body createExport takes: a format and its options (a preset already resolved into them). */
export const CreateExportBodySchema = z.strictObject({
  format: FormatSchema,
  options: OptionsBodySchema,
  name: ExportNameSchema.optional(),
  description: ExportDescriptionSchema.nullish(),
});

const PresetIdSchema = z
  .string()
  .max(100)
  .meta({ format: "uuid", description: "Export with a saved preset's format and options (SPEC §13.1) instead of sending them." });

/** SPEC §13.1: `preset_id` or `format` (+ `options`), never both, never neither. */
function presetOrFormat(body: { preset_id?: string; format?: ExportFormat; options?: unknown }, ctx: z.RefinementCtx) {
  if (body.preset_id !== undefined) {
    const both = "send either preset_id or format and options, not both";
    if (body.format !== undefined) ctx.addIssue({ code: "custom", path: ["format"], message: `${both} (the preset sets the format)` });
    if (body.options !== undefined) ctx.addIssue({ code: "custom", path: ["options"], message: `${both} (the preset sets the options)` });
  } else if (body.format === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["format"],
      message: `format is required (or preset_id). Use one of: ${EXPORT_FORMATS.join(", ")}.`,
    });
  }
}

const requestFields = {
  preset_id: PresetIdSchema.optional(),
  format: FormatSchema.optional(),
  options: OptionsBodySchema,
  name: ExportNameSchema.optional(),
  description: ExportDescriptionSchema.nullish(),
};

/** What the create routes accept: createExport's body, or `preset_id` in place of format and options. */
export const CreateExportRequestSchema = z
  .strictObject(requestFields)
  .superRefine(presetOrFormat)
  .meta({ id: "CreateExportBody", example: { format: "excel", options: { include_costs: true }, name: "Structural Set export" } });

export const GenericCreateExportBodySchema = z
  .strictObject({
    source: z.strictObject({
      type: z.enum(["document", "project"]),
      id: z.string().max(100),
    }),
    ...requestFields,
  })
  .superRefine(presetOrFormat)
  .meta({ id: "GenericCreateExportBody", example: { source: { type: "project", id: "0b9a…" }, format: "csv" } });

export const PatchExportBodySchema = z
  .strictObject({
    name: ExportNameSchema.optional(),
    description: ExportDescriptionSchema.nullable().optional(),
  })
  .refine((b) => b.name !== undefined || b.description !== undefined, "Send name and/or description.")
  .meta({ id: "PatchExportBody" });

export type CreateExportBody = z.output<typeof CreateExportBodySchema>;
/** A create route's body: either `format` (+ `options`) or `preset_id`. */
export type CreateExportRequest = z.output<typeof CreateExportRequestSchema>;

/** The list's query string (GET /api/exports and the dashboard's exports page). */
export const ListQuerySchema = z.strictObject({
  status: z.enum(EXPORT_STATUSES).optional(),
  format: z
    .enum([...STORED_FORMATS, "xlsx"])
    .transform((f) => (f === "xlsx" ? "excel" : f) as StoredFormat)
    .optional(),
  type: z.enum(EXPORT_TYPES).optional(),
  project_id: z.string().uuid().optional(),
  document_id: z.string().uuid().optional(),
  schedule_id: z.string().uuid().optional().meta({ description: "Only the exports this schedule made (SPEC §13.3)." }),
  q: z.string().trim().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
});
export type ListQuery = z.output<typeof ListQuerySchema>;
