import { json, withAuth } from "@/lib/api/handler";
import { readJson } from "@/lib/api/request";
import { ProjectImportSchema } from "@/lib/takeoff/schemas";
import { PROJECT_IMPORT_BODY_LIMIT, takeoffService } from "@/lib/takeoff/service";

// GET /api/projects – the caller's projects with counts, newest first
export const GET = withAuth(async ({ user }) => json(await takeoffService.list(user.id)));

// POST /api/projects – import a project with documents, pages, conditions and measurements
export const POST = withAuth(async ({ user, req }) => {
  const body = await readJson(req, ProjectImportSchema, { limit: PROJECT_IMPORT_BODY_LIMIT });
  return json(await takeoffService.importProject(user.id, body), { status: 201 });
});
