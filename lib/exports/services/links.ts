/**
 * Download links of export objects. Links in export objects (list, get, …)
 * are signed once per file per minute (lib/storage/signed-url-cache.ts); the
 * download redirect's short-lived link is signed fresh. One cache per
 * process, on globalThis: Next.js may load this module once per route bundle,
 * and the list and the single export should hand out the same link.
 */
import { env } from "@/lib/env";
import { logger } from "@/lib/logger";
import { getStorage } from "@/lib/storage";
import { createSignedUrlCache, type SignedUrlCache } from "@/lib/storage/signed-url-cache";
import { canDownload } from "../model";
import { exportOut, type ExportOut, type ExportRowIn } from "../serialize";

const globalForLinks = globalThis as unknown as { __takeoffExportLinks?: SignedUrlCache };
const exportLinks = (globalForLinks.__takeoffExportLinks ??= createSignedUrlCache());

export async function downloadUrlFor(
  row: ExportRowIn,
  link: { ttl: number; fresh?: boolean } = { ttl: env.EXPORT_URL_TTL_SECONDS },
): Promise<{ url: string; expiresAt: Date } | null> {
  if (!canDownload(row.status) || !row.fileKey) return null;
  const storage = getStorage();
  const opts = {
    fileName: row.fileName ?? row.fileKey.split("/").pop()!,
    contentType: row.contentType ?? "application/octet-stream",
    expiresInSeconds: link.ttl,
  };
  try {
    return await (link.fresh ? storage.signedUrl(row.fileKey, opts) : exportLinks.signedUrl(storage, row.fileKey, opts));
  } catch (err) {
    // A signing failure must not break reading the export (SPEC §5.1).
    logger.warn("could not sign download url", { exportId: row.id, error: err });
    return null;
  }
}

/** The export object (SPEC §5.1) of a row, with its download link. */
export async function withUrl(row: ExportRowIn): Promise<ExportOut> {
  return exportOut(row, (await downloadUrlFor(row))?.url ?? null);
}
