import { json, withAuth } from "@/lib/api/handler";
import { readJson } from "@/lib/api/request";
import { createEndpoint, listEndpoints } from "@/lib/webhooks";
import { CreateWebhookBodySchema } from "@/lib/webhooks/schemas";

// GET /api/webhooks – the caller's webhook endpoints, newest first (never their secrets)
export const GET = withAuth(async ({ user }) => json(await listEndpoints({ userId: user.id })));

// POST /api/webhooks – create an endpoint {url, description?, events}; 201 with its secret, shown once
export const POST = withAuth(async ({ user, req }) =>
  json(await createEndpoint({ userId: user.id, body: await readJson(req, CreateWebhookBodySchema) }), { status: 201 }),
);
