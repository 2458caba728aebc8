import { json, withAuth } from "@/lib/api/handler";
import { rotateSecret } from "@/lib/webhooks";

// POST /api/webhooks/{id}/rotate-secret – a new secret, shown once; the previous one also signs for 24 h
export const POST = withAuth({ id: "Webhook" }, async ({ user, ids }) => json(await rotateSecret({ userId: user.id, id: ids.id })));
