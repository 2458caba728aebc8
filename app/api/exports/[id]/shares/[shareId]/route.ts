import { withAuth } from "@/lib/api/handler";
import { revokeShare } from "@/lib/shares/manage";

// DELETE /api/exports/{id}/shares/{shareId} – revoke a share link at once (its page answers 410 "revoked")
export const DELETE = withAuth({ id: "Export", shareId: "Share" }, async ({ user, ids, meta }) => {
  await revokeShare({ userId: user.id, exportId: ids.id, shareId: ids.shareId, meta });
  return new Response(null, { status: 204 });
});
