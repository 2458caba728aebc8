/** Stream helpers both drivers share: hashing while streaming, and tearing a body down on failure. */
import { createHash } from "node:crypto";
import { Transform, type Readable } from "node:stream";

/** A pass-through that computes SHA-256 and the byte count of what flows through it. */
export function createHasher(): { stream: Transform; result(): { size: number; checksumSha256: string } } {
  const hash = createHash("sha256");
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  return { stream, result: () => ({ size, checksumSha256: hash.digest("hex") }) };
}

/**
 * Makes the producer's next write fail so it stops instead of blocking on a
 * pipe nobody reads. No error argument: that would emit an 'error' event the
 * body may have no listener for (an uncaught exception).
 */
export function destroyBody(body: NodeJS.ReadableStream | Readable) {
  const stream = body as Partial<Readable>;
  if (typeof stream.destroy === "function" && !stream.destroyed) stream.destroy();
}

/** The rejection for an aborted put: an AbortError carrying the abort reason's message. */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return new DOMException(reason instanceof Error ? reason.message : "The upload was aborted", "AbortError");
}
