import { createdResponse } from "@/lib/api/create-export";
import { withAuth } from "@/lib/api/handler";
import { runScheduleNow } from "@/lib/schedules/services";

// POST /api/schedules/{id}/run – "Run now": an export of the schedule at once (202), paused or not
export const POST = withAuth({ id: "Schedule" }, async ({ user, ids, meta }) =>
  createdResponse(await runScheduleNow({ userId: user.id, id: ids.id, meta })),
);
