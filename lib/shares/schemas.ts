/**
 * Share link schemas (SPEC §14.2): the create body the route validates, and
 * the response shapes that type the serialiser and feed the OpenAPI document.
 */
import { z } from "zod";
import { SHARE_LABEL_MAX, SHARE_MAX_DOWNLOADS, SHARE_STATES } from "./model";

const Uuid = z.string().uuid();
const Timestamp = z.iso.datetime({ offset: true }).meta({ description: "ISO 8601, UTC" });

export const CreateShareBodySchema = z
  .strictObject({
    label: z
      .string()
      .trim()
      .max(SHARE_LABEL_MAX, `must be at most ${SHARE_LABEL_MAX} characters`)
      .nullish()
      .transform((v) => v || null)
      .meta({ description: "Who or what the link is for, shown on the dashboard only." }),
    expires_in_hours: z
      .number()
      .int("must be a whole number of hours")
      .min(1, "must be at least 1")
      .max(24 * 3650)
      .optional()
      .meta({
        description: "Hours until the link expires; by default it lives as long as the export's file. Past the file's expiry is a 422.",
      }),
    max_downloads: z
      .number()
      .int("must be a whole number")
      .min(1, "must be at least 1")
      .max(SHARE_MAX_DOWNLOADS, `must be at most ${SHARE_MAX_DOWNLOADS}`)
      .nullish()
      .meta({ description: "Downloads allowed through the link; unlimited when absent." }),
  })
  .meta({ id: "CreateShareBody", example: { label: "Acme Drywall", expires_in_hours: 72, max_downloads: 5 } });

export type CreateShareBody = z.output<typeof CreateShareBodySchema>;

export const ShareSchema = z
  .strictObject({
    id: Uuid,
    export_id: Uuid,
    label: z.string().nullable(),
    state: z.enum(SHARE_STATES).meta({
      description:
        "active; revoked; expired (past its expires_at); limit_reached (max_downloads used); unavailable (the export's file is gone).",
    }),
    expires_at: Timestamp,
    max_downloads: z.number().int().nullable(),
    download_count: z.number().int(),
    downloads_left: z.number().int().nullable().meta({ description: "null when unlimited" }),
    last_downloaded_at: Timestamp.nullable(),
    revoked_at: Timestamp.nullable(),
    created_at: Timestamp,
  })
  .meta({ id: "Share" });

export const ShareCreatedSchema = ShareSchema.extend({
  url: z.string().url().meta({ description: "The public link. Shown only in this response: only a hash of its token is stored." }),
}).meta({ id: "ShareCreated" });

export const ShareListSchema = z.strictObject({ shares: z.array(ShareSchema) }).meta({ id: "ShareList" });

export type ShareOut = z.output<typeof ShareSchema>;
export type ShareCreatedOut = z.output<typeof ShareCreatedSchema>;
