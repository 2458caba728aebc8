/**
 * The whole data model (SPEC §3): auth tables (better-auth), host takeoff data,
 * exports and their audit trail. Each table keeps its enums and indexes
 * beside it (no drizzle relations: every query joins explicitly). Migrations are generated from this file with
 * `npm run db:generate` and committed under db/migrations.
 */
import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { ERROR_KINDS, EXPORT_EVENT_TYPES, EXPORT_FORMATS, EXPORT_STATUSES, EXPORT_TYPES, STORED_FORMATS } from "../lib/exports/model";
import type { ErrorKind, ExportEventType, ExportFormat, ExportStatus, ExportType, StoredFormat } from "../lib/exports/model";

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });
const createdAt = () => ts("created_at").notNull().defaultNow();
const updatedAt = () => ts("updated_at").notNull().defaultNow();

// ---------------------------------------------------------------------------
// Auth (better-auth core schema + the api-key plugin's table). Ids are text
// because better-auth mints them.
// ---------------------------------------------------------------------------

export const users = pgTable("users", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  email: text("email").notNull().unique(),
  emailVerified: boolean("email_verified").notNull().default(false),
  image: text("image"),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const sessions = pgTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    expiresAt: ts("expires_at").notNull(),
    token: text("token").notNull().unique(),
    ipAddress: text("ip_address"),
    userAgent: text("user_agent"),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("sessions_user_id_idx").on(t.userId)],
);

export const accounts = pgTable(
  "accounts",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull(),
    providerId: text("provider_id").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    accessToken: text("access_token"),
    refreshToken: text("refresh_token"),
    idToken: text("id_token"),
    accessTokenExpiresAt: ts("access_token_expires_at"),
    refreshTokenExpiresAt: ts("refresh_token_expires_at"),
    scope: text("scope"),
    password: text("password"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("accounts_user_id_idx").on(t.userId)],
);

export const verifications = pgTable(
  "verifications",
  {
    id: text("id").primaryKey(),
    identifier: text("identifier").notNull(),
    value: text("value").notNull(),
    expiresAt: ts("expires_at").notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("verifications_identifier_idx").on(t.identifier)],
);

/** API keys (better-auth api-key plugin). Only the hash of a key is stored. */
export const apiKeys = pgTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    configId: text("config_id").notNull().default("default"),
    name: text("name"),
    start: text("start"),
    prefix: text("prefix"),
    key: text("key").notNull(),
    referenceId: text("reference_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    refillInterval: integer("refill_interval"),
    refillAmount: integer("refill_amount"),
    lastRefillAt: ts("last_refill_at"),
    enabled: boolean("enabled").default(true),
    rateLimitEnabled: boolean("rate_limit_enabled").default(true),
    rateLimitTimeWindow: integer("rate_limit_time_window"),
    rateLimitMax: integer("rate_limit_max"),
    requestCount: integer("request_count").default(0),
    remaining: integer("remaining"),
    lastRequest: ts("last_request"),
    expiresAt: ts("expires_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    permissions: text("permissions"),
    metadata: text("metadata"),
  },
  (t) => [
    uniqueIndex("api_keys_key_idx").on(t.key),
    index("api_keys_reference_id_idx").on(t.referenceId),
    index("api_keys_config_id_idx").on(t.configId),
  ],
);

// ---------------------------------------------------------------------------
// Host data: projects → documents → pages; conditions → measurements.
// ---------------------------------------------------------------------------

export const projects = pgTable(
  "projects",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    description: text("description"),
    clientName: text("client_name"),
    address: text("address"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("projects_user_created_idx").on(t.userId, t.createdAt.desc(), t.id.desc())],
);

export const documents = pgTable(
  "documents",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    pageCount: integer("page_count").notNull().default(0),
    /** Import order within the project. */
    position: integer("position").notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("documents_project_idx").on(t.projectId, t.position)],
);

export const pages = pgTable(
  "pages",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    documentId: uuid("document_id")
      .notNull()
      .references(() => documents.id, { onDelete: "cascade" }),
    pageNumber: integer("page_number"),
    sheetNumber: text("sheet_number"),
    sheetTitle: text("sheet_title"),
  },
  (t) => [index("pages_document_idx").on(t.documentId, t.pageNumber)],
);

