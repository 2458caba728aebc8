/**
 * Reading request input: JSON bodies with a size cap, strict UTF-8 and a
 * content-type check; query strings and path ids through zod.
 */
import { z } from "zod";
import type { RequestMeta } from "@/lib/exports/events";
import { AppError, validationError } from "./errors";

/** `\u0000` in JSON text that is not itself an escaped backslash followed by "u0000". */
const ESCAPED_NUL = /(?:^|[^\\])(?:\\\\)*\\u0000/;

function nulError() {
  return new AppError("validation_failed", "Text must not contain NUL (\\u0000) characters.", [
    { path: "", message: "contains a NUL character" },
  ]);
}

export const DEFAULT_BODY_LIMIT = 1024 * 1024; // 1 MB (SPEC §5.2)

/** Reads the body as text, refusing more than `limit` bytes without buffering past it. */
async function readBodyText(req: Request, limit: number): Promise<string> {
  const declared = Number(req.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  const bytes = Buffer.concat(chunks);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new AppError("invalid_json", "The request body is not valid UTF-8.");
  }
}

function tooLarge(limit: number) {
  const mb = limit / (1024 * 1024);
  return new AppError("payload_too_large", `The request body is larger than the ${mb} MB limit.`);
}

/**
 * Parses a JSON body against `schema`. Wrong content type or malformed JSON is
 * 400 `invalid_json`; schema errors are 422 with JSON paths. An empty body is
 * treated as `{}` when `allowEmpty` (for POSTs whose fields are all optional).
 */
export async function readJson<S extends z.ZodType>(
  req: Request,
  schema: S,
  opts: { limit?: number; allowEmpty?: boolean } = {},
): Promise<z.output<S>> {
  const limit = opts.limit ?? DEFAULT_BODY_LIMIT;
  const text = await readBodyText(req, limit);
  let data: unknown;
  if (text.trim() === "" && opts.allowEmpty) {
    data = {};
  } else {
    const type = req.headers.get("content-type") ?? "";
    if (!/^application\/([\w.+-]+\+)?json\b/i.test(type.trim())) {
      throw new AppError("invalid_json", "Send a JSON body with Content-Type: application/json.");
    }
    try {
      data = JSON.parse(text);
    } catch {
      throw new AppError("invalid_json", "The request body is not valid JSON.");
    }
    // PostgreSQL cannot store NUL in text or jsonb; refuse it here, once, for every route.
    if (ESCAPED_NUL.test(text)) throw nulError();
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}

/** Parses the query string against `schema` (single values; repeated keys take the last). */
export function readQuery<S extends z.ZodType>(req: Request, schema: S): z.output<S> {
  const params = new URL(req.url).searchParams;
  const obj: Record<string, string> = {};
  for (const [k, v] of params) {
    if (v.includes("\u0000") || k.includes("\u0000")) throw nulError();
    obj[k] = v;
  }
  const parsed = schema.safeParse(obj);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}

const UUID = z.string().uuid();

/** A path id that is not a UUID is a 404, exactly like a missing row (SPEC §5). */
export function parseId(value: unknown, what: string): string {
  const parsed = UUID.safeParse(value);
  if (!parsed.success) throw new AppError("not_found", `${what} not found`);
  return parsed.data.toLowerCase();
}

/** The caller's address (first X-Forwarded-For hop, or X-Real-IP) and user agent, for the audit trail. */
export function requestMeta(req: Request): RequestMeta {
  const forwarded = req.headers.get("x-forwarded-for")?.split(",")[0]?.trim();
  return { ip: forwarded || req.headers.get("x-real-ip") || null, userAgent: req.headers.get("user-agent") };
}

const IdempotencyKeySchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, "must be 1–255 visible ASCII characters");

/** The Idempotency-Key header (SPEC §5.2), or undefined when absent; a malformed key is 422. */
export function parseIdempotencyKey(header: string | null): string | undefined {
  if (header === null) return undefined;
  const parsed = IdempotencyKeySchema.safeParse(header.trim());
  if (!parsed.success) {
    const message = parsed.error.issues[0]?.message ?? "invalid";
    throw new AppError("validation_failed", `Idempotency-Key: ${message}`, [{ path: "Idempotency-Key", message }]);
  }
  return parsed.data;
}
