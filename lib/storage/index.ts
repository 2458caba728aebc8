/** Storage choice (SPEC §2, §8): S3 when S3_BUCKET is set, else the local disk; one instance per process. */
import path from "node:path";
import { DomainError } from "@/lib/errors";
import { appSecret } from "@/lib/auth/secret";
import { env } from "@/lib/env";
import { createDiskStorage, type DiskStorage } from "./disk";
import { withTestFaults } from "./faults";
import { createS3Storage } from "./s3";
import type { Storage } from "./types";

export { createDiskStorage, diskUrlSignature, verifyDiskUrl, type DiskStorage, type DiskStorageOptions } from "./disk";
export { createS3Storage, type S3Storage, type S3StorageOptions } from "./s3";
export { assertValidKey, isValidKey } from "./keys";
export { contentDisposition, sanitizeFileName } from "./content-disposition";
export { StorageError, type PutResult, type SignedUrl, type Storage, type StorageDriver, type StorageHealth } from "./types";

// On globalThis because Next.js may evaluate this module more than once per process (route bundles, instrumentation).
const globalForStorage = globalThis as unknown as { __takeoffStorage?: Storage };

function storageFromEnv(): Storage {
  if (env.S3_BUCKET) {
    return createS3Storage({
      bucket: env.S3_BUCKET,
      region: env.S3_REGION,
      endpoint: env.S3_ENDPOINT,
      publicEndpoint: env.S3_PUBLIC_ENDPOINT,
      forcePathStyle: env.S3_FORCE_PATH_STYLE,
      credentials:
        env.S3_ACCESS_KEY_ID && env.S3_SECRET_ACCESS_KEY
          ? { accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY }
          : undefined,
    });
  }
  return createDiskStorage({
    dir: env.EXPORTS_DIR ?? path.join(env.DATA_DIR, "exports"),
    secret: appSecret(),
    baseUrl: env.APP_URL,
  });
}

export function getStorage(): Storage {
  return (globalForStorage.__takeoffStorage ??= withTestFaults(storageFromEnv()));
}

/** Replaces the process's storage (tests); `undefined` goes back to the one chosen by env. */
export function setStorageForTests(storage: Storage | undefined): void {
  globalForStorage.__takeoffStorage = storage;
}

function isDiskStorage(storage: Storage): storage is DiskStorage {
  return storage.driver === "disk" && typeof (storage as Partial<DiskStorage>).serve === "function";
}

/** GET/HEAD /api/storage/…: only the disk driver serves files itself; with S3 the route does not exist. */
export async function serveStorageRequest(req: Request, keySegments: unknown): Promise<Response> {
  const storage = getStorage();
  if (!isDiskStorage(storage)) throw new DomainError("not_found", "Not found");
  return storage.serve(req, keySegments);
}
