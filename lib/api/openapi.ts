/**
 * The OpenAPI 3.1 document, generated from the same zod schemas the routes
 * validate with and the serialisers are typed by, so it cannot drift. The
 * test helper validates every response the test suite produces against it.
 */
import { z } from "zod";
import { ListQuerySchema } from "@/lib/exports/schemas";
import { CreateExportRequestSchema, GenericCreateExportBodySchema, PatchExportBodySchema } from "@/lib/exports/schemas";
import { BundleCreateBodySchema } from "@/lib/exports/bundles/schemas";
import { CreatePresetBodySchema, PatchPresetBodySchema } from "@/lib/presets/schemas";
import { PresetListSchema, PresetSchema } from "./preset-schemas";
import { CreateApiKeySchema } from "@/lib/auth/api-keys";
import { PageMapQuerySchema } from "@/lib/takeoff/page-map";
import { CreateShareBodySchema, ShareCreatedSchema, ShareListSchema } from "@/lib/shares/schemas";
import { DownloadStatsSchema, StatsQuerySchema } from "@/lib/exports/stats-schemas";
import { ProjectImportSchema } from "@/lib/takeoff/schemas";
import { SCHEDULE_OPERATIONS } from "./schedule-schemas";
import { WEBHOOK_OPERATIONS } from "./webhook-schemas";
import {
  ApiKeyCreatedSchema,
  ApiKeyListSchema,
  CatalogueSchema,
  CreateExportResponseSchema,
  DocumentDetailSchema,
  DownloadLinkSchema,
  ErrorResponseSchema,
  ExportEventListSchema,
  ExportListSchema,
  ExportSchema,
  HealthSchema,
  ImportResultSchema,
  ProjectDetailSchema,
  ProjectExportListSchema,
  ProjectListSchema,
  TaskStatusSchema,
} from "./schemas";

type Method = "get" | "post" | "patch" | "delete";
type Responses = Record<number, { description: string; schema?: z.ZodType; headers?: string[]; mediaType?: string }>;
type Operation = {
  summary: string;
  tag: string;
  public?: boolean;
  body?: z.ZodType;
  query?: z.ZodObject;
  idempotencyKey?: boolean;
  responses: Responses;
};

const err = (description: string) => ({ description, schema: ErrorResponseSchema });
const E = {
  400: err("Body is not JSON, or not sent as application/json"),
  401: err("No or bad session / API key"),
  404: err("Missing, malformed id, or another user's resource"),
  409: err("Not possible in the export's current state"),
  413: err("Body over the size limit"),
  422: err("Validation failed; `details` has JSON paths"),
  429: err("Too many active exports (`Retry-After`)"),
};

const createResponses: Responses = {
  202: { description: "Export created and queued", schema: CreateExportResponseSchema, headers: ["Location"] },
  200: {
    description: "Idempotent replay, or an identical export already pending/processing (`deduplicated: true`)",
    schema: CreateExportResponseSchema,
  },
  400: E[400],
  401: E[401],
  403: err("Cross-origin request with a session cookie"),
  404: E[404],
  413: E[413],
  422: E[422],
  429: E[429],
};

