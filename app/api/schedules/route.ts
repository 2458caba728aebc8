import { json, withAuth } from "@/lib/api/handler";
import { readJson } from "@/lib/api/request";
import { CreateScheduleBodySchema } from "@/lib/schedules/schemas";
import { createSchedule, listSchedules } from "@/lib/schedules/services";

// GET /api/schedules – the caller's schedules, newest first
export const GET = withAuth(async ({ user }) => json(await listSchedules({ userId: user.id })));

// POST /api/schedules – create a schedule (201); at most 50 per user
export const POST = withAuth(async ({ user, req }) =>
  json(await createSchedule({ userId: user.id, body: await readJson(req, CreateScheduleBodySchema) }), { status: 201 }),
);
