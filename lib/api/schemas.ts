/**
 * Response schemas of the API. They type the serialisers (so a response
 * cannot drift from its schema at compile time) and, with the request
 * schemas, generate the OpenAPI document (lib/api/openapi.ts).
 */
import { z } from "zod";
import {
  ERROR_KINDS,
  EXPORT_EVENT_TYPES,
  EXPORT_FORMATS,
  EXPORT_STATUSES,
  EXPORT_TYPES,
  MEASUREMENT_TYPES,
  STORED_FORMATS,
} from "@/db/schema";
import { COLUMN_FORMATS, COLUMN_IDS } from "@/lib/exports/formats/columns";
import { ERROR_STATUS } from "./errors";

const Uuid = z.string().uuid();
const Timestamp = z.iso.datetime({ offset: true }).meta({ description: "ISO 8601, UTC" });
const nullable = <T extends z.ZodType>(s: T) => s.nullable();

export const ErrorResponseSchema = z
  .strictObject({
    success: z.literal(false),
    error: z.strictObject({
      code: z.enum(Object.keys(ERROR_STATUS) as [keyof typeof ERROR_STATUS, ...(keyof typeof ERROR_STATUS)[]]),
      message: z.string(),
      details: z.array(z.strictObject({ path: z.string(), message: z.string() })).optional(),
      request_id: z.string().optional(),
    }),
  })
  .meta({
    id: "Error",
    example: {
      success: false,
      error: {
        code: "validation_failed",
        message: 'format: Unsupported format "docx". Use one of: csv, excel, pdf, json, ost.',
        details: [{ path: "format", message: "…" }],
      },
    },
  });

