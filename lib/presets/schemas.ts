/** Request bodies of the preset routes (SPEC §13.1). Options are validated by the service, for the preset's format. */
import { z } from "zod";
import { ExportDescriptionSchema, FormatSchema } from "@/lib/exports/schemas";
import { PLACEHOLDER_LIST, unknownPlaceholders } from "./template";

const NO_CONTROL_CHARS = /^[^\u0000-\u001f\u007f]*$/;

export const PresetNameSchema = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(100, "must be at most 100 characters")
  .regex(NO_CONTROL_CHARS, "must not contain control characters such as line breaks");

export const NameTemplateSchema = z
  .string()
  .trim()
  .min(1, "must not be empty (send null to remove the template)")
  .max(200, "must be at most 200 characters")
  .regex(NO_CONTROL_CHARS, "must not contain control characters such as line breaks")
  .superRefine((template, ctx) => {
    for (const token of unknownPlaceholders(template))
      ctx.addIssue({ code: "custom", message: `unknown placeholder ${token}; use ${PLACEHOLDER_LIST}` });
  })
  .meta({
    description: `The name of exports made with the preset when the request names none. Placeholders: ${PLACEHOLDER_LIST} ({date} is YYYY-MM-DD in the options' timezone).`,
    example: "{project} – {document} {date}",
  });

const PresetOptionsSchema = z.record(z.string(), z.unknown()).meta({
  description: "The format's options, validated and normalised exactly as on export creation (see GET /api/documents/{id}/export).",
});

export const CreatePresetBodySchema = z
  .strictObject({
    name: PresetNameSchema,
    description: ExportDescriptionSchema.nullish(),
    format: FormatSchema,
    options: PresetOptionsSchema.optional(),
    name_template: NameTemplateSchema.nullish(),
  })
  .meta({
    id: "CreatePresetBody",
    example: { name: "Weekly Excel with costs", format: "excel", options: { include_costs: true }, name_template: "{project} {date}" },
  });

export const PatchPresetBodySchema = z
  .strictObject({
    name: PresetNameSchema.optional(),
    description: ExportDescriptionSchema.nullable().optional(),
    format: FormatSchema.optional(),
    options: PresetOptionsSchema.optional(),
    name_template: NameTemplateSchema.nullable().optional(),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), "Send at least one of name, description, format, options, name_template.")
  .meta({ id: "PatchPresetBody" });

export type CreatePresetBody = z.output<typeof CreatePresetBodySchema>;
export type PatchPresetBody = z.output<typeof PatchPresetBodySchema>;
