import { json, withAuth } from "@/lib/api/handler";
import { readJson } from "@/lib/api/request";
import { createShare, listShares } from "@/lib/shares/manage";
import { CreateShareBodySchema } from "@/lib/shares/schemas";

// GET /api/exports/{id}/shares – the export's share links with their counts, expiry and state (never their tokens)
export const GET = withAuth({ id: "Export" }, async ({ user, ids }) => json(await listShares({ userId: user.id, exportId: ids.id })));

// POST /api/exports/{id}/shares – make a share link to a completed export; its url is in this response only
export const POST = withAuth({ id: "Export" }, async ({ user, ids, req, meta }) => {
  const body = await readJson(req, CreateShareBodySchema, { allowEmpty: true });
  return json(await createShare({ userId: user.id, exportId: ids.id, body, meta }), { status: 201 });
});