export const MEASUREMENT_TYPES = ["linear", "area", "volume", "count"] as const;
export const measurementType = pgEnum("measurement_type", MEASUREMENT_TYPES);

export const conditions = pgTable(
  "conditions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    description: text("description"),
    scope: text("scope"),
    category: text("category"),
    measurementType: measurementType("measurement_type").notNull(),
    unit: text("unit").notNull(),
    color: text("color"),
    depth: doublePrecision("depth"),
    thickness: doublePrecision("thickness"),
    building: text("building"),
    area: text("area"),
    elevation: text("elevation"),
    sortOrder: integer("sort_order").notNull().default(0),
    materialCost: doublePrecision("material_cost"),
    laborCost: doublePrecision("labor_cost"),
    equipmentCost: doublePrecision("equipment_cost"),
    subcontractCost: doublePrecision("subcontract_cost"),
    otherCost: doublePrecision("other_cost"),
    totalCost: doublePrecision("total_cost"),
    unitCost: doublePrecision("unit_cost"),
    totalLaborHours: doublePrecision("total_labor_hours"),
    overheadPercent: doublePrecision("overhead_percent"),
    profitPercent: doublePrecision("profit_percent"),
    totalWithMarkup: doublePrecision("total_with_markup"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("conditions_project_idx").on(t.projectId, t.sortOrder)],
);

export const GEOMETRY_TYPES = ["line", "polyline", "polygon", "rectangle", "circle", "point"] as const;
export const geometryType = pgEnum("geometry_type", GEOMETRY_TYPES);

export const measurements = pgTable(
  "measurements",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    conditionId: uuid("condition_id")
      .notNull()
      .references(() => conditions.id, { onDelete: "cascade" }),
    pageId: uuid("page_id").references(() => pages.id, { onDelete: "set null" }),
    geometryType: geometryType("geometry_type").notNull(),
    geometry: jsonb("geometry").notNull(),
    quantity: doublePrecision("quantity").notNull(),
    unit: text("unit").notNull(),
    isAiGenerated: boolean("is_ai_generated").notNull().default(false),
    isVerified: boolean("is_verified").notNull().default(false),
    notes: text("notes"),
    /** Insertion order (import order across the project). */
    position: bigint("position", { mode: "number" }).notNull().default(0),
  },
  (t) => [
    index("measurements_condition_idx").on(t.conditionId, t.position),
    index("measurements_page_idx").on(t.pageId),
    // Export reads (lib/exports/source/queries.ts): one index range per (condition, page) in (position, id) order.
    index("measurements_condition_page_idx").on(t.conditionId, t.pageId, t.position, t.id),
  ],
);

// ---------------------------------------------------------------------------
// Exports and their audit trail.
// ---------------------------------------------------------------------------

// The lists live in lib/exports/model.ts, which the dashboard imports too.
// `zip` is a bundle's (SPEC §14.3); presets and schedules keep to the renderable formats.
export const exportFormat = pgEnum("export_format", STORED_FORMATS);
export const exportType = pgEnum("export_type", EXPORT_TYPES);
export const exportStatus = pgEnum("export_status", EXPORT_STATUSES);
export const errorKind = pgEnum("error_kind", ERROR_KINDS);
export const exportEventType = pgEnum("export_event_type", EXPORT_EVENT_TYPES);

