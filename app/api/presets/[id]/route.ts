import { json, withAuth } from "@/lib/api/handler";
import { readJson } from "@/lib/api/request";
import { deletePreset, getPreset, updatePreset } from "@/lib/presets/services";
import { PatchPresetBodySchema } from "@/lib/presets/schemas";

// GET /api/presets/{id} – one preset
export const GET = withAuth({ id: "Preset" }, async ({ user, ids }) => json(await getPreset({ userId: user.id, id: ids.id })));

// PATCH /api/presets/{id} – change a preset; exports already made with it keep their settings
export const PATCH = withAuth({ id: "Preset" }, async ({ user, ids, req }) =>
  json(await updatePreset({ userId: user.id, id: ids.id, patch: await readJson(req, PatchPresetBodySchema) })),
);

// DELETE /api/presets/{id} – delete a preset (409 naming the schedules that use it)
export const DELETE = withAuth({ id: "Preset" }, async ({ user, ids }) => {
  await deletePreset({ userId: user.id, id: ids.id });
  return new Response(null, { status: 204 });
});
