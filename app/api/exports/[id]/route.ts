import { json, withAuth } from "@/lib/api/handler";
import { readJson } from "@/lib/api/request";
import { PatchExportBodySchema } from "@/lib/exports/schemas";
import { deleteExport, getExport, patchExport } from "@/lib/exports/services";

// GET /api/exports/{id} – one export with a fresh download URL
export const GET = withAuth({ id: "Export" }, async ({ user, ids }) => json(await getExport({ userId: user.id, id: ids.id })));

// PATCH /api/exports/{id} – rename / describe
export const PATCH = withAuth({ id: "Export" }, async ({ user, ids, req }) =>
  json(await patchExport({ userId: user.id, id: ids.id, patch: await readJson(req, PatchExportBodySchema) })),
);

// DELETE /api/exports/{id} – delete the record and its file (a running job is cancelled first)
export const DELETE = withAuth({ id: "Export" }, async ({ user, ids, meta }) => {
  await deleteExport({ userId: user.id, id: ids.id, meta });
  return new Response(null, { status: 204 });
});
