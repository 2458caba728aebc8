/** S3 storage driver (AWS S3, MinIO, R2, …): streamed private uploads with a SHA-256 metadata field, presigned download URLs. */
import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { contentDisposition } from "./content-disposition";
import { assertValidKey } from "./keys";
import { abortError, createHasher, destroyBody } from "./streams";
import { StorageError, type PutResult, type SignedUrl, type SignOptions, type Storage, type StorageHealth } from "./types";

export type S3StorageOptions = {
  bucket: string;
  region: string;
  /** Internal endpoint for a non-AWS store, e.g. http://minio:9000. */
  endpoint?: string;
  /** Host that clients reach, used in presigned URLs when it differs from `endpoint`. */
  publicEndpoint?: string;
  forcePathStyle: boolean;
  /** Static credentials; when absent the SDK's default chain (env, profile, instance role) is used. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Give up connecting after this long (default 5 s). */
  connectionTimeoutMs?: number;
  /** Give up on a request whose socket has been idle this long (default 15 s). */
  socketTimeoutMs?: number;
  /** Bound on the whole health probe (default 5 s). */
  healthTimeoutMs?: number;
};

export type S3Storage = Storage & { readonly driver: "s3"; readonly bucket: string };

/** Multipart part size; with QUEUE_SIZE parts in flight, an upload holds roughly (QUEUE_SIZE + 1) × PART_SIZE in memory. */
export const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 2;
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600; // SigV4 limit
const CHECKSUM_METADATA = "sha256";

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  // Node reports a refused connection to a dual-stack host as an AggregateError with an empty message.
  const inner = err instanceof AggregateError && err.errors[0] instanceof Error ? err.errors[0].message : "";
  const code = (err as { code?: unknown }).code;
  const message = err.message && err.message !== "UnknownError" ? err.message : inner || (typeof code === "string" ? code : "") || err.name;
  return status ? `${message} (HTTP ${status})` : message;
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === "NotFound" || e?.name === "NoSuchKey" || e?.$metadata?.httpStatusCode === 404;
}

