import { json, withAuth } from "@/lib/api/handler";
import { parseId } from "@/lib/api/request";
import { exportCatalogue } from "@/lib/exports/catalogue";
import { createFromRequest } from "@/lib/exports/http";

// GET /api/documents/{id}/export – what can be exported: summary, formats with options and defaults, suggested name
export const GET = withAuth(async ({ user, params }) => json(await exportCatalogue(user.id, { type: "document", id: parseId(params.id, "Document") })));

// POST /api/documents/{id}/export – start a document export (202 + Location)
export const POST = withAuth(async ({ user, req, params }) => createFromRequest(req, user.id, { type: "document", id: parseId(params.id, "Document") }));