export const exports = pgTable(
  "exports",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    type: exportType("type").notNull(),
    // No foreign keys to host data: deleting a project removes its exports in
    // the service (files first), and a running job must notice a vanished
    // source instead of having its row disappear under it.
    projectId: uuid("project_id").notNull(),
    documentId: uuid("document_id"),
    name: text("name").notNull(),
    description: text("description"),
    format: exportFormat("format").notNull(),
    options: jsonb("options").notNull().$type<Record<string, unknown>>().default({}),
    status: exportStatus("status").notNull().default("pending"),
    progress: integer("progress").notNull().default(0),
    progressStep: text("progress_step"),
    rowsTotal: integer("rows_total"),
    recordsCount: integer("records_count").notNull().default(0),
    fileKey: text("file_key"),
    fileName: text("file_name"),
    fileSize: bigint("file_size", { mode: "number" }),
    contentType: text("content_type"),
    checksumSha256: text("checksum_sha256"),
    errorMessage: text("error_message"),
    errorKind: errorKind("error_kind"),
    attempts: integer("attempts").notNull().default(0),
    warnings: jsonb("warnings").notNull().$type<string[]>().default([]),
    downloadCount: integer("download_count").notNull().default(0),
    lastDownloadedAt: ts("last_downloaded_at"),
    idempotencyKey: text("idempotency_key"),
    /** The preset the export was made from (SPEC §13.1); its options were copied, so editing the preset changes nothing here. */
    presetId: uuid("preset_id"),
    /** The schedule that made it (SPEC §13.3) and the slot it ran for; null slot = "Run now". */
    scheduleId: uuid("schedule_id"),
    scheduleSlot: ts("schedule_slot"),
    /** "Export again" (SPEC §13.2): the export this one copied. No foreign key: the original may be deleted. */
    duplicateOf: uuid("duplicate_of"),
    /** Hash of the normalised request, for idempotency-key reuse checks and de-duplication. */
    requestHash: text("request_hash"),
    taskId: uuid("task_id").notNull().defaultRandom(),
    heartbeatAt: ts("heartbeat_at"),
    expiresAt: ts("expires_at"),
    startedAt: ts("started_at"),
    completedAt: ts("completed_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("exports_user_created_idx").on(t.userId, t.createdAt.desc(), t.id.desc()),
    // Serves the status-filtered list in order (and the per-user active count by its prefix).
    index("exports_user_status_created_idx").on(t.userId, t.status, t.createdAt.desc(), t.id.desc()),
    index("exports_project_idx").on(t.projectId, t.createdAt.desc()),
    uniqueIndex("exports_task_id_idx").on(t.taskId),
    uniqueIndex("exports_user_idempotency_idx")
      .on(t.userId, t.idempotencyKey)
      .where(sql`${t.idempotencyKey} is not null`),
    index("exports_active_idx")
      .on(t.status, t.heartbeatAt)
      .where(sql`${t.status} in ('pending', 'processing')`),
    index("exports_expiry_idx")
      .on(t.expiresAt)
      .where(sql`${t.status} = 'completed'`),
    // Exactly one export per schedule slot (SPEC §13.3), whatever the number of app instances.
    uniqueIndex("exports_schedule_slot_idx")
      .on(t.scheduleId, t.scheduleSlot)
      .where(sql`${t.scheduleSlot} is not null`),
    index("exports_schedule_idx")
      .on(t.scheduleId, t.createdAt.desc())
      .where(sql`${t.scheduleId} is not null`),
  ],
);

/**
 * How many exports each user has in each status, kept exact by triggers on
 * `exports` (migration 0003: insert, delete, status change, truncate) in the
 * same transaction as the change. `GET /api/exports` reads its `total` here
 * when the only filter is the status: counting ten thousand index entries on
 * every list request was most of the list's cost under load (`npm run bench`).
 */
export const exportCounts = pgTable(
  "export_counts",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    status: exportStatus("status").notNull(),
    n: integer("n").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.status] })],
);

export const exportEvents = pgTable(
  "export_events",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    // Deliberately no foreign key: the audit trail survives deletion.
    exportId: uuid("export_id").notNull(),
    userId: text("user_id").notNull(),
    type: exportEventType("type").notNull(),
    data: jsonb("data").notNull().$type<Record<string, unknown>>().default({}),
    ip: text("ip"),
    userAgent: text("user_agent"),
    createdAt: createdAt(),
  },
  (t) => [
    index("export_events_export_idx").on(t.exportId, t.createdAt),
    // Creation rate limit: a user's recent "created" events (they survive deletion).
    index("export_events_user_created_idx")
      .on(t.userId, t.createdAt)
      .where(sql`${t.type} = 'created'`),
    // Download analytics (SPEC §14.4): one user's events in a time range.
    index("export_events_user_time_idx").on(t.userId, t.createdAt),
  ],
);

