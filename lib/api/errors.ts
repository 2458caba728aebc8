/**
 * One error model for every route (SPEC §5). Services throw `AppError`; the
 * handler wrapper turns it into `{ success: false, error: { code, message, details } }`
 * with the status from ERROR_STATUS. Anything else becomes a logged 500 whose
 * body carries only the request id.
 */
import { z } from "zod";

export const ERROR_STATUS = {
  invalid_json: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  export_not_ready: 409,
  export_failed: 409,
  invalid_state: 409,
  export_expired: 410,
  payload_too_large: 413,
  range_not_satisfiable: 416,
  validation_failed: 422,
  idempotency_key_reused: 422,
  rate_limited: 429,
  internal_error: 500,
  service_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
export type Issue = { path: string; message: string };

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Issue[],
    /** Extra response headers, e.g. Retry-After. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = "AppError";
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export const notFound = (what: string) => new AppError("not_found", `${what} not found`);

/** `documents[0].pages[1].measurements` from a zod path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

const MAX_DETAILS = 50;

export function zodIssues(error: z.ZodError, prefix: readonly PropertyKey[] = []): Issue[] {
  return error.issues.slice(0, MAX_DETAILS).map((issue) => ({
    path: formatPath([...prefix, ...issue.path]),
    message: issue.message,
  }));
}

/** A 422 whose message is the first issue, readable on its own. */
export function validationError(error: z.ZodError, prefix: readonly PropertyKey[] = []): AppError {
  const details = zodIssues(error, prefix);
  const first = details[0];
  const message = first ? (first.path ? `${first.path}: ${first.message}` : first.message) : "Invalid request";
  return new AppError("validation_failed", message, details);
}
