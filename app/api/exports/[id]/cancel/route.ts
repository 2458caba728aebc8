import { json, withAuth } from "@/lib/api/handler";
import { cancelExport } from "@/lib/exports/services";

// POST /api/exports/{id}/cancel – cancel a pending or processing export
export const POST = withAuth({ id: "Export" }, async ({ user, ids, meta }) =>
  json(await cancelExport({ userId: user.id, id: ids.id, meta })),
);
