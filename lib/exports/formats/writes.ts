/** Writing to an export's output with backpressure: wait for 'drain' when the stream asks, and for the flush at the end. */
import type { Writable } from "node:stream";
import { finished } from "node:stream/promises";

const CLOSED = () => new Error("The output stream was closed before the export was written.");

/** Whether a writable asks its writer to wait (also for streams without `writableNeedDrain`). */
export function needsDrain(s: Writable): boolean {
  return s.writableNeedDrain ?? s.writableLength > s.writableHighWaterMark;
}

/**
 * Resolves when `stream` wants more data. Rejects if it, or `out` (the
 * export's output, when waiting on an inner stream), fails or closes first,
 * so a dead upload stops the render instead of leaving it waiting.
 */
export function drained(stream: Writable, out: Writable = stream): Promise<void> {
  if (out.destroyed) return Promise.reject(out.errored ?? CLOSED());
  if (stream.destroyed) return Promise.reject(stream.errored ?? CLOSED());
  if (!needsDrain(stream)) return Promise.resolve();
  const watched = stream === out ? [stream] : [stream, out];
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      stream.off("drain", onDrain);
      for (const s of watched) {
        s.off("error", onError);
        s.off("close", onClose);
      }
    };
    const onDrain = () => {
      cleanup();
      resolve();
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onClose = () => {
      cleanup();
      reject(out.errored ?? stream.errored ?? CLOSED());
    };
    stream.on("drain", onDrain);
    for (const s of watched) {
      s.on("error", onError);
      s.on("close", onClose);
    }
  });
}

/** Writes one chunk and waits for 'drain' when the stream asks for it. */
export async function write(out: Writable, chunk: string | Buffer): Promise<void> {
  if (out.destroyed) throw out.errored ?? CLOSED();
  if (!out.write(chunk)) await drained(out);
}

/** Ends `out` and waits until everything written has been flushed (the writable side only). */
export async function end(out: Writable): Promise<void> {
  if (!out.writableEnded) out.end();
  await finished(out, { readable: false });
}