export const ExportSchema = z
  .strictObject({
    id: Uuid,
    type: z.enum(EXPORT_TYPES),
    name: z.string(),
    description: nullable(z.string()),
    project_id: Uuid,
    document_id: nullable(Uuid),
    format: z.enum(STORED_FORMATS).meta({ description: "`zip` for a bundle (type `bulk_export`, SPEC §14.3)." }),
    options: z
      .record(z.string(), z.unknown())
      .meta({ description: "Normalised options; a bundle's are `{bundle: {document_ids, formats, options: {<format>: {…}}}}`." }),
    status: z.enum(EXPORT_STATUSES),
    progress: z.number().int().min(0).max(100),
    progress_step: nullable(z.string()),
    rows_total: nullable(z.number().int()),
    records_count: z.number().int(),
    file_key: nullable(z.string()),
    file_name: nullable(z.string()),
    file_size: nullable(z.number().int()),
    content_type: nullable(z.string()),
    checksum_sha256: nullable(z.string()),
    error_message: nullable(z.string()),
    error_kind: nullable(z.enum(ERROR_KINDS)),
    warnings: z.array(z.string()),
    attempts: z.number().int(),
    download_count: z.number().int(),
    last_downloaded_at: nullable(Timestamp),
    download_url: nullable(z.string()).meta({ description: "Fresh signed URL, only when completed; null when signing fails." }),
    expires_at: nullable(Timestamp),
    task_id: Uuid,
    preset_id: nullable(Uuid).meta({ description: "The preset it was made from (SPEC §13.1)." }),
    schedule_id: nullable(Uuid).meta({ description: "The schedule that made it (SPEC §13.3)." }),
    schedule_slot: nullable(Timestamp).meta({ description: "The schedule slot it ran for; null for “Run now” and unscheduled exports." }),
    duplicate_of: nullable(Uuid).meta({ description: "The export it copies (“Export again”, SPEC §13.2)." }),
    started_at: nullable(Timestamp),
    completed_at: nullable(Timestamp),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .meta({ id: "Export" });

export const CreateExportResponseSchema = z
  .strictObject({
    success: z.literal(true),
    deduplicated: z.literal(true).optional().meta({ description: "Present when an identical export was already pending or processing." }),
    task_id: Uuid,
    export_id: Uuid,
    export: ExportSchema,
    message: z.string(),
  })
  .meta({ id: "CreateExportResponse" });

export const ExportListSchema = z
  .strictObject({ exports: z.array(ExportSchema), total: z.number().int(), next_cursor: nullable(z.string()) })
  .meta({ id: "ExportList" });

export const ProjectExportListSchema = z
  .strictObject({ exports: z.array(ExportSchema), total: z.number().int() })
  .meta({ id: "ProjectExportList" });

export const ExportEventSchema = z
  .strictObject({
    id: Uuid,
    export_id: Uuid,
    type: z.enum(EXPORT_EVENT_TYPES),
    data: z.record(z.string(), z.unknown()),
    ip: nullable(z.string()),
    user_agent: nullable(z.string()),
    created_at: Timestamp,
  })
  .meta({ id: "ExportEvent" });

export const ExportEventListSchema = z.strictObject({ events: z.array(ExportEventSchema) }).meta({ id: "ExportEventList" });

export const TaskStatusSchema = z
  .strictObject({
    task_id: Uuid,
    export_id: Uuid,
    status: z.enum(EXPORT_STATUSES),
    progress: z.strictObject({ percent: z.number().int(), step: nullable(z.string()) }),
    error: nullable(z.strictObject({ message: z.string(), kind: nullable(z.enum(ERROR_KINDS)) })),
    created_at: Timestamp,
    started_at: nullable(Timestamp),
    completed_at: nullable(Timestamp),
  })
  .meta({ id: "TaskStatus" });

export const DownloadLinkSchema = z.strictObject({ url: z.string(), expires_at: Timestamp }).meta({ id: "DownloadLink" });

const CostsSchema = z.strictObject(
  Object.fromEntries(
    [
      "material_cost",
      "labor_cost",
      "equipment_cost",
      "subcontract_cost",
      "other_cost",
      "total_cost",
      "unit_cost",
      "total_labor_hours",
      "overhead_percent",
      "profit_percent",
      "total_with_markup",
    ].map((k) => [k, z.number().nullable()]),
  ),
);

const ConditionSchema = z
  .strictObject({
    id: Uuid,
    name: z.string(),
    description: nullable(z.string()),
    scope: nullable(z.string()),
    category: nullable(z.string()),
    measurement_type: z.enum(MEASUREMENT_TYPES),
    unit: z.string(),
    color: nullable(z.string()),
    depth: nullable(z.number()),
    thickness: nullable(z.number()),
    building: nullable(z.string()),
    area: nullable(z.string()),
    elevation: nullable(z.string()),
    sort_order: z.number().int(),
    costs: nullable(CostsSchema),
    total_quantity: z.number(),
    measurement_count: z.number().int(),
  })
  .meta({ id: "Condition" });

const TotalsSchema = z.strictObject({
  conditions: z.number().int(),
  measurements: z.number().int(),
  by_unit: z.record(z.string(), z.strictObject({ count: z.number().int(), total_quantity: z.number() })),
  total_with_markup: nullable(z.number()),
});

const ProjectBase = {
  id: Uuid,
  name: z.string(),
  description: nullable(z.string()),
  client_name: nullable(z.string()),
  address: nullable(z.string()),
  created_at: Timestamp,
  updated_at: Timestamp,
};

export const ProjectListSchema = z
  .strictObject({
    projects: z.array(
      z.strictObject({
        ...ProjectBase,
        documents_count: z.number().int(),
        conditions_count: z.number().int(),
        measurements_count: z.number().int(),
      }),
    ),
  })
  .meta({ id: "ProjectList" });

export const ProjectDetailSchema = z
  .strictObject({
    project: z.strictObject({
      ...ProjectBase,
      documents: z.array(
        z.strictObject({
          id: Uuid,
          name: z.string(),
          page_count: z.number().int(),
          measurements_count: z.number().int(),
          created_at: Timestamp,
        }),
      ),
      conditions: z.array(ConditionSchema),
      totals: TotalsSchema,
    }),
  })
  .meta({ id: "ProjectDetail" });

export const DocumentDetailSchema = z
  .strictObject({
    document: z.strictObject({
      id: Uuid,
      project_id: Uuid,
      name: z.string(),
      page_count: z.number().int(),
      created_at: Timestamp,
      updated_at: Timestamp,
      project: z.strictObject({ id: Uuid, name: z.string(), client_name: nullable(z.string()) }),
      pages: z.array(
        z.strictObject({
          id: Uuid,
          page_number: nullable(z.number().int()),
          sheet_number: nullable(z.string()),
          sheet_title: nullable(z.string()),
          measurements_count: z.number().int(),
        }),
      ),
      conditions: z.array(ConditionSchema),
      totals: TotalsSchema,
    }),
  })
  .meta({ id: "DocumentDetail" });

export const ImportResultSchema = z
  .strictObject({
    project: z.strictObject({
      id: Uuid,
      name: z.string(),
      conditions: z.array(z.strictObject({ id: Uuid, ref: z.string(), name: z.string() })),
      documents: z.array(
        z.strictObject({ id: Uuid, name: z.string(), pages: z.array(z.strictObject({ id: Uuid, page_number: z.number().int() })) }),
      ),
      measurements_count: z.number().int(),
    }),
  })
  .meta({ id: "ImportResult" });

const OptionInfoSchema = z.strictObject({
  key: z.string(),
  type: z.enum(["boolean", "string", "array"]),
  default: z.unknown().optional(),
  enum: z.array(z.unknown()).optional().meta({ description: "Allowed values, when the option is a choice." }),
  items: z.strictObject({ type: z.string(), format: z.string().optional() }).optional(),
  description: z.string(),
});

export const FormatInfoSchema = z
  .strictObject({
    id: z.enum(EXPORT_FORMATS),
    label: z.string(),
    extension: z.string(),
    content_type: z.string(),
    description: z.string(),
    options: z.array(OptionInfoSchema),
    options_schema: z.record(z.string(), z.unknown()).optional(),
    max_rows: nullable(z.number().int()).meta({
      description: "The most measurements this format exports (null: no limit). A source with more cannot be exported in it.",
    }),
  })
  .meta({ id: "FormatInfo" });

export const CatalogueSchema = z
  .strictObject({
    source: z.strictObject({
      type: z.enum(["document", "project"]),
      id: Uuid,
      name: z.string(),
      project_id: Uuid,
      page_count: z.number().int().optional(),
      measurements_count: z.number().int(),
    }),
    suggested_name: z.string(),
    default_format: z.enum(EXPORT_FORMATS),
    pdf_max_rows: z
      .number()
      .int()
      .meta({ description: "The PDF format's max_rows, kept for clients written before formats carried their own." }),
    formats: z.array(FormatInfoSchema),
    columns: z
      .array(
        z.strictObject({
          id: z.enum(COLUMN_IDS),
          header: z.string().meta({ description: "The header as CSV writes it (Excel and PDF shorten Sheet Number and Geometry Type)." }),
          formats: z.array(z.enum(COLUMN_FORMATS)),
        }),
      )
      .meta({ description: "Every measurement column the `columns` option takes (SPEC §12.2), in catalogue order." }),
    default_columns: z
      .strictObject({ csv: z.array(z.enum(COLUMN_IDS)), excel: z.array(z.enum(COLUMN_IDS)), pdf: z.array(z.enum(COLUMN_IDS)) })
      .meta({ description: "The columns each format writes for this source without `columns` (a project export includes `document`)." }),
  })
  .meta({ id: "ExportCatalogue" });

const ApiKeySchema = z
  .strictObject({
    id: z.string(),
    name: nullable(z.string()),
    start: nullable(z.string()).meta({ description: "The first characters of the key, to recognise it." }),
    created_at: Timestamp,
    last_used_at: nullable(Timestamp),
    expires_at: nullable(Timestamp),
  })
  .meta({ id: "ApiKey" });

export const ApiKeyListSchema = z.strictObject({ api_keys: z.array(ApiKeySchema) }).meta({ id: "ApiKeyList" });
export const ApiKeyCreatedSchema = z
  .strictObject({
    api_key: ApiKeySchema,
    key: z.string().meta({ description: "The key itself; shown only in this response." }),
    message: z.string(),
  })
  .meta({ id: "ApiKeyCreated" });

const Check = z.strictObject({ ok: z.boolean(), detail: z.string() });
export const HealthSchema = z
  .strictObject({
    status: z.enum(["ok", "degraded"]),
    /** The parts that could not serve a request; only when degraded. */
    failing: z.array(z.enum(["database", "storage", "auth"])).optional(),
    /** The Node.js version the server runs on. */
    node: z.string(),
    database: Check.extend({ mode: z.enum(["pglite", "postgres"]) }),
    storage: Check.extend({ mode: z.enum(["disk", "s3"]) }),
    auth: Check,
    runner: z.looseObject({ mode: z.enum(["inline", "inngest"]), ok: z.boolean() }),
  })
  .meta({ id: "Health" });
