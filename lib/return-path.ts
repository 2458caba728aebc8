/**
 * Where to go after signing in: the page the visitor asked for, carried as
 * `?next=` on /sign-in and /sign-up. Only a path on this site is accepted —
 * anything that a browser could read as another origin ("//evil.example",
 * "/\evil.example", "https://…", a tab or newline that the URL parser drops)
 * falls back to the dashboard. Shared by the server (redirects) and the sign-in
 * form (the client-side navigation after sign-in), so it imports nothing.
 */
export const DEFAULT_RETURN_PATH = "/dashboard";
/** Request header in which proxy.ts hands the asked-for dashboard path to server components. */
export const RETURN_PATH_HEADER = "x-return-path";

const MAX_LENGTH = 2048;
// C0 controls, DEL and the C1 block: the URL parser strips some of them ("/\t/evil" becomes "//evil").
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;
// Pages that would send a signed-in visitor straight back here.
const AUTH_PAGES = new Set(["/sign-in", "/sign-up"]);
const BASE = "http://return-path.invalid";

/** The same-origin path (+ query and hash) in `value`, or the dashboard. */
export function safeReturnPath(value: unknown): string {
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_LENGTH) return DEFAULT_RETURN_PATH;
  // One leading slash, then not a second slash or backslash (both make a protocol-relative URL).
  if (value[0] !== "/" || value[1] === "/" || value[1] === "\\") return DEFAULT_RETURN_PATH;
  if (CONTROL_CHARS.test(value)) return DEFAULT_RETURN_PATH;
  let url: URL;
  try {
    url = new URL(value, BASE);
  } catch {
    return DEFAULT_RETURN_PATH;
  }
  // Belt and braces: whatever the parser made of it must still be on our origin.
  if (url.origin !== BASE) return DEFAULT_RETURN_PATH;
  if (AUTH_PAGES.has(url.pathname.replace(/\/+$/, "") || "/")) return DEFAULT_RETURN_PATH;
  return `${url.pathname}${url.search}${url.hash}`;
}

/** `/sign-in` or `/sign-up`, with `?next=` when the return path is not the default one. */
export function authPageHref(page: "/sign-in" | "/sign-up", next: unknown): string {
  const path = safeReturnPath(next);
  return path === DEFAULT_RETURN_PATH ? page : `${page}?next=${encodeURIComponent(path)}`;
}
