import { json, withAuth } from "@/lib/api/handler";
import { listEvents } from "@/lib/exports/service";

// GET /api/exports/{id}/events – the audit trail of one export
export const GET = withAuth(async ({ user, params }) => json(await listEvents(user.id, String(params.id))));
