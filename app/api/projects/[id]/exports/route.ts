import { json, withAuth } from "@/lib/api/handler";
import { parseId } from "@/lib/api/request";
import { listExports } from "@/lib/exports/service";
import { findOwnedProject } from "@/lib/takeoff/read";
import { getDb } from "@/db";

// GET /api/projects/{id}/exports – the project's exports, newest first
export const GET = withAuth(async ({ user, params }) => {
  const project = await findOwnedProject(await getDb(), user.id, parseId(params.id, "Project"));
  const { exports, total } = await listExports(user.id, { project_id: project.id, limit: 100 });
  return json({ exports, total });
});
