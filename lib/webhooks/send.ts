/**
 * One HTTP attempt: POST the signed body, a 2xx answer is success. Redirects
 * are not followed (a 3xx is a failure), the whole attempt has a deadline
 * (10 s), and the connection goes to an address that was checked: the host is
 * resolved here, every address it has must pass the policy, and the socket
 * connects to the checked address (the `lookup` hook), so a DNS answer that
 * changes between the check and the connect (rebinding) cannot redirect it.
 */
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { addressRefusal, firstRefusal, literalAddress } from "./address-policy";
import type { WebhookSettings } from "./settings";

export type AttemptResult = { ok: boolean; status: number | null; durationMs: number; error: string | null };

export class RefusedAddressError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RefusedAddressError";
  }
}

/** A `lookup` for http.request that resolves with `settings.resolve` and refuses a name with any refused address. */
export function guardedLookup(settings: WebhookSettings): LookupFunction {
  return (hostname, options, callback) => {
    settings
      .resolve(hostname)
      .then((found) => {
        if (found.length === 0) throw new Error(`${hostname} did not resolve`);
        const why = firstRefusal(hostname, found, settings);
        if (why) throw new RefusedAddressError(why);
        const wanted = options.family === 4 || options.family === 6 ? found.filter((a) => a.family === options.family) : found;
        const usable = wanted.length ? wanted : found;
        if (options.all) callback(null, usable);
        else callback(null, usable[0].address, usable[0].family);
      })
      .catch((err: NodeJS.ErrnoException) => callback(err, "", 0));
  };
}

const USER_AGENT = "TakeoffExports-Webhooks/1.0";

export async function postWebhook(
  target: string,
  body: string,
  headers: Record<string, string>,
  settings: WebhookSettings,
): Promise<AttemptResult> {
  const started = performance.now();
  const done = (ok: boolean, status: number | null, error: string | null): AttemptResult => ({
    ok,
    status,
    error,
    durationMs: Math.round(performance.now() - started),
  });
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return done(false, null, "The endpoint URL is not valid.");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return done(false, null, `Unsupported scheme ${url.protocol}`);
  if (settings.production && url.protocol !== "https:") return done(false, null, "In production webhooks are sent over https only.");
  const literal = literalAddress(url.hostname);
  if (literal) {
    const why = addressRefusal(literal, settings);
    if (why) return done(false, null, `Refused: ${why}.`);
  }

  return new Promise<AttemptResult>((resolve) => {
    let settled = false;
    const finish = (r: AttemptResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve(r);
    };
    const client = url.protocol === "https:" ? https : http;
    const req = client.request(
      url,
      {
        method: "POST",
        agent: false,
        // Only names go through the hook; a literal address was checked above.
        lookup: guardedLookup(settings),
        headers: {
          "content-type": "application/json",
          "user-agent": USER_AGENT,
          "content-length": String(Buffer.byteLength(body)),
          ...headers,
        },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        // The answer is the status; the body is read only to let the connection end cleanly.
        res.on("data", () => {});
        res.on("error", () => {});
        res.on("end", () => req.destroy());
        if (status >= 200 && status < 300) finish(done(true, status, null));
        else if (status >= 300 && status < 400) {
          const location = res.headers.location ? ` to ${res.headers.location.slice(0, 200)}` : "";
          finish(done(false, status, `Redirect${location} not followed (HTTP ${status}); point the webhook at the final URL.`));
        } else finish(done(false, status, `HTTP ${status}`));
        // Past the status, nothing the receiver sends matters.
        setTimeout(() => req.destroy(), 1_000).unref();
      },
    );
    const deadline = setTimeout(() => {
      finish(done(false, null, `No answer within ${Math.round(settings.timeoutMs / 100) / 10} s (timed out).`));
      req.destroy();
    }, settings.timeoutMs);
    req.on("error", (err: NodeJS.ErrnoException) => {
      if (err instanceof RefusedAddressError) finish(done(false, null, `Refused: ${err.message}.`));
      else finish(done(false, null, describeNetworkError(err)));
    });
    req.end(body);
  });
}

function describeNetworkError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case "ECONNREFUSED":
      return "Connection refused.";
    case "ECONNRESET":
      return "The connection was closed before an answer (connection reset).";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `The host name did not resolve (${err.code}).`;
    case "ETIMEDOUT":
      return "The connection timed out.";
    default:
      return err.code ? `${err.message} (${err.code})` : err.message;
  }
}