export const OPERATIONS: Record<string, Partial<Record<Method, Operation>>> = {
  "/api/documents/{id}/export": {
    get: {
      summary: "What a document can be exported as: formats, options and defaults, suggested name",
      tag: "Exports",
      responses: { 200: { description: "Catalogue", schema: CatalogueSchema }, 401: E[401], 404: E[404] },
    },
    post: {
      summary: "Start a document export",
      tag: "Exports",
      body: CreateExportRequestSchema,
      idempotencyKey: true,
      responses: createResponses,
    },
  },
  "/api/projects/{id}/export": {
    get: {
      summary: "What a project can be exported as",
      tag: "Exports",
      responses: { 200: { description: "Catalogue", schema: CatalogueSchema }, 401: E[401], 404: E[404] },
    },
    post: {
      summary: "Start a whole-project export",
      tag: "Exports",
      body: CreateExportRequestSchema,
      idempotencyKey: true,
      responses: createResponses,
    },
  },
  "/api/projects/{id}/exports": {
    get: {
      summary: "The project's exports, newest first",
      tag: "Exports",
      responses: { 200: { description: "Exports", schema: ProjectExportListSchema }, 401: E[401], 404: E[404] },
    },
  },
  "/api/exports": {
    get: {
      summary: "The caller's exports, newest first, filtered and cursor-paged",
      tag: "Exports",
      query: ListQuerySchema,
      responses: { 200: { description: "A page of exports", schema: ExportListSchema }, 401: E[401], 422: E[422] },
    },
    post: {
      summary: "Start an export of a document or project (generic), or a bundle of documents × formats as one .zip (SPEC §14.3)",
      tag: "Exports",
      body: z.union([GenericCreateExportBodySchema, BundleCreateBodySchema]),
      idempotencyKey: true,
      responses: createResponses,
    },
  },
  "/api/exports/{id}": {
    get: {
      summary: "One export, with a fresh download URL",
      tag: "Exports",
      responses: { 200: { description: "The export", schema: ExportSchema }, 401: E[401], 404: E[404] },
    },
    patch: {
      summary: "Rename or describe an export",
      tag: "Exports",
      body: PatchExportBodySchema,
      responses: {
        200: { description: "The export", schema: ExportSchema },
        400: E[400],
        401: E[401],
        404: E[404],
        413: E[413],
        422: E[422],
      },
    },
    delete: {
      summary: "Delete an export and its file (a running job is cancelled first)",
      tag: "Exports",
      responses: { 204: { description: "Deleted" }, 401: E[401], 404: E[404] },
    },
  },
  "/api/exports/{id}/retry": {
    post: {
      summary: "Re-run a failed, cancelled or expired export in place",
      tag: "Exports",
      responses: { 202: { description: "Queued again", schema: ExportSchema }, 401: E[401], 404: E[404], 409: E[409], 429: E[429] },
    },
  },
  "/api/exports/{id}/duplicate": {
    post: {
      summary: "Export again: a new export of the same source, format, options and name, on the current data (SPEC §13.2)",
      tag: "Exports",
      idempotencyKey: true,
      responses: {
        202: { description: "The copy, created and queued", schema: CreateExportResponseSchema, headers: ["Location"] },
        200: createResponses[200],
        401: E[401],
        403: createResponses[403],
        404: err("Missing or another user's export, or its source was deleted"),
        422: E[422],
        429: E[429],
      },
    },
  },
  "/api/exports/{id}/cancel": {
    post: {
      summary: "Cancel a pending or processing export",
      tag: "Exports",
      responses: { 200: { description: "Cancelled", schema: ExportSchema }, 401: E[401], 404: E[404], 409: E[409] },
    },
  },
  "/api/exports/{id}/download": {
    get: {
      summary: "Record the download and redirect to a short-lived URL (`?redirect=false` answers the URL as JSON)",
      tag: "Exports",
      query: z.strictObject({ redirect: z.enum(["true", "false"]).optional() }),
      responses: {
        302: { description: "Redirect to the file", headers: ["Location"] },
        200: { description: "With ?redirect=false", schema: DownloadLinkSchema },
        401: E[401],
        404: E[404],
        409: err("Not ready (`Retry-After: 5`), failed, or cancelled"),
        410: err("Expired"),
        503: err("File store unreachable"),
      },
    },
  },
  "/api/exports/stats": {
    get: {
      summary:
        "Download analytics: exports created, completed, failed and downloaded per day, by format and channel, top exports (SPEC §14.4)",
      tag: "Exports",
      query: StatsQuerySchema,
      responses: {
        200: { description: "Every day of the range, zeros included", schema: DownloadStatsSchema },
        401: E[401],
        422: err("A malformed date or time zone, `from` after `to`, or more than 366 days"),
      },
    },
  },
  "/api/exports/{id}/shares": {
    get: {
      summary: "The export's share links with their download counts, expiry and state (never their tokens)",
      tag: "Share links",
      responses: { 200: { description: "Share links, newest first", schema: ShareListSchema }, 401: E[401], 404: E[404] },
    },
    post: {
      summary: "Make a public link to a completed export's file; the `url` is in this response only",
      tag: "Share links",
      body: CreateShareBodySchema,
      responses: {
        201: { description: "Created, with its url", schema: ShareCreatedSchema },
        400: E[400],
        401: E[401],
        403: err("Cross-origin request with a session cookie"),
        404: E[404],
        409: err("The export is not completed, or its file has expired (`invalid_state`)"),
        413: E[413],
        422: err("Validation failed, or `expires_in_hours` reaches past the export's expiry"),
      },
    },
  },
  "/api/exports/{id}/shares/{shareId}": {
    delete: {
      summary: 'Revoke a share link at once (its page answers 410 "revoked")',
      tag: "Share links",
      responses: { 204: { description: "Revoked (also when it already was)" }, 401: E[401], 404: E[404] },
    },
  },
  "/s/{token}": {
    get: {
      summary: "The public page of a share link (no sign-in; 60 requests a minute per address over /s/*)",
      tag: "Share links",
      public: true,
      responses: {
        200: {
          description: "The file's name, source, format, size, records, SHA-256 and expiry, and a Download link",
          mediaType: "text/html",
        },
        404: { description: "No such link", mediaType: "text/html" },
        410: {
          description: "Revoked, expired, download limit reached, or the file is no longer available: the page says which",
          mediaType: "text/html",
        },
        429: { description: "Too many requests from this address (`Retry-After`)", mediaType: "text/html", headers: ["Retry-After"] },
      },
    },
  },
  "/s/{token}/download": {
    get: {
      summary: "Count a download through a share link and redirect to a short-lived URL (no sign-in)",
      tag: "Share links",
      public: true,
      responses: {
        302: { description: "Redirect to the file", headers: ["Location"] },
        404: { description: "No such link", mediaType: "text/html" },
        410: {
          description: "Revoked, expired, download limit reached, or the file is no longer available: the page says which",
          mediaType: "text/html",
        },
        429: { description: "Too many requests from this address (`Retry-After`)", mediaType: "text/html", headers: ["Retry-After"] },
        503: { description: "The file store is unreachable (`Retry-After`)", mediaType: "text/html", headers: ["Retry-After"] },
      },
    },
  },
  "/api/exports/{id}/events": {
    get: {
      summary: "The audit trail of one export",
      tag: "Exports",
      responses: { 200: { description: "Events, oldest first", schema: ExportEventListSchema }, 401: E[401], 404: E[404] },
    },
  },
  "/api/tasks/{taskId}/status": {
    get: {
      summary: "Progress of an export by its task id",
      tag: "Exports",
      responses: { 200: { description: "Status", schema: TaskStatusSchema }, 401: E[401], 404: E[404] },
    },
  },
  "/api/projects": {
    get: {
      summary: "The caller's projects with counts",
      tag: "Projects",
      responses: { 200: { description: "Projects", schema: ProjectListSchema }, 401: E[401] },
    },
    post: {
      summary: "Import a project with documents, pages, conditions and measurements (64 MB limit)",
      tag: "Projects",
      body: ProjectImportSchema,
      responses: {
        201: { description: "Imported; the new ids", schema: ImportResultSchema },
        400: E[400],
        401: E[401],
        403: createResponses[403],
        413: E[413],
        422: E[422],
      },
    },
  },
  "/api/projects/{id}": {
    get: {
      summary: "A project with documents, conditions and computed totals",
      tag: "Projects",
      responses: { 200: { description: "Project", schema: ProjectDetailSchema }, 401: E[401], 404: E[404] },
    },
    delete: {
      summary: "Delete a project, its documents, its exports and their files",
      tag: "Projects",
      responses: { 204: { description: "Deleted" }, 401: E[401], 404: E[404] },
    },
  },
  "/api/documents/{id}": {
    get: {
      summary: "A document with pages and per-condition takeoff summary",
      tag: "Projects",
      responses: { 200: { description: "Document", schema: DocumentDetailSchema }, 401: E[401], 404: E[404] },
    },
  },
  "/api/pages/{id}/takeoff.svg": {
    get: {
      summary: "The page's takeoff map as SVG: every measurement in its condition colour, with a legend (SPEC §12.4)",
      tag: "Projects",
      query: PageMapQuerySchema,
      responses: {
        200: { description: "The map", mediaType: "image/svg+xml", headers: ["ETag", "Cache-Control"] },
        304: { description: "Unchanged since the ETag sent in If-None-Match" },
        401: E[401],
        404: E[404],
        422: err("A malformed `conditions` list, or an unknown query parameter"),
      },
    },
  },
  "/api/api-keys": {
    get: {
      summary: "The caller's API keys",
      tag: "API keys",
      responses: { 200: { description: "Keys (never the keys themselves)", schema: ApiKeyListSchema }, 401: E[401] },
    },
    post: {
      summary: "Create an API key (returned once)",
      tag: "API keys",
      body: CreateApiKeySchema,
      responses: {
        201: { description: "Created", schema: ApiKeyCreatedSchema },
        400: E[400],
        401: E[401],
        403: createResponses[403],
        422: E[422],
      },
    },
  },
  "/api/api-keys/{id}": {
    delete: { summary: "Revoke an API key", tag: "API keys", responses: { 204: { description: "Revoked" }, 401: E[401], 404: E[404] } },
  },
  "/api/presets": {
    get: {
      summary: "The caller's presets (saved export settings), by name",
      tag: "Presets",
      responses: { 200: { description: "Presets", schema: PresetListSchema }, 401: E[401] },
    },
    post: {
      summary: "Save export settings as a preset; options are validated as on export creation",
      tag: "Presets",
      body: CreatePresetBodySchema,
      responses: {
        201: { description: "Created", schema: PresetSchema },
        400: E[400],
        401: E[401],
        403: createResponses[403],
        409: err("A preset of that name (ignoring case) exists, or the account has the most presets it keeps"),
        413: E[413],
        422: err("Validation failed: options for the format, an unknown name_template placeholder; `details` has JSON paths"),
      },
    },
  },
  "/api/presets/{id}": {
    get: {
      summary: "One preset",
      tag: "Presets",
      responses: { 200: { description: "The preset", schema: PresetSchema }, 401: E[401], 404: E[404] },
    },
    patch: {
      summary: "Change a preset; exports already made with it keep their settings",
      tag: "Presets",
      body: PatchPresetBodySchema,
      responses: {
        200: { description: "The preset", schema: PresetSchema },
        400: E[400],
        401: E[401],
        403: createResponses[403],
        404: E[404],
        409: err("Another preset has that name (ignoring case)"),
        413: E[413],
        422: E[422],
      },
    },
    delete: {
      summary: "Delete a preset; refused (409, naming them) while schedules use it",
      tag: "Presets",
      responses: {
        204: { description: "Deleted" },
        401: E[401],
        403: createResponses[403],
        404: E[404],
        409: err("Schedules use the preset; `details` names each"),
      },
    },
  },
  ...SCHEDULE_OPERATIONS,
  ...WEBHOOK_OPERATIONS,
  "/api/health": {
    get: {
      summary: "Liveness, Node.js version, and mode and reachability of database, storage, auth and runner; 503 names the failing parts",
      tag: "System",
      public: true,
      responses: { 200: { description: "Healthy", schema: HealthSchema }, 503: { description: "Degraded", schema: HealthSchema } },
    },
  },
};

