import { json, withAuth } from "@/lib/api/handler";
import { readJson } from "@/lib/api/request";
import { deleteEndpoint, getEndpoint, updateEndpoint } from "@/lib/webhooks";
import { PatchWebhookBodySchema } from "@/lib/webhooks/schemas";

// GET /api/webhooks/{id} – one webhook endpoint
export const GET = withAuth({ id: "Webhook" }, async ({ user, ids }) => json(await getEndpoint({ userId: user.id, id: ids.id })));

// PATCH /api/webhooks/{id} – change url, description, events, enabled (enabling again clears the failure count and reason)
export const PATCH = withAuth({ id: "Webhook" }, async ({ user, ids, req }) =>
  json(await updateEndpoint({ userId: user.id, id: ids.id, patch: await readJson(req, PatchWebhookBodySchema) })),
);

// DELETE /api/webhooks/{id} – delete an endpoint with its pending deliveries and log
export const DELETE = withAuth({ id: "Webhook" }, async ({ user, ids }) => {
  await deleteEndpoint({ userId: user.id, id: ids.id });
  return new Response(null, { status: 204 });
});
