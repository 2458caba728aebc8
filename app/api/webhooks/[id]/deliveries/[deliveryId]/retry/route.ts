import { json, withAuth } from "@/lib/api/handler";
import { retryDelivery } from "@/lib/webhooks";

// POST /api/webhooks/{id}/deliveries/{delivery_id}/retry – send that attempt's event again now, same webhook-id (202)
export const POST = withAuth({ id: "Webhook", deliveryId: "Delivery" }, async ({ user, ids }) =>
  json(await retryDelivery({ userId: user.id, id: ids.id, deliveryId: ids.deliveryId }), { status: 202 }),
);
