import { json, withAuth } from "@/lib/api/handler";
import { parseId } from "@/lib/api/request";
import { takeoffService } from "@/lib/takeoff/service";

// GET /api/projects/{id} – a project with its documents, conditions and computed totals
export const GET = withAuth(async ({ user, params }) => json(await takeoffService.getProject(user.id, parseId(params.id, "Project"))));
