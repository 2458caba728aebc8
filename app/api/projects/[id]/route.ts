import { json, withAuth } from "@/lib/api/handler";
import { parseId } from "@/lib/api/request";
import { deleteProjectWithExports, requestMeta } from "@/lib/exports/service";
import { takeoffService } from "@/lib/takeoff/service";

// GET /api/projects/{id} – a project with its documents, conditions and computed totals
export const GET = withAuth(async ({ user, params }) => json(await takeoffService.getProject(user.id, parseId(params.id, "Project"))));

// DELETE /api/projects/{id} – delete a project, its documents, its exports and their files
export const DELETE = withAuth(async ({ user, params, req }) => {
  await deleteProjectWithExports(user.id, String(params.id), requestMeta(req));
  return new Response(null, { status: 204 });
});
