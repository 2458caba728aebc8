/**
 * The one wrapper every API route goes through: request id, authentication
 * (session cookie or API key), awaited params, path ids parsed one way
 * (`withAuth({ id: "Export" }, …)` gives `ids.id`, a lower-case UUID, or
 * answers 404 "Export not found"), the caller's address for the audit trail,
 * CSRF check for cookie-based mutations, and mapping of every thrown error to
 * the SPEC §5 error shape (lib/api/errors.ts).
 */
import { env } from "@/lib/env";
import type { RequestMeta } from "@/lib/exports/events";
import { logger } from "@/lib/logger";
import { authenticate, type AuthUser } from "@/lib/auth/session";
import { AppError, httpErrorOf } from "./errors";
import { parseId, requestMeta } from "./request";

type Params = Record<string, string | string[] | undefined>;
type RouteContext = { params: Promise<Params> };

/** Path parameters that are ids, each with the name its 404 uses: `{ id: "Export" }`. */
export type IdParams = Record<string, string>;

export type PublicContext = { req: Request; params: Params; requestId: string };
export type AuthedContext<S extends IdParams = Record<never, string>> = PublicContext & {
  user: AuthUser;
  via: "api_key" | "session";
  /** The id parameters named in the route's spec, parsed. */
  ids: { [K in keyof S]: string };
  /** The caller's address and user agent, for the audit trail. */
  meta: RequestMeta;
};

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export const API_HEADERS = {
  "X-Content-Type-Options": "nosniff",
  "Cache-Control": "no-store",
} as const;

function requestIdFor(req: Request): string {
  const incoming = req.headers.get("x-request-id");
  return incoming && /^[\w.:-]{8,100}$/.test(incoming) ? incoming : crypto.randomUUID();
}

export function errorResponse(err: unknown, requestId: string, req?: Request): Response {
  const mapped = httpErrorOf(err);
  if (mapped) {
    const e = err as AppError;
    return Response.json(
      { success: false, error: { code: mapped.code, message: e.message, ...(e.details ? { details: e.details } : {}) } },
      { status: mapped.status, headers: { ...API_HEADERS, "X-Request-Id": requestId, ...mapped.headers } },
    );
  }
  logger.error("unhandled error", {
    requestId,
    method: req?.method,
    path: req ? new URL(req.url).pathname : undefined,
    error: err,
  });
  return Response.json(
    {
      success: false,
      error: {
        code: "internal_error",
        message: `Something went wrong on our side. Quote request id ${requestId} when reporting it.`,
        request_id: requestId,
      },
    },
    { status: 500, headers: { ...API_HEADERS, "X-Request-Id": requestId } },
  );
}

function withHeaders(res: Response, requestId: string): Response {
  // Redirects and streamed file bodies may carry immutable headers.
  try {
    res.headers.set("X-Request-Id", requestId);
    res.headers.set("X-Content-Type-Options", "nosniff");
    if (!res.headers.has("Cache-Control")) res.headers.set("Cache-Control", "no-store");
    return res;
  } catch {
    const headers = new Headers(res.headers);
    headers.set("X-Request-Id", requestId);
    headers.set("X-Content-Type-Options", "nosniff");
    if (!headers.has("Cache-Control")) headers.set("Cache-Control", "no-store");
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
  }
}

/**
 * Cookies are sent by browsers on cross-site requests; API keys are not. A
 * cookie-authenticated mutation must come from our own origin.
 */
function assertSameOrigin(req: Request) {
  const origin = req.headers.get("origin");
  const site = req.headers.get("sec-fetch-site");
  const allowed = new Set([new URL(env.APP_URL).origin, new URL(req.url).origin]);
  if (origin && origin !== "null" && allowed.has(origin)) return;
  if (!origin && (!site || site === "same-origin" || site === "none")) return;
  throw new AppError("forbidden", "Cross-origin requests with session cookies are not allowed. Use an API key.");
}

export function withPublic(fn: (ctx: PublicContext) => Promise<Response>) {
  return async (req: Request, ctx?: RouteContext): Promise<Response> => {
    const requestId = requestIdFor(req);
    try {
      const params = ctx?.params ? await ctx.params : {};
      return withHeaders(await fn({ req, params, requestId }), requestId);
    } catch (err) {
      return errorResponse(err, requestId, req);
    }
  };
}

type AuthedHandler<S extends IdParams> = (ctx: AuthedContext<S>) => Promise<Response>;

export function withAuth(fn: AuthedHandler<Record<never, string>>): (req: Request, ctx?: RouteContext) => Promise<Response>;
export function withAuth<S extends IdParams>(ids: S, fn: AuthedHandler<S>): (req: Request, ctx?: RouteContext) => Promise<Response>;
export function withAuth<S extends IdParams>(specOrFn: S | AuthedHandler<S>, maybeFn?: AuthedHandler<S>) {
  const spec = (typeof specOrFn === "function" ? {} : specOrFn) as S;
  const fn = (typeof specOrFn === "function" ? specOrFn : maybeFn) as AuthedHandler<S>;
  return withPublic(async (ctx) => {
    const result = await authenticate(ctx.req.headers);
    if (!result) {
      throw new AppError("unauthorized", 'Sign in, or send an API key as "Authorization: Bearer <key>".', undefined, {
        "WWW-Authenticate": 'Bearer realm="takeoff-exports"',
      });
    }
    if (result.via === "session" && !SAFE_METHODS.has(ctx.req.method)) assertSameOrigin(ctx.req);
    // After authentication: without credentials a malformed id is still 401, as before.
    const ids = Object.fromEntries(
      Object.entries(spec).map(([name, what]) => [name, parseId(ctx.params[name], what)]),
    ) as AuthedContext<S>["ids"];
    return fn({ ...ctx, user: result.user, via: result.via, ids, meta: requestMeta(ctx.req) });
  });
}

/** A JSON response with the API's headers. */
export function json(body: unknown, init: ResponseInit = {}): Response {
  const headers = new Headers(init.headers);
  headers.set("Content-Type", "application/json");
  return new Response(JSON.stringify(body), { ...init, headers });
}
