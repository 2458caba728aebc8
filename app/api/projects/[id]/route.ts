import { json, withAuth } from "@/lib/api/handler";
import { deleteProjectWithExports } from "@/lib/exports/services";
import { takeoffService } from "@/lib/takeoff/service";

// GET /api/projects/{id} – a project with its documents, conditions and computed totals
export const GET = withAuth({ id: "Project" }, async ({ user, ids }) => json(await takeoffService.getProject(user.id, ids.id)));

// DELETE /api/projects/{id} – delete a project, its documents, its exports and their files
export const DELETE = withAuth({ id: "Project" }, async ({ user, ids, meta }) => {
  await deleteProjectWithExports({ userId: user.id, projectId: ids.id, meta });
  return new Response(null, { status: 204 });
});
