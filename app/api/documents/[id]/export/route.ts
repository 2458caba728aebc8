import { createFromRequest } from "@/lib/api/create-export";
import { json, withAuth } from "@/lib/api/handler";
import { exportCatalogue } from "@/lib/exports/catalogue";

// GET /api/documents/{id}/export – what can be exported: summary, formats with options and defaults, suggested name
export const GET = withAuth({ id: "Document" }, async ({ user, ids }) =>
  json(await exportCatalogue(user.id, { type: "document", id: ids.id })),
);

// POST /api/documents/{id}/export – start a document export (202 + Location)
export const POST = withAuth({ id: "Document" }, async ({ user, req, ids, meta }) =>
  createFromRequest(req, { userId: user.id, source: { type: "document", id: ids.id }, meta }),
);
