import { json, withAuth } from "@/lib/api/handler";
import { requestMeta, retryExport } from "@/lib/exports/service";

// POST /api/exports/{id}/retry – re-run a failed, cancelled or expired export in place
export const POST = withAuth(async ({ user, params, req }) => json(await retryExport(user.id, String(params.id), requestMeta(req)), { status: 202 }));
