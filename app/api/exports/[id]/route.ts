import { json, withAuth } from "@/lib/api/handler";
import { readJson } from "@/lib/api/request";
import { PatchExportBodySchema } from "@/lib/exports/schemas";
import { deleteExport, getExport, patchExport, requestMeta } from "@/lib/exports/service";

// GET /api/exports/{id} – one export with a fresh download URL
export const GET = withAuth(async ({ user, params }) => json(await getExport(user.id, String(params.id))));

// PATCH /api/exports/{id} – rename / describe
export const PATCH = withAuth(async ({ user, params, req }) => json(await patchExport(user.id, String(params.id), await readJson(req, PatchExportBodySchema))));

// DELETE /api/exports/{id} – delete the record and its file (a running job is cancelled first)
export const DELETE = withAuth(async ({ user, params, req }) => {
  await deleteExport(user.id, String(params.id), requestMeta(req));
  return new Response(null, { status: 204 });
});
