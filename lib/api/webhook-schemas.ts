/**
 * The webhook routes' response schemas and OpenAPI operations (SPEC §14.1),
 * merged into the document by lib/api/openapi.ts. The serialisers are typed
 * by these schemas, so the responses cannot drift from them.
 */
import { z } from "zod";
import { WEBHOOK_EVENT_TYPES, WEBHOOK_MESSAGE_STATUSES, WEBHOOK_TEST_EVENT } from "@/lib/webhooks/model";
import { CreateWebhookBodySchema, DeliveriesQuerySchema, PatchWebhookBodySchema } from "@/lib/webhooks/schemas";
import type { WebhookDeliveryOut, WebhookEndpointOut } from "@/lib/webhooks/serialize";
import { ErrorResponseSchema } from "./schemas";

const Uuid = z.string().uuid();
const Timestamp = z.iso.datetime({ offset: true }).meta({ description: "ISO 8601, UTC" });

export const WebhookSchema = z
  .strictObject({
    id: Uuid,
    url: z.string(),
    description: z.string().nullable(),
    events: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
    enabled: z.boolean(),
    disabled_reason: z
      .string()
      .nullable()
      .meta({ description: "Why it was disabled automatically (20 failed deliveries in a row); null when disabled by hand or enabled." }),
    disabled_at: Timestamp.nullable(),
    consecutive_failures: z.number().int().min(0),
    previous_secret_expires_at: Timestamp.nullable().meta({
      description: "After a rotation: until when deliveries also carry the previous secret's signature.",
    }),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .meta({ id: "Webhook" });

export const WebhookWithSecretSchema = WebhookSchema.extend({
  secret: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/=]+$/)
    .meta({ description: "The signing secret, shown in this response only." }),
}).meta({ id: "WebhookWithSecret" });

export const WebhookListSchema = z.strictObject({ webhooks: z.array(WebhookSchema) }).meta({ id: "WebhookList" });

export const WebhookDeliverySchema = z
  .strictObject({
    id: Uuid,
    event_id: Uuid.meta({ description: "The `webhook-id` header: the same for every attempt of one event." }),
    type: z.enum([...WEBHOOK_EVENT_TYPES, WEBHOOK_TEST_EVENT]),
    attempt: z.number().int().min(1),
    status: z.enum(WEBHOOK_MESSAGE_STATUSES).meta({ description: "pending while the request is under way." }),
    response_status: z.number().int().nullable(),
    duration_ms: z.number().int().nullable(),
    error: z.string().nullable(),
    created_at: Timestamp,
    finished_at: Timestamp.nullable(),
    event_status: z.enum(WEBHOOK_MESSAGE_STATUSES).nullable().meta({ description: "The event's delivery as a whole." }),
    next_attempt_at: Timestamp.nullable().meta({ description: "When the event is pending: its next attempt." }),
  })
  .meta({ id: "WebhookDelivery" });

export const WebhookDeliveryListSchema = z
  .strictObject({ deliveries: z.array(WebhookDeliverySchema), total: z.number().int(), next_cursor: z.string().nullable() })
  .meta({ id: "WebhookDeliveryList" });

export const WebhookQueuedSchema = z
  .strictObject({ event_id: Uuid, type: z.enum([...WEBHOOK_EVENT_TYPES, WEBHOOK_TEST_EVENT]), status: z.literal("pending") })
  .meta({ id: "WebhookQueued" });

// The serialisers' output must fit the schemas.
type Assert<S, T extends S> = T;
export type WebhookOutChecked = Assert<z.input<typeof WebhookSchema>, WebhookEndpointOut>;
export type WebhookDeliveryOutChecked = Assert<z.input<typeof WebhookDeliverySchema>, WebhookDeliveryOut>;

const err = (description: string) => ({ description, schema: ErrorResponseSchema });
const E = {
  400: err("Body is not JSON, or not sent as application/json"),
  401: err("No or bad session / API key"),
  403: err("Cross-origin request with a session cookie"),
  404: err("Missing, malformed id, or another user's webhook"),
  413: err("Body over the size limit"),
  422: err(
    "Validation failed (`details` has JSON paths), or a URL the mode refuses: link-local or metadata addresses always; http, loopback and private addresses in production",
  ),
};

export const WEBHOOK_OPERATIONS = {
  "/api/webhooks": {
    get: {
      summary: "The caller's webhook endpoints, newest first (SPEC §14.1)",
      tag: "Webhooks",
      responses: { 200: { description: "Endpoints (never their secrets)", schema: WebhookListSchema }, 401: E[401] },
    },
    post: {
      summary: "Create a webhook endpoint; its signing secret is in this response only. Nothing is sent.",
      tag: "Webhooks",
      body: CreateWebhookBodySchema,
      responses: {
        201: { description: "Created, with its secret", schema: WebhookWithSecretSchema },
        400: E[400],
        401: E[401],
        403: E[403],
        409: err("The account already has the most webhook endpoints it keeps (10)"),
        413: E[413],
        422: E[422],
      },
    },
  },
  "/api/webhooks/{id}": {
    get: {
      summary: "One webhook endpoint",
      tag: "Webhooks",
      responses: { 200: { description: "The endpoint", schema: WebhookSchema }, 401: E[401], 404: E[404] },
    },
    patch: {
      summary:
        "Change url, description, events; `enabled` disables or enables again (the failure count and reason are cleared). Nothing is sent.",
      tag: "Webhooks",
      body: PatchWebhookBodySchema,
      responses: {
        200: { description: "The endpoint", schema: WebhookSchema },
        400: E[400],
        401: E[401],
        403: E[403],
        404: E[404],
        413: E[413],
        422: E[422],
      },
    },
    delete: {
      summary: "Delete an endpoint with its pending deliveries and log",
      tag: "Webhooks",
      responses: { 204: { description: "Deleted" }, 401: E[401], 403: E[403], 404: E[404] },
    },
  },
  "/api/webhooks/{id}/test": {
    post: {
      summary: "Send a `webhook.test` event, whatever events the endpoint selected (through the outbox, with retries)",
      tag: "Webhooks",
      responses: {
        202: { description: "Queued", schema: WebhookQueuedSchema },
        401: E[401],
        403: E[403],
        404: E[404],
        409: err("The endpoint is disabled"),
      },
    },
  },
  "/api/webhooks/{id}/rotate-secret": {
    post: {
      summary: "A new signing secret, in this response only; for 24 h deliveries carry the old and the new signature",
      tag: "Webhooks",
      responses: {
        200: { description: "The endpoint with its new secret", schema: WebhookWithSecretSchema },
        401: E[401],
        403: E[403],
        404: E[404],
      },
    },
  },
  "/api/webhooks/{id}/deliveries": {
    get: {
      summary: "The delivery log: one row per attempt, newest first, cursor-paged",
      tag: "Webhooks",
      query: DeliveriesQuerySchema,
      responses: { 200: { description: "A page of attempts", schema: WebhookDeliveryListSchema }, 401: E[401], 404: E[404], 422: E[422] },
    },
  },
  "/api/webhooks/{id}/deliveries/{deliveryId}/retry": {
    post: {
      summary: "Send that attempt's event again now, under the same webhook-id",
      tag: "Webhooks",
      responses: {
        202: { description: "Queued", schema: WebhookQueuedSchema },
        401: E[401],
        403: E[403],
        404: err("Missing, malformed id, or another user's webhook or delivery"),
        409: err("The endpoint is disabled"),
      },
    },
  },
};
