import { json, withAuth } from "@/lib/api/handler";
import { takeoffService } from "@/lib/takeoff/service";

// GET /api/projects – the caller's projects with counts, newest first
export const GET = withAuth(async ({ user }) => json(await takeoffService.list(user.id)));

// POST /api/projects – import a project with documents, pages, conditions and measurements
export const POST = withAuth(async ({ user, req }) => json(await takeoffService.importFromRequest(user.id, req), { status: 201 }));
