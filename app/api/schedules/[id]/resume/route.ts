import { json, withAuth } from "@/lib/api/handler";
import { resumeSchedule } from "@/lib/schedules/services";

// POST /api/schedules/{id}/resume – runs again from the next slot; the failure count is reset (200 with the schedule)
export const POST = withAuth({ id: "Schedule" }, async ({ user, ids }) => json(await resumeSchedule({ userId: user.id, id: ids.id })));
