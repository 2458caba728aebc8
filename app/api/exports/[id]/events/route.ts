import { json, withAuth } from "@/lib/api/handler";
import { listEvents } from "@/lib/exports/services";

// GET /api/exports/{id}/events – the audit trail of one export
export const GET = withAuth({ id: "Export" }, async ({ user, ids }) => json(await listEvents({ userId: user.id, id: ids.id })));
