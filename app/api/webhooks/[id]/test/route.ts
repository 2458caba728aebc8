import { json, withAuth } from "@/lib/api/handler";
import { sendTest } from "@/lib/webhooks";

// POST /api/webhooks/{id}/test – queue a webhook.test event to the endpoint, whatever events it selected (202)
export const POST = withAuth({ id: "Webhook" }, async ({ user, ids }) =>
  json(await sendTest({ userId: user.id, id: ids.id }), { status: 202 }),
);