function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`;
}

export function createS3Storage(options: S3StorageOptions): S3Storage {
  const { bucket } = options;
  const base: S3ClientConfig = {
    region: options.region,
    forcePathStyle: options.forcePathStyle,
    credentials: options.credentials,
    // A store that is down should fail a request in seconds: few attempts, finite connect and idle timeouts.
    maxAttempts: 3,
    requestHandler: {
      connectionTimeout: options.connectionTimeoutMs ?? 5_000,
      socketTimeout: options.socketTimeoutMs ?? 15_000,
    },
    // The SDK's default CRC32 request checksums are not understood by every
    // S3-compatible store; on AWS itself (no custom endpoint) keep them.
    ...(options.endpoint ? ({ requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED" } as const) : {}),
  };
  const client = new S3Client({ ...base, endpoint: options.endpoint });
  // Presigning is local work; this client only decides the host written into URLs.
  // WHEN_REQUIRED keeps `x-amz-checksum-mode` out of links handed to browsers.
  const presigner = new S3Client({
    ...base,
    endpoint: options.publicEndpoint ?? options.endpoint,
    responseChecksumValidation: "WHEN_REQUIRED",
  });

  /** Cleanup after a failed put; bounded, so a store that is down does not hold the failure up. */
  async function deleteQuietly(key: string) {
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: AbortSignal.timeout(5_000) }).catch(() => {});
  }

  /**
   * Why the checksum needs two paths: S3 metadata must be sent before the
   * first byte, but the SHA-256 is known only after the last. A body that fits
   * in one part (most exports) is buffered, hashed and sent with one PutObject
   * carrying the metadata. A larger body is streamed with a multipart Upload
   * (bounded memory), then copied onto itself with MetadataDirective REPLACE
   * to attach the checksum; the copy is conditional on the uploaded ETag so
   * it can never stamp our checksum on someone else's object. (S3's own
   * ChecksumSHA256 is per part for multipart uploads, not the file's hash, and
   * tagging is not supported by every S3-compatible store.) Cost: a
   * server-side copy for files over 8 MB; CopyObject is limited to 5 GB.
   */
  async function put(
    key: string,
    body: NodeJS.ReadableStream | Readable,
    opts: { contentType: string; signal?: AbortSignal },
  ): Promise<PutResult> {
    const { signal, contentType } = opts;
    try {
      assertValidKey(key);
      signal?.throwIfAborted();
    } catch (err) {
      destroyBody(body);
      throw signal?.aborted ? abortError(signal) : err;
    }

    const hasher = createHasher();
    let bodyError: unknown;
    // pipeline() carries backpressure from the upload back to the producer and tears both down on error or abort.
    const feeding = pipeline(body, hasher.stream, { signal }).catch((err: unknown) => {
      bodyError ??= err;
      throw err;
    });
    feeding.catch(() => {}); // observed below; this only prevents an unhandled rejection
    const chunks = hasher.stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    let reachedStore = false;

    try {
      const head: Buffer[] = [];
      let headBytes = 0;
      let ended = false;
      while (headBytes < PART_SIZE) {
        const next = await chunks.next();
        if (next.done) {
          ended = true;
          break;
        }
        head.push(next.value);
        headBytes += next.value.length;
      }

      if (ended) {
        await feeding;
        const { size, checksumSha256 } = hasher.result();
        reachedStore = true;
        await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: Buffer.concat(head, headBytes),
            ContentLength: headBytes,
            ContentType: contentType,
            Metadata: { [CHECKSUM_METADATA]: checksumSha256 },
          }),
          { abortSignal: signal },
        );
        signal?.throwIfAborted();
        return { size, checksumSha256 };
      }

      const rest = Readable.from(
        (async function* () {
          yield* head.splice(0); // hand the buffered part over and drop our references
          for (;;) {
            const next = await chunks.next();
            if (next.done) return;
            yield next.value;
          }
        })(),
      );
      // Not upload.abort(): that settles done() before the multipart upload is
      // cleaned up. An abort instead destroys the body (via pipeline's signal),
      // Upload fails, aborts the multipart upload, then rejects.
      const upload = new Upload({
        client,
        params: { Bucket: bucket, Key: key, Body: rest, ContentType: contentType },
        partSize: PART_SIZE,
        queueSize: QUEUE_SIZE,
        leavePartsOnError: false,
      });
      reachedStore = true;
      const uploaded = await upload.done();
      await feeding;
      signal?.throwIfAborted();
      const { size, checksumSha256 } = hasher.result();
      try {
        await client.send(
          new CopyObjectCommand({
            Bucket: bucket,
            Key: key,
            CopySource: copySource(bucket, key),
            CopySourceIfMatch: uploaded.ETag,
            MetadataDirective: "REPLACE",
            ContentType: contentType,
            Metadata: { [CHECKSUM_METADATA]: checksumSha256 },
          }),
          { abortSignal: signal },
        );
      } catch (err) {
        throw new StorageError(`Uploaded ${key} but could not record its checksum: ${describe(err)}`, { cause: err });
      }
      signal?.throwIfAborted();
      return { size, checksumSha256 };
    } catch (err) {
      const fromBody = bodyError !== undefined && !signal?.aborted;
      destroyBody(body);
      hasher.stream.destroy();
      await feeding.catch(() => {});
      // The store may have committed the object just before the failure or abort: leave nothing new under the key.
      if (reachedStore) await deleteQuietly(key);
      if (signal?.aborted) throw abortError(signal);
      if (fromBody) throw bodyError; // the producer's own error, unchanged
      if (err instanceof StorageError) throw err;
      throw new StorageError(`Uploading ${key} to bucket ${bucket} failed: ${describe(err)}`, { cause: err });
    }
  }

  async function head(key: string): Promise<{ size: number } | null> {
    assertValidKey(key);
    try {
      const res = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return { size: res.ContentLength ?? 0 };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw new StorageError(`Reading ${key} from bucket ${bucket} failed: ${describe(err)}`, { cause: err });
    }
  }

  async function remove(key: string): Promise<void> {
    assertValidKey(key);
    try {
      // S3 answers 204 for a missing key; a 404 here means the bucket is missing, which must not pass as deleted.
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    } catch (err) {
      if ((err as { name?: string }).name === "NoSuchKey") return; // some S3-compatible stores say so for a missing key
      throw new StorageError(`Deleting ${key} from bucket ${bucket} failed: ${describe(err)}`, { cause: err });
    }
  }

  async function signedUrl(key: string, opts: SignOptions): Promise<SignedUrl> {
    assertValidKey(key);
    const expiresIn = Math.min(MAX_PRESIGN_SECONDS, Math.max(1, Math.floor(opts.expiresInSeconds)));
    // SigV4 dates have one-second precision; sign with a whole second so expiresAt is exact.
    const signingDate = new Date(Math.floor(Date.now() / 1000) * 1000);
    try {
      const url = await getSignedUrl(
        presigner,
        new GetObjectCommand({
          Bucket: bucket,
          Key: key,
          ResponseContentDisposition: contentDisposition(opts.fileName),
          ResponseContentType: opts.contentType,
        }),
        { expiresIn, signingDate },
      );
      return { url, expiresAt: new Date(signingDate.getTime() + expiresIn * 1000) };
    } catch (err) {
      throw new StorageError(`Signing a download URL for ${key} failed: ${describe(err)}`, { cause: err });
    }
  }

  async function health(): Promise<StorageHealth> {
    const abortSignal = AbortSignal.timeout(options.healthTimeoutMs ?? 5_000);
    const probe = `health-probes/${randomUUID()}.txt`;
    let step = "reach bucket";
    try {
      await client.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal });
      step = "write a probe object to bucket";
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: probe, Body: "ok", ContentType: "text/plain" }), { abortSignal });
      step = "delete the probe object from bucket";
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: probe }), { abortSignal });
      return { ok: true, driver: "s3", detail: `bucket ${bucket} is reachable and writable` };
    } catch (err) {
      const reason = abortSignal.aborted ? "timed out" : describe(err);
      return { ok: false, driver: "s3", detail: `could not ${step} ${bucket}: ${reason}` };
    }
  }

  return { driver: "s3", bucket, put, head, delete: remove, signedUrl, health };
}
