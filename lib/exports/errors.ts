/**
 * Failure kinds of an export job (SPEC §7). User errors (bad options, source
 * deleted, PDF cap) are final; system errors are retried with backoff;
 * timeouts come from the stall sweep.
 */
import type { ErrorKind } from "@/db/schema";

export class ExportJobError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
  ) {
    super(message);
    this.name = "ExportJobError";
  }
}

export const userError = (message: string) => new ExportJobError("user", message);

/** The kind of a thrown error: our own kinds, the source reader's "missing" error, else system. */
export function errorKindOf(err: unknown): ErrorKind {
  if (err instanceof ExportJobError) return err.kind;
  if (err instanceof Error && err.name === "SourceMissingError") return "user";
  return "system";
}

/** A message fit for the dashboard: our own messages as they are, anything else summarised. */
export function readableMessage(err: unknown): string {
  if (err instanceof ExportJobError) return err.message;
  if (err instanceof Error && err.name === "SourceMissingError") return err.message;
  const raw = err instanceof Error ? err.message : String(err);
  const firstLine = raw.split("\n")[0].slice(0, 300);
  return `The export could not be generated: ${firstLine || "unknown error"}`;
}