/** Routes that exist but are not part of the integrator API. */
export const UNDOCUMENTED_ROUTES = ["/api/auth/{all}", "/api/inngest", "/api/storage/{key}", "/api/openapi.json", "/api/test/faults"];

function toJsonSchema(schema: z.ZodType, io: "input" | "output") {
  const out = z.toJSONSchema(schema, { io, unrepresentable: "any", target: "draft-2020-12" }) as Record<string, unknown>;
  delete out.$schema;
  return out;
}

/** Collects `$defs` into components and points every ref there. */
function hoist(schema: Record<string, unknown>, components: Record<string, unknown>) {
  const rewrite = <T>(value: T): T => JSON.parse(JSON.stringify(value).replaceAll('"#/$defs/', '"#/components/schemas/'));
  const defs = (schema.$defs ?? {}) as Record<string, unknown>;
  delete schema.$defs;
  for (const [k, v] of Object.entries(defs)) components[k] ??= rewrite(v);
  return rewrite(schema);
}

let cached: Record<string, unknown> | undefined;

export function openApiDocument(): Record<string, unknown> {
  if (cached) return cached;
  const components: Record<string, unknown> = {};
  const paths: Record<string, unknown> = {};
  for (const [path, ops] of Object.entries(OPERATIONS)) {
    const item: Record<string, unknown> = {};
    for (const [method, op] of Object.entries(ops) as [Method, Operation][]) {
      const parameters: unknown[] = [];
      for (const m of path.matchAll(/\{(\w+)\}/g))
        parameters.push({
          name: m[1],
          in: "path",
          required: true,
          schema: m[1] === "token" ? { type: "string" } : { type: "string", format: "uuid" },
        });
      if (op.query) {
        const qs = hoist(toJsonSchema(op.query, "input"), components) as { properties?: Record<string, unknown>; required?: string[] };
        for (const [name, schema] of Object.entries(qs.properties ?? {}))
          parameters.push({ name, in: "query", required: qs.required?.includes(name) ?? false, schema });
      }
      if (op.idempotencyKey) {
        parameters.push({
          name: "Idempotency-Key",
          in: "header",
          required: false,
          description: "Same key + same body within 24 h returns the original export (200).",
          schema: { type: "string", maxLength: 255 },
        });
      }
      const responses: Record<string, unknown> = {};
      for (const [status, r] of Object.entries(op.responses)) {
        responses[status] = {
          description: r.description,
          ...(r.headers ? { headers: Object.fromEntries(r.headers.map((h) => [h, { schema: { type: "string" } }])) } : {}),
          ...(r.schema ? { content: { "application/json": { schema: hoist(toJsonSchema(r.schema, "output"), components) } } } : {}),
          ...(r.mediaType ? { content: { [r.mediaType]: { schema: { type: "string" } } } } : {}),
        };
      }
      item[method] = {
        summary: op.summary,
        tags: [op.tag],
        operationId: `${method}${path
          .replace(/[{}]/g, "")
          .replace(/\/(\w)/g, (_, c: string) => c.toUpperCase())
          .replace(/[^A-Za-z0-9]/g, "")}`,
        ...(op.public ? { security: [] } : {}),
        ...(parameters.length ? { parameters } : {}),
        ...(op.body
          ? {
              requestBody: {
                required: true,
                content: { "application/json": { schema: hoist(toJsonSchema(op.body, "input"), components) } },
              },
            }
          : {}),
        responses,
      };
    }
    paths[path] = item;
  }
  cached = {
    openapi: "3.1.0",
    info: {
      title: "Takeoff Exports API",
      version: "1.0.0",
      description:
        "Export construction takeoff data to CSV, Excel, PDF, JSON and OST XML as background jobs. Authenticate with `Authorization: Bearer <api key>` (create keys on the dashboard or with POST /api/api-keys) or a session cookie. Errors always have the `Error` shape.",
    },
    servers: [{ url: "/" }],
    security: [{ apiKey: [] }, { session: [] }],
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        apiKey: { type: "http", scheme: "bearer", description: "An API key from /dashboard/settings/api-keys" },
        session: { type: "apiKey", in: "cookie", name: "better-auth.session_token" },
      },
    },
  };
  return cached;
}
