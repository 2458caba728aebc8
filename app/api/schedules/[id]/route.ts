import { json, withAuth } from "@/lib/api/handler";
import { readJson } from "@/lib/api/request";
import { PatchScheduleBodySchema } from "@/lib/schedules/schemas";
import { deleteSchedule, getSchedule, patchSchedule } from "@/lib/schedules/services";

// GET /api/schedules/{id} – one schedule with its next run and last export's status
export const GET = withAuth({ id: "Schedule" }, async ({ user, ids }) => json(await getSchedule({ userId: user.id, id: ids.id })));

// PATCH /api/schedules/{id} – change any field; next_run_at is recomputed
export const PATCH = withAuth({ id: "Schedule" }, async ({ user, ids, req }) =>
  json(await patchSchedule({ userId: user.id, id: ids.id, patch: await readJson(req, PatchScheduleBodySchema) })),
);

// DELETE /api/schedules/{id} – delete the schedule (its exports stay)
export const DELETE = withAuth({ id: "Schedule" }, async ({ user, ids }) => {
  await deleteSchedule({ userId: user.id, id: ids.id });
  return new Response(null, { status: 204 });
});
