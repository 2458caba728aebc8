/** Disk storage driver (embedded mode): atomic files under one directory, served through HMAC-signed, expiring /api/storage URLs. */
import { createHmac, createSecretKey, randomUUID, timingSafeEqual, type KeyObject } from "node:crypto";
import { constants as fsConstants } from "node:fs";
import fsp, { type FileHandle } from "node:fs/promises";
import path from "node:path";
import { Writable, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { DomainError, RangeNotSatisfiableError } from "@/lib/errors";
import { contentDisposition } from "./content-disposition";
import { assertValidKey, isValidKey } from "./keys";
import { abortError, createHasher, destroyBody } from "./streams";
import { StorageError, type PutResult, type SignedUrl, type SignOptions, type Storage, type StorageHealth } from "./types";

export type DiskStorageOptions = {
  /** Root directory; every key resolves to a file inside it. */
  dir: string;
  /** The app secret; URL signatures use a key derived from it. */
  secret: string;
  /** Public base URL of the app, e.g. https://exports.example.com. */
  baseUrl: string;
  /** Clock in milliseconds; tests move it to make links expire. */
  now?: () => number;
};

export type DiskStorage = Storage & {
  readonly driver: "disk";
  /** Removes temp files of interrupted writes older than `olderThanMs`; returns how many. */
  sweepTemp(olderThanMs: number): Promise<number>;
  readonly dir: string;
  /** Answers GET/HEAD /api/storage/<key>?…: verifies the signature and streams the file. */
  serve(req: Request, keySegments: unknown): Promise<Response>;
};

type SignedParams = { key: string; expires: number; fileName: string; contentType: string };

const READ_CHUNK = 64 * 1024;
const WRITE_HIGH_WATER_MARK = 64 * 1024;
const SIGNATURE_PATTERN = /^[0-9a-f]{64}$/;
const EXPIRES_PATTERN = /^[0-9]{1,12}$/;
const CONTENT_TYPE_PATTERN = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+(?:\s*;\s*[a-z0-9!#$&^_.+-]+=(?:[a-z0-9!#$&^_.+-]+|"[^"\\\r\n]*"))*$/i;

/** A signing key of its own, derived from the app secret, so a URL signature can never be replayed as a session or other HMAC. */
/** Derived once per secret: a list of 100 exports signs 100 URLs. */
const signingKeys = new Map<string, KeyObject>();

function urlSigningKey(secret: string): KeyObject {
  let key = signingKeys.get(secret);
  if (!key) {
    key = createSecretKey(createHmac("sha256", secret).update("takeoff-exports/storage-url/v1").digest());
    signingKeys.set(secret, key);
  }
  return key;
}

/**
 * The signature over everything that shapes the response: key, expiry, file
 * name and content type. JSON framing keeps the fields unambiguous (no
 * delimiter a file name could smuggle in).
 */
export function diskUrlSignature(secret: string, p: SignedParams): string {
  return createHmac("sha256", urlSigningKey(secret))
    .update(JSON.stringify(["v1", p.key, p.expires, p.fileName, p.contentType]))
    .digest("hex");
}

function forbidden(message: string): DomainError {
  return new DomainError("forbidden", message);
}

function single(params: URLSearchParams, name: string): string | null {
  const all = params.getAll(name);
  return all.length === 1 ? all[0] : null;
}

/**
 * Checks a signed URL's query for `key`. Throws a `forbidden` DomainError when the
 * signature is missing, malformed or wrong (checked in constant time), or when
 * the link has expired; returns the signed response parameters otherwise.
 */
export function verifyDiskUrl(
  opts: { secret: string; now?: () => number },
  key: string,
  params: URLSearchParams,
): { fileName: string; contentType: string; expires: number } {
  const signature = single(params, "signature");
  const expiresRaw = single(params, "expires");
  const fileName = single(params, "filename");
  const contentType = single(params, "type");
  if (
    !signature ||
    !SIGNATURE_PATTERN.test(signature) ||
    !expiresRaw ||
    !EXPIRES_PATTERN.test(expiresRaw) ||
    fileName === null ||
    contentType === null
  ) {
    throw forbidden("This download link is invalid. Request a new one from the export.");
  }
  const expires = Number(expiresRaw);
  const expected = Buffer.from(diskUrlSignature(opts.secret, { key, expires, fileName, contentType }), "hex");
  if (!timingSafeEqual(expected, Buffer.from(signature, "hex"))) {
    throw forbidden("This download link is invalid. Request a new one from the export.");
  }
  if (expires * 1000 <= (opts.now ?? Date.now)()) {
    throw forbidden("This download link has expired. Request a new one from the export.");
  }
  return { fileName, contentType, expires };
}

function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel);
}

function errorCode(err: unknown): string | undefined {
  return typeof err === "object" && err !== null && "code" in err ? String((err as { code: unknown }).code) : undefined;
}

const MISSING = new Set(["ENOENT", "ENOTDIR"]);

/**
 * Writes to an open file and fsyncs it in `final`, so "finished" means "on
 * disk". The handle stays open for the caller to close (fs write streams with
 * autoClose: false never settle a multi-stage pipeline on Node 20).
 */
function fileSink(handle: FileHandle): Writable {
  return new Writable({
    highWaterMark: WRITE_HIGH_WATER_MARK,
    write(chunk: Buffer, _encoding, callback) {
      handle.write(chunk).then(() => callback(), callback);
    },
    writev(entries, callback) {
      handle.writev(entries.map((e) => e.chunk as Buffer)).then(() => callback(), callback);
    },
    final(callback) {
      handle.sync().then(() => callback(), callback);
    },
  });
}

/** Makes a rename durable; not supported everywhere (e.g. Windows), where it is skipped. */
async function syncDirectory(dir: string) {
  let handle: FileHandle | undefined;
  try {
    handle = await fsp.open(dir, "r");
    await handle.sync();
  } catch {
    // best effort
  } finally {
    await handle?.close().catch(() => {});
  }
}

type ByteRange = { start: number; end: number };

/**
 * One `bytes=` range (RFC 9110 §14). Multiple ranges and malformed headers are
 * ignored (the full file is sent), which the RFC allows.
 */
export function parseRange(header: string | null, size: number): ByteRange | "unsatisfiable" | null {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === "" && match[2] === "")) return null;
  if (match[1] === "") {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const last = match[2] === "" ? Infinity : Number(match[2]);
  if (!Number.isSafeInteger(start) || last < start) return null; // invalid: ignored
  if (start >= size) return "unsatisfiable";
  return { start, end: Math.min(last, size - 1) };
}

