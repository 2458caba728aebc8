import { json, withAuth } from "@/lib/api/handler";
import { taskStatus } from "@/lib/exports/services";

// GET /api/tasks/{task_id}/status – progress of an export by its task id
export const GET = withAuth({ taskId: "Task" }, async ({ user, ids }) => json(await taskStatus({ userId: user.id, taskId: ids.taskId })));
