import { createFromRequest } from "@/lib/api/create-export";
import { json, withAuth } from "@/lib/api/handler";
import { exportCatalogue } from "@/lib/exports/catalogue";

// GET /api/projects/{id}/export – formats with options and defaults for a whole-project export
export const GET = withAuth({ id: "Project" }, async ({ user, ids }) =>
  json(await exportCatalogue(user.id, { type: "project", id: ids.id })),
);

// POST /api/projects/{id}/export – start a whole-project export (202 + Location)
export const POST = withAuth({ id: "Project" }, async ({ user, req, ids, meta }) =>
  createFromRequest(req, { userId: user.id, source: { type: "project", id: ids.id }, meta }),
);
