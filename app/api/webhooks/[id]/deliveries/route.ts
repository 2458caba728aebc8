import { json, withAuth } from "@/lib/api/handler";
import { readQuery } from "@/lib/api/request";
import { listDeliveries } from "@/lib/webhooks";
import { DeliveriesQuerySchema } from "@/lib/webhooks/schemas";

// GET /api/webhooks/{id}/deliveries – the delivery log: one row per attempt, newest first, cursor-paged
export const GET = withAuth({ id: "Webhook" }, async ({ user, ids, req }) =>
  json(await listDeliveries({ userId: user.id, id: ids.id, query: readQuery(req, DeliveriesQuerySchema) })),
);
