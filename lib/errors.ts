/**
 * Domain errors: what went wrong, in the words of the product, without HTTP.
 * Services, storage and the takeoff modules throw these; `lib/api/errors.ts`
 * alone maps each code to a status and the SPEC §5 error shape. The codes are
 * the API's public error codes, so integrators see the same names.
 */
import type { z } from "zod";

export const DOMAIN_ERROR_CODES = [
  "not_found",
  "forbidden",
  "validation_failed",
  "idempotency_key_reused",
  "invalid_state",
  "conflict",
  "export_not_ready",
  "export_failed",
  "export_expired",
  "range_not_satisfiable",
  "rate_limited",
  "service_unavailable",
] as const;

export type DomainErrorCode = (typeof DOMAIN_ERROR_CODES)[number];
export type Issue = { path: string; message: string };

export class DomainError<C extends string = DomainErrorCode> extends Error {
  constructor(
    readonly code: C,
    message: string,
    readonly details?: Issue[],
    /** When trying again can succeed: after how many seconds (rate limits, work in progress). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "DomainError";
  }
}

export const notFound = (what: string) => new DomainError("not_found", `${what} not found`);

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

/** A validation failure whose message is the first issue, readable on its own. */
export function validationError(error: z.ZodError, prefix: readonly PropertyKey[] = []): DomainError {
  const details = zodIssues(error, prefix);
  const first = details[0];
  const message = first ? (first.path ? `${first.path}: ${first.message}` : first.message) : "Invalid request";
  return new DomainError("validation_failed", message, details);
}

/** A byte range that lies outside a stored file of `size` bytes (the response names the size). */
export class RangeNotSatisfiableError extends DomainError {
  constructor(readonly size: number) {
    super("range_not_satisfiable", `The requested range is outside the file (${size} bytes).`);
    this.name = "RangeNotSatisfiableError";
  }
}
