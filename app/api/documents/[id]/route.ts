import { json, withAuth } from "@/lib/api/handler";
import { takeoffService } from "@/lib/takeoff/service";

// GET /api/documents/{id} – a document with its pages and per-condition takeoff summary
export const GET = withAuth({ id: "Document" }, async ({ user, ids }) => json(await takeoffService.getDocument(user.id, ids.id)));
