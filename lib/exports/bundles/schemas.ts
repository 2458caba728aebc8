/**
 * The bundle request of `POST /api/exports` (SPEC §14.3):
 * `{source: {type: "documents", ids}, formats, options?, name?, description?}`.
 *
 * Options are per format: `options` is keyed by the formats asked for
 * (`{csv: {delimiter: ";"}, pdf: {page_size: "a4"}}`), each validated exactly
 * as for a single export of that format (unknown keys are 422 at
 * `options.{format}.{key}`); a format without an entry gets its defaults. One
 * flat object for every format could carry only the options all of them
 * share, so a CSV delimiter and a PDF page size could not go in one bundle.
 */
import { z } from "zod";
import { ExportDescriptionSchema, ExportNameSchema, FORMAT_ALIASES, FormatSchema } from "../schemas";
import { BUNDLE_MAX_DOCUMENTS, BUNDLE_MAX_FORMATS } from "./parts";

/** Each id at most once; a repeated one is named at its index. */
function distinct<T>(label: string, show: (value: T) => string = String) {
  return (values: T[], ctx: z.RefinementCtx) => {
    const seen = new Set<T>();
    values.forEach((v, i) => {
      if (seen.has(v)) ctx.addIssue({ code: "custom", path: [i], message: `${label} ${show(v)} is listed more than once` });
      seen.add(v);
    });
  };
}

export const BundleCreateBodySchema = z
  .strictObject({
    source: z.strictObject({
      type: z.literal("documents"),
      ids: z
        .array(z.string().max(100))
        .min(1, "list at least one document")
        .max(BUNDLE_MAX_DOCUMENTS, `a bundle holds at most ${BUNDLE_MAX_DOCUMENTS} documents`)
        .transform((ids) => ids.map((id) => id.trim().toLowerCase()))
        .superRefine(distinct<string>("document", (id) => `"${id}"`))
        .meta({ items: { type: "string", format: "uuid" }, description: "The documents, of any of the caller's projects, in .zip order." }),
    }),
    formats: z
      .array(FormatSchema)
      .min(1, "list at least one format")
      .max(BUNDLE_MAX_FORMATS, `a bundle has at most ${BUNDLE_MAX_FORMATS} formats`)
      .superRefine(distinct<string>("format", (f) => `"${f}"`))
      .meta({ description: "One file per document and format (`xlsx` is accepted for `excel`)." }),
    format: z.unknown().optional().meta({ description: "Not with `formats`: a bundle's formats are `formats`." }),
    options: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ description: 'Options by format, e.g. `{csv: {delimiter: ";"}}`; each validated as for a single export of that format.' }),
    name: ExportNameSchema.optional(),
    description: ExportDescriptionSchema.nullish(),
  })
  .superRefine((body, ctx) => {
    if (body.format !== undefined)
      ctx.addIssue({ code: "custom", path: ["format"], message: "send formats (a bundle) or format (one file), not both" });
    for (const key of Object.keys(body.options ?? {})) {
      if (!(body.formats as string[]).includes(optionsFormat(key)))
        ctx.addIssue({ code: "custom", path: ["options", key], message: `options are by format; "${key}" is not one of formats` });
    }
  })
  .meta({
    id: "BundleCreateBody",
    example: { source: { type: "documents", ids: ["0b9a…", "4c1d…"] }, formats: ["csv", "excel"], options: { csv: { delimiter: ";" } } },
  });

/** The format an `options` key stands for (`xlsx` is `excel`, as in `formats`). */
export function optionsFormat(key: string): string {
  return FORMAT_ALIASES.get(key.toLowerCase()) ?? key;
}

export type BundleCreateBody = z.output<typeof BundleCreateBodySchema>;
