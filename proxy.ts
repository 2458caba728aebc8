/**
 * Proxy for dashboard pages: tells the page which path (with its query) was
 * asked for, so a signed-out visitor is sent to /sign-in?next=… and comes back
 * to it after signing in (lib/auth/page-session.ts). Server components cannot
 * read the request URL themselves. The header is always overwritten here, and
 * its value is checked again before it is used.
 */
import { NextResponse, type NextRequest } from "next/server";
import { RETURN_PATH_HEADER } from "@/lib/return-path";

export function proxy(request: NextRequest) {
  const url = request.nextUrl;
  const search = new URLSearchParams(url.search);
  search.delete("_rsc");
  const query = search.toString();
  const headers = new Headers(request.headers);
  headers.set(RETURN_PATH_HEADER, `${url.pathname}${query ? `?${query}` : ""}`);
  return NextResponse.next({ request: { headers } });
}

export const config = { matcher: ["/dashboard/:path*"] };
