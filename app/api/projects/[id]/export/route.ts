import { json, withAuth } from "@/lib/api/handler";
import { parseId } from "@/lib/api/request";
import { exportCatalogue } from "@/lib/exports/catalogue";
import { createFromRequest } from "@/lib/exports/http";

// GET /api/projects/{id}/export – formats with options and defaults for a whole-project export
export const GET = withAuth(async ({ user, params }) => json(await exportCatalogue(user.id, { type: "project", id: parseId(params.id, "Project") })));

// POST /api/projects/{id}/export – start a whole-project export (202 + Location)
export const POST = withAuth(async ({ user, req, params }) => createFromRequest(req, user.id, { type: "project", id: parseId(params.id, "Project") }));
