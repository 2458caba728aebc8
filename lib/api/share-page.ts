/**
 * The wrapper of the public share routes (`/s/{token}`, `/s/{token}/download`,
 * SPEC §14.2): no sign-in; at most SHARE_REQUESTS_PER_MINUTE requests a
 * minute per client address over both (counted in the database, so every
 * instance sees the same count); and every answer — the page, the redirect,
 * a 404/410/429 page — carries `X-Robots-Tag: noindex` and
 * `Referrer-Policy: no-referrer` (the token is in the URL: it must not leak to
 * the file store or be indexed), a CSP that allows inline styles only, and
 * `Cache-Control: no-store`. Failures are HTML pages for people, not the
 * API's JSON: a recipient follows these links in a browser.
 */
import { getDb } from "@/db";
import { DomainError } from "@/lib/errors";
import type { RequestMeta } from "@/lib/exports/events";
import { logger } from "@/lib/logger";
import { takeRateLimit } from "@/lib/rate-limits";
import { SHARE_REQUESTS_PER_MINUTE } from "@/lib/shares/model";
import { ShareGoneError } from "@/lib/shares/public";
import { shareErrorHtml, shareGoneHtml, shareNotFoundHtml, shareRateLimitedHtml } from "@/lib/shares/page";
import { requestMeta } from "./request";

type RouteContext = { params: Promise<Record<string, string | string[] | undefined>> };
export type ShareContext = { req: Request; token: string; meta: RequestMeta; requestId: string };

export const SHARE_HEADERS = {
  "X-Robots-Tag": "noindex, nofollow",
  "Referrer-Policy": "no-referrer",
  "Cache-Control": "no-store",
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
  "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
} as const;

export function htmlResponse(html: string, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(html, { status, headers: { "Content-Type": "text/html; charset=utf-8", ...headers } });
}

function errorPage(err: unknown, requestId: string, req: Request): Response {
  if (err instanceof ShareGoneError) return htmlResponse(shareGoneHtml(err.reason), 410);
  if (err instanceof DomainError) {
    if (err.code === "not_found") return htmlResponse(shareNotFoundHtml(), 404);
    if (err.code === "rate_limited") {
      const after = err.retryAfterSeconds ?? 60;
      return htmlResponse(shareRateLimitedHtml(after), 429, { "Retry-After": String(after) });
    }
    if (err.code === "service_unavailable") {
      return htmlResponse(shareErrorHtml(err.message), 503, { "Retry-After": String(err.retryAfterSeconds ?? 30) });
    }
  }
  logger.error("unhandled error", { requestId, method: req.method, path: "/s/…", error: err });
  return htmlResponse(shareErrorHtml(`Something went wrong on our side. Quote request id ${requestId} when reporting it.`), 500);
}

export function withSharePage(fn: (ctx: ShareContext) => Promise<Response>) {
  return async (req: Request, ctx?: RouteContext): Promise<Response> => {
    const requestId = crypto.randomUUID();
    const meta = requestMeta(req);
    let res: Response;
    try {
      const raw = ctx?.params ? (await ctx.params).token : undefined;
      const token = typeof raw === "string" ? raw : "";
      await takeRateLimit(
        await getDb(),
        { key: `share:${meta.ip ?? "unknown"}`, limit: SHARE_REQUESTS_PER_MINUTE, windowSeconds: 60 },
        "requests for shared files",
      );
      res = await fn({ req, token, meta, requestId });
    } catch (err) {
      res = errorPage(err, requestId, req);
    }
    // The token is in the path: nothing of it goes into logs, referrers or search indexes.
    const headers = new Headers(res.headers);
    for (const [k, v] of Object.entries(SHARE_HEADERS)) headers.set(k, v);
    headers.set("X-Request-Id", requestId);
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
  };
}
