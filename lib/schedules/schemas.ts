/**
 * Schedule request bodies (SPEC §13.3). A schedule exports with a preset
 * (`preset_id`) or with its own `format` + `options` (validated exactly as on
 * export creation, in the service) — one or the other, never both.
 */
import { z } from "zod";
import { ExportNameSchema, FormatSchema } from "@/lib/exports/schemas";
import { CadenceSchema, TimeZoneSchema } from "./cadence";

const Uuid = z.string().uuid("must be a UUID");

export const ScheduleSourceSchema = z.strictObject({
  type: z.enum(["document", "project"]),
  id: z.string().max(100),
});

const OptionsSchema = z
  .record(z.string(), z.unknown())
  .meta({ description: "Format options, as on export creation (see GET /api/documents/{id}/export)." });

/** Exactly one of preset_id and format; options only with format. */
function presetOrFormat(b: { preset_id?: string | null; format?: string; options?: unknown }, ctx: z.RefinementCtx, required: boolean) {
  const hasPreset = b.preset_id !== undefined && b.preset_id !== null;
  if (hasPreset && b.format !== undefined) {
    ctx.addIssue({ code: "custom", path: ["preset_id"], message: "send either preset_id or format (with options), not both" });
  } else if (hasPreset && b.options !== undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["options"],
      message: "options come from the preset; send either preset_id or format with options",
    });
  } else if (required && !hasPreset && b.format === undefined) {
    ctx.addIssue({ code: "custom", path: ["format"], message: "send either preset_id or format (with options)" });
  }
}

export const CreateScheduleBodySchema = z
  .strictObject({
    name: ExportNameSchema,
    source: ScheduleSourceSchema,
    preset_id: Uuid.optional().meta({ description: "Export with this preset's format, options and name template (copied at run time)." }),
    format: FormatSchema.optional(),
    options: OptionsSchema.optional(),
    cadence: CadenceSchema,
    timezone: TimeZoneSchema.default("UTC"),
    enabled: z.boolean().default(true),
  })
  .superRefine((b, ctx) => presetOrFormat(b, ctx, true))
  .meta({
    id: "CreateScheduleBody",
    example: {
      name: "Weekly structural takeoff",
      source: { type: "document", id: "0b9a…" },
      format: "excel",
      options: { include_costs: true },
      cadence: { every: "week", on: "mon", at: "07:00" },
      timezone: "America/New_York",
    },
  });

export const PatchScheduleBodySchema = z
  .strictObject({
    name: ExportNameSchema.optional(),
    source: ScheduleSourceSchema.optional(),
    preset_id: Uuid.nullable().optional(),
    format: FormatSchema.optional(),
    options: OptionsSchema.optional(),
    cadence: CadenceSchema.optional(),
    timezone: TimeZoneSchema.optional(),
    enabled: z.boolean().optional(),
  })
  .superRefine((b, ctx) => presetOrFormat(b, ctx, false))
  .refine((b) => Object.keys(b).length > 0, "Send at least one field to change.")
  .meta({ id: "PatchScheduleBody", example: { cadence: { every: "day", at: "06:30" } } });

export type CreateScheduleBody = z.output<typeof CreateScheduleBodySchema>;
export type PatchScheduleBody = z.output<typeof PatchScheduleBodySchema>;
