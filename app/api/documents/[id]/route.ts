import { json, withAuth } from "@/lib/api/handler";
import { parseId } from "@/lib/api/request";
import { takeoffService } from "@/lib/takeoff/service";

// GET /api/documents/{id} – a document with its pages and per-condition takeoff summary
export const GET = withAuth(async ({ user, params }) => json(await takeoffService.getDocument(user.id, parseId(params.id, "Document"))));