// ---------------------------------------------------------------------------
// Reuse (SPEC §13): presets and schedules.
// ---------------------------------------------------------------------------

/** Saved export settings (SPEC §13.1). `options` are normalised exactly as on export creation. */
export const exportPresets = pgTable(
  "export_presets",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    description: text("description"),
    format: exportFormat("format").notNull().$type<ExportFormat>(),
    options: jsonb("options").notNull().$type<Record<string, unknown>>().default({}),
    nameTemplate: text("name_template"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("export_presets_user_name_idx").on(t.userId, sql`lower(${t.name})`)],
);

/** Recurring exports (SPEC §13.3). Either `presetId`, or `format` + `options`. */
export const exportSchedules = pgTable(
  "export_schedules",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    sourceType: text("source_type").$type<"document" | "project">().notNull(),
    sourceId: uuid("source_id").notNull(),
    // A preset in use cannot be deleted (409 naming the schedules): no cascade.
    presetId: uuid("preset_id").references(() => exportPresets.id),
    format: exportFormat("format").$type<ExportFormat>(),
    options: jsonb("options").$type<Record<string, unknown>>(),
    cadence: jsonb("cadence").notNull().$type<Record<string, unknown>>(),
    timezone: text("timezone").notNull().default("UTC"),
    enabled: boolean("enabled").notNull().default(true),
    pausedReason: text("paused_reason"),
    nextRunAt: ts("next_run_at"),
    lastRunAt: ts("last_run_at"),
    lastExportId: uuid("last_export_id"),
    consecutiveFailures: integer("consecutive_failures").notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("export_schedules_user_created_idx").on(t.userId, t.createdAt.desc(), t.id.desc()),
    index("export_schedules_due_idx")
      .on(t.nextRunAt)
      .where(sql`${t.enabled}`),
    index("export_schedules_source_idx").on(t.sourceType, t.sourceId),
  ],
);

// ---------------------------------------------------------------------------
// Delivery (SPEC §14): share links.
// ---------------------------------------------------------------------------

/**
 * Public links to one export's file (SPEC §14.2). Only the token's SHA-256 is
 * stored. No foreign key to the export: a share whose export was deleted
 * answers 410 "no longer available", not 404.
 */
export const exportShares = pgTable(
  "export_shares",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    exportId: uuid("export_id").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull(),
    label: text("label"),
    expiresAt: ts("expires_at").notNull(),
    maxDownloads: integer("max_downloads"),
    downloadCount: integer("download_count").notNull().default(0),
    lastDownloadedAt: ts("last_downloaded_at"),
    revokedAt: ts("revoked_at"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("export_shares_token_idx").on(t.tokenHash), index("export_shares_export_idx").on(t.exportId, t.createdAt.desc())],
);

/**
 * Request rate limits shared by every app instance (SPEC §14.2: share links,
 * 60 requests a minute per client address). One row per key holds the times
 * of the requests let through in the last window (a sliding log, at most
 * `limit` entries), updated in one atomic upsert (lib/rate-limits.ts).
 */
export const rateLimits = pgTable(
  "rate_limits",
  {
    key: text("key").primaryKey(),
    hits: ts("hits").array().notNull(),
    /** Whether the last request was let through (read back by the same upsert). */
    allowed: boolean("allowed").notNull(),
    updatedAt: updatedAt(),
  },
  (t) => [index("rate_limits_updated_idx").on(t.updatedAt)],
);

// ---------------------------------------------------------------------------
// Delivery (SPEC §14.1): webhooks. An outbox (webhook_messages) written in the
// same transaction as the change that causes it, and one row per attempt.
// ---------------------------------------------------------------------------

/**
 * A customer's receiver. The secret (`whsec_…`) signs every delivery; it is
 * stored as it is because signing needs it (the app has no key store to
 * encrypt it with) and is shown only at creation and rotation. For 24 h after
 * a rotation the previous secret signs too.
 */
