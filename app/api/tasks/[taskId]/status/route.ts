import { json, withAuth } from "@/lib/api/handler";
import { taskStatus } from "@/lib/exports/service";

// GET /api/tasks/{task_id}/status – progress of an export by its task id
export const GET = withAuth(async ({ user, params }) => json(await taskStatus(user.id, String(params.taskId))));
