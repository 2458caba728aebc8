import { json, withAuth } from "@/lib/api/handler";
import { retryExport } from "@/lib/exports/services";

// POST /api/exports/{id}/retry – re-run a failed, cancelled or expired export in place
export const POST = withAuth({ id: "Export" }, async ({ user, ids, meta }) =>
  json(await retryExport({ userId: user.id, id: ids.id, meta }), { status: 202 }),
);
