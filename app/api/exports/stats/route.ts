import { json, withAuth } from "@/lib/api/handler";
import { readQuery } from "@/lib/api/request";
import { downloadStats } from "@/lib/exports/services/analytics";
import { StatsQuerySchema } from "@/lib/exports/stats-schemas";

// GET /api/exports/stats – created, completed, failed and downloads per day, by format, channel and top exports (SPEC §14.4)
export const GET = withAuth(async ({ user, req }) =>
  json(await downloadStats({ userId: user.id, query: readQuery(req, StatsQuerySchema) })),
);
