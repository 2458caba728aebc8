/**
 * Download (SPEC §5.2): re-check access and state, count the download
 * atomically with an audit event, and hand back a short-lived URL.
 */
import { and, eq, isNotNull, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { exports } from "@/db/schema";
import { env } from "@/lib/env";
import { DomainError } from "@/lib/errors";
import { recordEvent, type RequestMeta } from "../events";
import { dbOr } from "./db";
import { downloadUrlFor } from "./links";
import { findOwned, type ExportRef } from "./read";

/** Downloads redirect to a URL that lives only long enough to start the transfer. */
const DOWNLOAD_URL_TTL_SECONDS = 300;

export async function recordDownload({ userId, id, meta = {} }: ExportRef & { meta?: RequestMeta }, dbIn?: Db) {
  const db = await dbOr(dbIn);
  const current = await findOwned(db, { userId, id });
  switch (current.status) {
    case "pending":
    case "processing":
      throw new DomainError(
        "export_not_ready",
        `The export is still ${current.status} (${current.progress}%). Try again shortly.`,
        undefined,
        5,
      );
    case "failed":
      throw new DomainError("export_failed", `The export failed: ${current.errorMessage ?? "unknown error"}. Retry it to download.`);
    case "cancelled":
      throw new DomainError("invalid_state", "The export was cancelled. Retry it to download.");
    case "expired":
      throw new DomainError("export_expired", "The export has expired and its file was deleted. Retry it to generate the file again.");
  }
  const signed = await downloadUrlFor(current, { ttl: Math.min(DOWNLOAD_URL_TTL_SECONDS, env.EXPORT_URL_TTL_SECONDS), fresh: true });
  if (!signed)
    throw new DomainError("service_unavailable", "The file store is not reachable right now. Try again in a moment.", undefined, 30);
  const counted = await db.transaction(async (tx) => {
    const [row] = await tx
      .update(exports)
      .set({ downloadCount: sql`${exports.downloadCount} + 1`, lastDownloadedAt: new Date() })
      .where(and(eq(exports.id, current.id), eq(exports.userId, userId), eq(exports.status, "completed"), isNotNull(exports.fileKey)))
      .returning({ id: exports.id, downloadCount: exports.downloadCount });
    if (row) {
      await recordEvent(tx, {
        exportId: row.id,
        userId,
        type: "downloaded",
        data: { download_count: row.downloadCount },
        ip: meta.ip,
        userAgent: meta.userAgent,
      });
    }
    return row;
  });
  if (!counted) throw new DomainError("export_expired", "The export is no longer available.");
  return { url: signed.url, expires_at: signed.expiresAt.toISOString() };
}
