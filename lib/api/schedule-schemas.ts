/**
 * The schedule routes' response schemas and OpenAPI operations (SPEC §13.3),
 * merged into the document by lib/api/openapi.ts. The serialiser is typed by
 * these schemas, so the responses cannot drift from them.
 */
import { z } from "zod";
import { EXPORT_FORMATS, EXPORT_STATUSES } from "@/db/schema";
import { CadenceSchema } from "@/lib/schedules/cadence";
import { CreateScheduleBodySchema, PatchScheduleBodySchema } from "@/lib/schedules/schemas";
import type { ScheduleOut } from "@/lib/schedules/serialize";
import { CreateExportResponseSchema, ErrorResponseSchema } from "./schemas";

const Uuid = z.string().uuid();
const Timestamp = z.iso.datetime({ offset: true }).meta({ description: "ISO 8601, UTC" });

export const ScheduleSchema = z
  .strictObject({
    id: Uuid,
    name: z.string(),
    source: z.strictObject({
      type: z.enum(["document", "project"]),
      id: Uuid,
      name: z.string().nullable().meta({ description: "The document's or project's name; null once it is deleted." }),
    }),
    preset_id: Uuid.nullable().meta({ description: "Exports use this preset's format, options and name template, copied at run time." }),
    format: z.enum(EXPORT_FORMATS).nullable().meta({ description: "Without a preset: the format (null with a preset)." }),
    options: z.record(z.string(), z.unknown()).nullable().meta({ description: "Without a preset: the normalised options." }),
    cadence: CadenceSchema,
    timezone: z.string().meta({ description: "IANA time zone of the cadence's local times." }),
    enabled: z.boolean(),
    paused_reason: z
      .string()
      .nullable()
      .meta({ description: 'Why it was paused automatically ("The document was deleted", …); null when paused by hand.' }),
    next_run_at: Timestamp.nullable().meta({ description: "The next slot (null while paused)." }),
    last_run_at: Timestamp.nullable(),
    last_export_id: Uuid.nullable(),
    last_export_status: z.enum(EXPORT_STATUSES).nullable().meta({ description: "The last export's status; null when it was deleted." }),
    consecutive_failures: z.number().int().min(0),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .meta({ id: "Schedule" });

export const ScheduleListSchema = z
  .strictObject({ schedules: z.array(ScheduleSchema), total: z.number().int() })
  .meta({ id: "ScheduleList" });

// The serialiser's output must fit the schema.
type Assert<T extends z.input<typeof ScheduleSchema>> = T;
export type ScheduleOutChecked = Assert<ScheduleOut>;

const err = (description: string) => ({ description, schema: ErrorResponseSchema });
const E = {
  400: err("Body is not JSON, or not sent as application/json"),
  401: err("No or bad session / API key"),
  403: err("Cross-origin request with a session cookie"),
  404: err("Missing, malformed id, or another user's schedule (or source or preset in the body)"),
  413: err("Body over the size limit"),
  422: err("Validation failed; `details` has JSON paths"),
};

export const SCHEDULE_OPERATIONS = {
  "/api/schedules": {
    get: {
      summary: "The caller's schedules, newest first (SPEC §13.3)",
      tag: "Schedules",
      responses: { 200: { description: "Schedules", schema: ScheduleListSchema }, 401: E[401] },
    },
    post: {
      summary: "Create a schedule: a source, a preset or format + options, a cadence in a time zone (at most 50 per user)",
      tag: "Schedules",
      body: CreateScheduleBodySchema,
      responses: {
        201: { description: "Created, with its next run", schema: ScheduleSchema },
        400: E[400],
        401: E[401],
        403: E[403],
        404: err("The source or preset is missing or another user's"),
        409: err("The account already has 50 schedules"),
        413: E[413],
        422: E[422],
      },
    },
  },
  "/api/schedules/{id}": {
    get: {
      summary: "One schedule",
      tag: "Schedules",
      responses: { 200: { description: "The schedule", schema: ScheduleSchema }, 401: E[401], 404: E[404] },
    },
    patch: {
      summary: "Change a schedule; next_run_at is recomputed (`enabled` pauses or resumes)",
      tag: "Schedules",
      body: PatchScheduleBodySchema,
      responses: {
        200: { description: "The schedule", schema: ScheduleSchema },
        400: E[400],
        401: E[401],
        403: E[403],
        404: E[404],
        413: E[413],
        422: E[422],
      },
    },
    delete: {
      summary: "Delete a schedule (its exports stay)",
      tag: "Schedules",
      responses: { 204: { description: "Deleted" }, 401: E[401], 403: E[403], 404: E[404] },
    },
  },
  "/api/schedules/{id}/run": {
    post: {
      summary: "Run now: an export of the schedule at once, paused or not",
      tag: "Schedules",
      responses: {
        202: { description: "Export created and queued", schema: CreateExportResponseSchema, headers: ["Location"] },
        401: E[401],
        403: E[403],
        404: E[404],
        409: err("The schedule's source was deleted (the schedule is paused)"),
        422: err("The schedule's options no longer fit its source, or the PDF cap"),
        429: err("Too many active exports (`Retry-After`)"),
      },
    },
  },
  "/api/schedules/{id}/pause": {
    post: {
      summary: "Pause: no runs until resumed",
      tag: "Schedules",
      responses: { 200: { description: "The schedule", schema: ScheduleSchema }, 401: E[401], 403: E[403], 404: E[404] },
    },
  },
  "/api/schedules/{id}/resume": {
    post: {
      summary: "Resume: next_run_at from now, the failure count reset",
      tag: "Schedules",
      responses: {
        200: { description: "The schedule", schema: ScheduleSchema },
        401: E[401],
        403: E[403],
        404: E[404],
        409: err("The schedule's source was deleted: point it at another source first"),
      },
    },
  },
};
