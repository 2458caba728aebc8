/** The storage contract the pipeline and services call; lib/storage/disk.ts and lib/storage/s3.ts implement it. */
import type { Readable } from "node:stream";

export type StorageDriver = "disk" | "s3";

export type PutResult = { size: number; checksumSha256: string };

export type SignedUrl = { url: string; expiresAt: Date };

export type SignOptions = { fileName: string; contentType: string; expiresInSeconds: number };

export type StorageHealth = { ok: boolean; driver: StorageDriver; detail: string };

export interface Storage {
  readonly driver: StorageDriver;
  /**
   * Streams `body` to `key`; SHA-256 computed while streaming. Atomic: readers
   * see either what was there before or the complete new object, never a
   * partial one; on error or abort nothing new is left under `key` and no
   * temp/partial object lingers, and `body` is destroyed so a producer writing
   * into it stops. Overwrites an existing object (re-runs use the same key).
   */
  put(key: string, body: NodeJS.ReadableStream | Readable, opts: { contentType: string; signal?: AbortSignal }): Promise<PutResult>;
  /** Size of a stored object, or null when it does not exist. */
  head(key: string): Promise<{ size: number } | null>;
  /** Deletes the object; a missing object is not an error. Throws when the store fails. */
  delete(key: string): Promise<void>;
  /**
   * A short-lived URL that downloads the object as an attachment named
   * `fileName` (Content-Disposition with RFC 6266 filename* for non-ASCII and
   * an ASCII fallback) and the given content type. Local work only (HMAC or
   * SigV4 presigning): it does not check that the object exists.
   */
  signedUrl(key: string, opts: SignOptions): Promise<SignedUrl>;
  /** Whether the bucket/directory is reachable and writable (writes and deletes a small probe object). */
  health(): Promise<StorageHealth>;
}

/** A store operation that failed; `message` is readable on its own (it names the operation and key). */
export class StorageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StorageError";
  }
}
