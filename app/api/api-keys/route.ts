import { json, withAuth } from "@/lib/api/handler";
import { readJson } from "@/lib/api/request";
import { createApiKey, CreateApiKeySchema, listApiKeys } from "@/lib/auth/api-keys";

// GET /api/api-keys – the caller's API keys (never the keys themselves)
export const GET = withAuth(async ({ user }) => json(await listApiKeys(user.id)));

// POST /api/api-keys – create a key; the key is in this response only
export const POST = withAuth(async ({ user, req }) => {
  const { name } = await readJson(req, CreateApiKeySchema);
  return json(await createApiKey(user.id, name), { status: 201 });
});