/** A pull-based body: a chunk is read only when the client is ready for it, so memory stays flat. */
function fileBody(handle: FileHandle, start: number, end: number): ReadableStream<Uint8Array> {
  let position = start;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await handle.close().catch(() => {});
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const length = Math.min(READ_CHUNK, end - position + 1);
        const { bytesRead, buffer } = await handle.read(Buffer.allocUnsafe(length), 0, length, position);
        if (bytesRead === 0) throw new Error("file ended before its stated size");
        position += bytesRead;
        controller.enqueue(new Uint8Array(buffer.buffer, buffer.byteOffset, bytesRead));
        if (position > end) {
          controller.close();
          await close();
        }
      } catch (err) {
        controller.error(err);
        await close();
      }
    },
    cancel: close,
  });
}

export function createDiskStorage(options: DiskStorageOptions): DiskStorage {
  const root = path.resolve(options.dir);
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const now = options.now ?? Date.now;

  function pathFor(key: string): string {
    assertValidKey(key);
    const full = path.resolve(root, ...key.split("/"));
    // The key grammar already rules out traversal; this is the belt to its braces.
    if (!isInside(root, full)) throw new StorageError(`Storage key ${JSON.stringify(key)} resolves outside the storage directory.`);
    return full;
  }

  // The content type is not stored: signed URLs carry it (the pipeline keeps it on the export row).
  async function put(
    key: string,
    body: NodeJS.ReadableStream | Readable,
    opts: { contentType: string; signal?: AbortSignal },
  ): Promise<PutResult> {
    const { signal } = opts;
    let full: string;
    try {
      full = pathFor(key);
      signal?.throwIfAborted();
    } catch (err) {
      destroyBody(body);
      throw signal?.aborted ? abortError(signal) : err;
    }
    const dir = path.dirname(full);
    // Same directory as the target, so the rename is atomic; the leading dot
    // keeps it out of the key space (keys never start a segment with ".").
    const temp = path.join(dir, `.${path.basename(full)}.${randomUUID()}.tmp`);
    const hasher = createHasher();
    let handle: FileHandle | undefined;
    try {
      await fsp.mkdir(dir, { recursive: true });
      handle = await fsp.open(temp, "wx", 0o600);
      // pipeline() applies backpressure end to end and, on error or abort, destroys every stream.
      await pipeline(body, hasher.stream, fileSink(handle), { signal });
      await handle.close();
      handle = undefined;
      signal?.throwIfAborted();
      await fsp.rename(temp, full);
      await syncDirectory(dir);
      return hasher.result();
    } catch (err) {
      destroyBody(body);
      await handle?.close().catch(() => {});
      await fsp.rm(temp, { force: true }).catch(() => {});
      if (signal?.aborted) throw abortError(signal);
      // File-system failures get a readable message; the producer's own errors pass through unchanged.
      if (errorCode(err) && typeof (err as { syscall?: unknown }).syscall === "string") {
        throw new StorageError(`Writing ${key} to disk failed: ${(err as Error).message}`, { cause: err });
      }
      throw err;
    }
  }

  async function head(key: string): Promise<{ size: number } | null> {
    const full = pathFor(key);
    try {
      const stat = await fsp.stat(full);
      return stat.isFile() ? { size: stat.size } : null;
    } catch (err) {
      if (MISSING.has(errorCode(err) ?? "")) return null;
      throw new StorageError(`Reading ${key} from disk failed: ${(err as Error).message}`, { cause: err });
    }
  }

  async function remove(key: string): Promise<void> {
    const full = pathFor(key);
    try {
      await fsp.unlink(full);
    } catch (err) {
      if (MISSING.has(errorCode(err) ?? "")) return;
      throw new StorageError(`Deleting ${key} from disk failed: ${(err as Error).message}`, { cause: err });
    }
  }

  async function signedUrl(key: string, opts: SignOptions): Promise<SignedUrl> {
    assertValidKey(key);
    if (!CONTENT_TYPE_PATTERN.test(opts.contentType) || opts.contentType.length > 200) {
      throw new StorageError(`Invalid content type ${JSON.stringify(opts.contentType.slice(0, 100))}.`);
    }
    const expires = Math.floor(now() / 1000) + Math.max(1, Math.floor(opts.expiresInSeconds));
    const params: SignedParams = { key, expires, fileName: opts.fileName, contentType: opts.contentType };
    const query = new URLSearchParams({
      expires: String(expires),
      filename: opts.fileName,
      type: opts.contentType,
      signature: diskUrlSignature(options.secret, params),
    });
    // Key characters are all URL-safe, so the key goes into the path as is.
    return { url: `${baseUrl}/api/storage/${key}?${query}`, expiresAt: new Date(expires * 1000) };
  }

  async function health(): Promise<StorageHealth> {
    const probe = path.join(root, `.health-${randomUUID()}.probe`);
    try {
      await fsp.mkdir(root, { recursive: true });
      await fsp.writeFile(probe, "ok", { flag: "wx", mode: 0o600 });
      await fsp.unlink(probe);
      // The detail may reach the public /api/health: an error code, never the server's paths.
      return { ok: true, driver: "disk", detail: "exports directory is writable" };
    } catch (err) {
      await fsp.rm(probe, { force: true }).catch(() => {});
      return { ok: false, driver: "disk", detail: `exports directory is not writable (${errorCode(err) ?? "unknown error"})` };
    }
  }

  async function serve(req: Request, keySegments: unknown): Promise<Response> {
    const notFound = new DomainError("not_found", "File not found. It may have been deleted or expired.");
    const key = Array.isArray(keySegments) && keySegments.every((s) => typeof s === "string") ? keySegments.join("/") : null;
    // A key that fails the grammar was never signed by us; answer as for a missing file.
    if (!key || !isValidKey(key)) throw notFound;
    const signed = verifyDiskUrl({ secret: options.secret, now }, key, new URL(req.url).searchParams);

    let handle: FileHandle | undefined;
    try {
      // Resolve symlinks and re-check, so a link planted inside the directory cannot expose a file outside it.
      const [realRoot, real] = await Promise.all([fsp.realpath(root), fsp.realpath(pathFor(key))]);
      if (!isInside(realRoot, real)) throw notFound;
      handle = await fsp.open(real, fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0));
      const stat = await handle.stat();
      if (!stat.isFile()) throw notFound;

      const etag = `"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
      const lastModified = stat.mtime.toUTCString();
      const headers = new Headers({
        "Content-Type": CONTENT_TYPE_PATTERN.test(signed.contentType) ? signed.contentType : "application/octet-stream",
        "Content-Disposition": contentDisposition(signed.fileName),
        "Accept-Ranges": "bytes",
        ETag: etag,
        "Last-Modified": lastModified,
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
        // Should a browser ever render it inline, it runs nothing in our origin.
        "Content-Security-Policy": "default-src 'none'; sandbox",
      });

      // If-Range: resume only when the file is still the one the client started on.
      const ifRange = req.headers.get("if-range");
      const range =
        req.method === "GET" && (!ifRange || ifRange === etag || ifRange === lastModified)
          ? parseRange(req.headers.get("range"), stat.size)
          : null;
      if (range === "unsatisfiable") {
        throw new RangeNotSatisfiableError(stat.size);
      }
      const start = range ? range.start : 0;
      const end = range ? range.end : stat.size - 1;
      headers.set("Content-Length", String(end - start + 1));
      if (range) headers.set("Content-Range", `bytes ${start}-${end}/${stat.size}`);
      const status = range ? 206 : 200;

      if (req.method === "HEAD" || end < start) {
        await handle.close();
        handle = undefined;
        return new Response(null, { status, headers });
      }
      const body = fileBody(handle, start, end);
      handle = undefined; // the body owns it now
      return new Response(body, { status, headers });
    } catch (err) {
      await handle?.close().catch(() => {});
      if (MISSING.has(errorCode(err) ?? "") || errorCode(err) === "ELOOP") throw notFound;
      throw err;
    }
  }

  /**
   * Temp files of writes that never finished (the process was killed between
   * create and rename). Live writes are younger than `olderThanMs`.
   */
  async function sweepTemp(olderThanMs: number): Promise<number> {
    let removed = 0;
    const cutoff = Date.now() - olderThanMs;
    const walk = async (dir: string): Promise<void> => {
      const entries = await fsp.readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (entry.isFile() && entry.name.startsWith(".") && entry.name.endsWith(".tmp")) {
          const stat = await fsp.stat(full).catch(() => null);
          if (
            stat &&
            stat.mtimeMs < cutoff &&
            (await fsp.rm(full, { force: true }).then(
              () => true,
              () => false,
            ))
          )
            removed++;
        }
      }
    };
    await walk(root);
    return removed;
  }

  return { driver: "disk", dir: root, put, head, delete: remove, signedUrl, health, serve, sweepTemp };
}
