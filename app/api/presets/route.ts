import { json, withAuth } from "@/lib/api/handler";
import { readJson } from "@/lib/api/request";
import { createPreset, listPresets } from "@/lib/presets/services";
import { CreatePresetBodySchema } from "@/lib/presets/schemas";

// GET /api/presets – the caller's saved export settings, by name
export const GET = withAuth(async ({ user }) => json(await listPresets({ userId: user.id })));

// POST /api/presets – save export settings: {name, description?, format, options?, name_template?} (201)
export const POST = withAuth(async ({ user, req }) =>
  json(await createPreset({ userId: user.id, body: await readJson(req, CreatePresetBodySchema) }), { status: 201 }),
);
