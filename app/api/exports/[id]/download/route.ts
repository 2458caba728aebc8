import { json, withAuth } from "@/lib/api/handler";
import { recordDownload } from "@/lib/exports/services";

// GET /api/exports/{id}/download – record the download (via dashboard or api), then 302 to a short-lived URL (?redirect=false: {url, expires_at})
export const GET = withAuth({ id: "Export" }, async ({ user, ids, req, meta, via }) => {
  const link = await recordDownload({ userId: user.id, id: ids.id, via: via === "session" ? "dashboard" : "api", meta });
  if (new URL(req.url).searchParams.get("redirect") === "false") return json(link);
  return new Response(null, { status: 302, headers: { Location: link.url } });
});
