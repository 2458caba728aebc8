import { json, withAuth } from "@/lib/api/handler";
import { cancelExport, requestMeta } from "@/lib/exports/service";

// POST /api/exports/{id}/cancel – cancel a pending or processing export
export const POST = withAuth(async ({ user, params, req }) => json(await cancelExport(user.id, String(params.id), requestMeta(req))));
