import { withAuth } from "@/lib/api/handler";
import { revokeApiKey } from "@/lib/auth/api-keys";

// DELETE /api/api-keys/{id} – revoke a key; it stops working at once
export const DELETE = withAuth({ id: "API key" }, async ({ user, ids }) => {
  await revokeApiKey(user.id, ids.id);
  return new Response(null, { status: 204 });
});
