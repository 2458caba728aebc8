import { json, withAuth } from "@/lib/api/handler";
import { pauseSchedule } from "@/lib/schedules/services";

// POST /api/schedules/{id}/pause – no more runs until resumed (200 with the schedule)
export const POST = withAuth({ id: "Schedule" }, async ({ user, ids }) => json(await pauseSchedule({ userId: user.id, id: ids.id })));
