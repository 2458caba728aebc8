/** Request bodies and query of the webhook routes (SPEC §14.1). The URL's address rules are checked by the service. */
import { z } from "zod";
import { WEBHOOK_EVENT_TYPES } from "./model";

const NO_CONTROL_CHARS = /^[^\u0000-\u001f\u007f]*$/;

export const WebhookUrlSchema = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(2000, "must be at most 2000 characters")
  .regex(NO_CONTROL_CHARS, "must not contain control characters")
  .meta({
    description: "Where deliveries are POSTed: https (http and private addresses only in the embedded mode).",
    example: "https://example.com/hooks/takeoff",
  });

const DescriptionSchema = z
  .string()
  .trim()
  .max(500, "must be at most 500 characters")
  .regex(NO_CONTROL_CHARS, "must not contain control characters");

export const WebhookEventsSchema = z
  .array(z.enum(WEBHOOK_EVENT_TYPES))
  .min(1, "select at least one event")
  .transform((events) => [...new Set(events)])
  .meta({ description: "Events to send. `webhook.test` is sent on request whatever is selected." });

export const CreateWebhookBodySchema = z
  .strictObject({
    url: WebhookUrlSchema,
    description: DescriptionSchema.nullish(),
    events: WebhookEventsSchema,
  })
  .meta({
    id: "CreateWebhookBody",
    example: { url: "https://example.com/hooks/takeoff", description: "ERP import", events: ["export.completed"] },
  });

export const PatchWebhookBodySchema = z
  .strictObject({
    url: WebhookUrlSchema.optional(),
    description: DescriptionSchema.nullable().optional(),
    events: WebhookEventsSchema.optional(),
    enabled: z
      .boolean()
      .optional()
      .meta({ description: "false disables (pending deliveries fail); true enables again and clears the failure count and reason." }),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), "Send at least one of url, description, events, enabled.")
  .meta({ id: "PatchWebhookBody" });

export const DeliveriesQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
});

export type CreateWebhookBody = z.output<typeof CreateWebhookBodySchema>;
export type PatchWebhookBody = z.output<typeof PatchWebhookBodySchema>;
export type DeliveriesQuery = z.output<typeof DeliveriesQuerySchema>;
