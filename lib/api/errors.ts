/**
 * One error model for every route (SPEC §5): the one table from error codes to
 * HTTP statuses. Services throw `DomainError` (lib/errors.ts, no HTTP); the
 * HTTP layer itself throws `AppError` for what only HTTP knows (malformed
 * JSON, missing credentials, body too large). The handler wrapper turns
 * either into `{ success: false, error: { code, message, details } }`;
 * anything else becomes a logged 500 whose body carries only the request id.
 */
import { DomainError, RangeNotSatisfiableError, type DomainErrorCode, type Issue } from "@/lib/errors";

export { DomainError, formatPath, notFound, validationError, zodIssues, type Issue } from "@/lib/errors";

export const ERROR_STATUS = {
  invalid_json: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  export_not_ready: 409,
  export_failed: 409,
  invalid_state: 409,
  conflict: 409,
  export_expired: 410,
  payload_too_large: 413,
  range_not_satisfiable: 416,
  validation_failed: 422,
  idempotency_key_reused: 422,
  rate_limited: 429,
  internal_error: 500,
  service_unavailable: 503,
} as const satisfies Record<DomainErrorCode, number> & Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** An error of the HTTP layer, with extra response headers (e.g. WWW-Authenticate). */
export class AppError extends DomainError<ErrorCode> {
  constructor(
    code: ErrorCode,
    message: string,
    details?: Issue[],
    /** Extra response headers, e.g. Retry-After. */
    readonly headers?: Record<string, string>,
  ) {
    super(code, message, details);
    this.name = "AppError";
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

/** The status and headers an error answers with; null for errors that are not ours (a 500). */
export function httpErrorOf(err: unknown): { code: ErrorCode; status: number; headers: Record<string, string> } | null {
  if (!(err instanceof DomainError)) return null;
  const code = err.code as ErrorCode;
  if (!(code in ERROR_STATUS)) return null;
  const headers: Record<string, string> = {};
  if (err.retryAfterSeconds !== undefined) headers["Retry-After"] = String(err.retryAfterSeconds);
  if (err instanceof RangeNotSatisfiableError) headers["Content-Range"] = `bytes */${err.size}`;
  if (err instanceof AppError) Object.assign(headers, err.headers);
  return { code, status: ERROR_STATUS[code], headers };
}
