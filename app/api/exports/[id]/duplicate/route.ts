import { createdResponse } from "@/lib/api/create-export";
import { withAuth } from "@/lib/api/handler";
import { parseIdempotencyKey } from "@/lib/api/request";
import { duplicateExport } from "@/lib/exports/services";

// POST /api/exports/{id}/duplicate – "Export again": a new export of the same source, format, options and name (202)
export const POST = withAuth({ id: "Export" }, async ({ user, ids, req, meta }) =>
  createdResponse(
    await duplicateExport({ userId: user.id, id: ids.id, meta, idempotencyKey: parseIdempotencyKey(req.headers.get("idempotency-key")) }),
  ),
);