export const webhookEndpoints = pgTable(
  "webhook_endpoints",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    url: text("url").notNull(),
    description: text("description"),
    events: text("events").array().notNull(),
    secret: text("secret").notNull(),
    previousSecret: text("previous_secret"),
    previousSecretExpiresAt: ts("previous_secret_expires_at"),
    enabled: boolean("enabled").notNull().default(true),
    disabledReason: text("disabled_reason"),
    disabledAt: ts("disabled_at"),
    consecutiveFailures: integer("consecutive_failures").notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("webhook_endpoints_user_created_idx").on(t.userId, t.createdAt.desc(), t.id.desc())],
);

/**
 * The outbox: one row per event per endpoint. Its id is the `webhook-id`
 * header, the same for every attempt. `payload` is the event as it was when
 * it happened; the download link is signed fresh at each attempt. A sender
 * claims a due row by taking its lease (FOR UPDATE SKIP LOCKED), so two
 * instances never send one attempt twice; a lease that runs out (a sender
 * killed mid-delivery) makes the row due again.
 */
export const webhookMessages = pgTable(
  "webhook_messages",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    endpointId: uuid("endpoint_id")
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    userId: text("user_id").notNull(),
    type: text("type").notNull(),
    /** The export it is about, when it is about one. */
    exportId: uuid("export_id"),
    payload: jsonb("payload").notNull().$type<Record<string, unknown>>(),
    status: text("status").$type<"pending" | "succeeded" | "failed">().notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    maxAttempts: integer("max_attempts").notNull(),
    nextAttemptAt: ts("next_attempt_at").notNull().defaultNow(),
    leaseId: uuid("lease_id"),
    leaseExpiresAt: ts("lease_expires_at"),
    lastError: text("last_error"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("webhook_messages_due_idx")
      .on(t.nextAttemptAt)
      .where(sql`${t.status} = 'pending'`),
    index("webhook_messages_endpoint_idx").on(t.endpointId, t.createdAt.desc()),
  ],
);

/** One row per attempt (SPEC §14.1): written when the attempt starts, finished with its outcome. */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    messageId: uuid("message_id")
      .notNull()
      .references(() => webhookMessages.id, { onDelete: "cascade" }),
    endpointId: uuid("endpoint_id")
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    userId: text("user_id").notNull(),
    /** The message id: the `webhook-id` header, the same for every attempt of one event. */
    eventId: uuid("event_id").notNull(),
    type: text("type").notNull(),
    attempt: integer("attempt").notNull(),
    status: text("status").$type<"pending" | "succeeded" | "failed">().notNull().default("pending"),
    responseStatus: integer("response_status"),
    durationMs: integer("duration_ms"),
    error: text("error"),
    createdAt: createdAt(),
    finishedAt: ts("finished_at"),
  },
  (t) => [
    index("webhook_deliveries_endpoint_created_idx").on(t.endpointId, t.createdAt.desc(), t.id.desc()),
    index("webhook_deliveries_message_idx").on(t.messageId, t.attempt),
  ],
);

/** Storage objects whose deletion failed; the cleanup job retries them. */
export const storageDeletions = pgTable("storage_deletions", {
  id: uuid("id").primaryKey().defaultRandom(),
  fileKey: text("file_key").notNull().unique(),
  attempts: integer("attempts").notNull().default(0),
  lastError: text("last_error"),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export type Project = typeof projects.$inferSelect;
export type Document = typeof documents.$inferSelect;
export type Page = typeof pages.$inferSelect;
export type Condition = typeof conditions.$inferSelect;
export type Measurement = typeof measurements.$inferSelect;
export type ExportRow = typeof exports.$inferSelect;
export type ExportEventRow = typeof exportEvents.$inferSelect;
export type ExportPresetRow = typeof exportPresets.$inferSelect;
export type ExportScheduleRow = typeof exportSchedules.$inferSelect;
export type ExportShareRow = typeof exportShares.$inferSelect;
export type WebhookEndpointRow = typeof webhookEndpoints.$inferSelect;
export type WebhookMessageRow = typeof webhookMessages.$inferSelect;
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;
export { ERROR_KINDS, EXPORT_EVENT_TYPES, EXPORT_FORMATS, EXPORT_STATUSES, EXPORT_TYPES, STORED_FORMATS };
export type { ErrorKind, ExportEventType, ExportFormat, ExportStatus, ExportType, StoredFormat };
