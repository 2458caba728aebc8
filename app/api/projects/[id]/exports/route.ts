import { getDb } from "@/db";
import { json, withAuth } from "@/lib/api/handler";
import { listExports } from "@/lib/exports/services";
import { findOwnedProject } from "@/lib/takeoff/read";

// GET /api/projects/{id}/exports – the project's exports, newest first
export const GET = withAuth({ id: "Project" }, async ({ user, ids }) => {
  const db = await getDb();
  const project = await findOwnedProject(db, user.id, ids.id);
  const { exports, total } = await listExports({ userId: user.id, query: { project_id: project.id, limit: 100 } }, db);
  return json({ exports, total });
});
