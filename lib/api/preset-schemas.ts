/** Response schemas of the preset routes (SPEC §13.1); they feed the OpenAPI document and its contract test. */
import { z } from "zod";
import { EXPORT_FORMATS } from "@/db/schema";

const Timestamp = z.iso.datetime({ offset: true }).meta({ description: "ISO 8601, UTC" });

export const PresetSchema = z
  .strictObject({
    id: z.string().uuid(),
    name: z.string(),
    description: z.string().nullable(),
    format: z.enum(EXPORT_FORMATS),
    options: z.record(z.string(), z.unknown()).meta({ description: "Normalised: every default filled in, as an export stores them." }),
    name_template: z.string().nullable(),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .meta({ id: "Preset" });

export const PresetListSchema = z.strictObject({ presets: z.array(PresetSchema) }).meta({ id: "PresetList" });
