import { createHash } from "node:crypto";
import { getDb } from "@/db";
import { withAuth } from "@/lib/api/handler";
import { readQuery } from "@/lib/api/request";
import { pageMapSvg, PageMapQuerySchema } from "@/lib/takeoff/page-map";

/**
 * Private content that changes when the takeoff is re-imported: the browser
 * may keep it but asks again every time, and the ETag turns an unchanged map
 * into a 304 without a body (SPEC §12.4).
 */
const CACHE_CONTROL = "private, no-cache";

function matches(ifNoneMatch: string | null, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(",").some((t) => {
    const tag = t.trim();
    return tag === "*" || tag === etag || tag === `W/${etag}`;
  });
}

// GET /api/pages/{id}/takeoff.svg – the page's takeoff map as SVG (`?conditions=id,id`, `?legend=false`)
export const GET = withAuth({ id: "Page" }, async ({ req, user, ids }) => {
  const query = readQuery(req, PageMapQuerySchema);
  const svg = await pageMapSvg(await getDb(), { userId: user.id, pageId: ids.id, query });
  const etag = `"${createHash("sha256").update(svg).digest("base64url").slice(0, 32)}"`;
  const headers = {
    ETag: etag,
    "Cache-Control": CACHE_CONTROL,
    Vary: "Cookie, Authorization",
    // Opened on its own, the file can run nothing and load nothing.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
  };
  if (matches(req.headers.get("if-none-match"), etag)) return new Response(null, { status: 304, headers });
  return new Response(svg, { headers: { ...headers, "Content-Type": "image/svg+xml; charset=utf-8" } });
});
