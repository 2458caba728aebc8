import { json, withAuth } from "@/lib/api/handler";
import { recordDownload, requestMeta } from "@/lib/exports/service";

// GET /api/exports/{id}/download – record the download, then 302 to a short-lived URL (?redirect=false: {url, expires_at})
export const GET = withAuth(async ({ user, params, req }) => {
  const link = await recordDownload(user.id, String(params.id), requestMeta(req));
  if (new URL(req.url).searchParams.get("redirect") === "false") return json(link);
  return new Response(null, { status: 302, headers: { Location: link.url } });
});
