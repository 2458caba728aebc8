/**
 * Download (SPEC §5.2): re-check access and state, count the download
 * atomically with an audit event that says how it was made (`via`, SPEC
 * §14.4), and hand back a short-lived URL.
 */
import { and, eq, isNotNull, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { exports, type ExportRow } from "@/db/schema";
import { env } from "@/lib/env";
import { DomainError } from "@/lib/errors";
import { recordEvent, type RequestMeta } from "../events";
import type { DownloadChannel } from "../model";
import { dbOr } from "./db";
import { downloadUrlFor } from "./links";
import { findOwned, type ExportRef } from "./read";

/** Downloads redirect to a URL that lives only long enough to start the transfer. */
const DOWNLOAD_URL_TTL_SECONDS = 300;

/** A freshly signed, short-lived link to a completed export's file; service_unavailable when the store cannot sign. */
export async function shortLivedLink(row: ExportRow): Promise<{ url: string; expiresAt: Date }> {
  const signed = await downloadUrlFor(row, { ttl: Math.min(DOWNLOAD_URL_TTL_SECONDS, env.EXPORT_URL_TTL_SECONDS), fresh: true });
  if (!signed)
    throw new DomainError("service_unavailable", "The file store is not reachable right now. Try again in a moment.", undefined, 30);
  return signed;
}

/** The "downloaded" event's data: the count after this download, the channel, and the format (events outlive their export). */
export function downloadedEventData(
  row: { downloadCount: number; format: string },
  via: DownloadChannel,
  extra: Record<string, unknown> = {},
) {
  return { download_count: row.downloadCount, via, format: row.format, ...extra };
}

export async function recordDownload(
  { userId, id, via, meta = {} }: ExportRef & { via: Exclude<DownloadChannel, "share">; meta?: RequestMeta },
  dbIn?: Db,
) {
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
  const signed = await shortLivedLink(current);
  const counted = await db.transaction(async (tx) => {
    const [row] = await tx
      .update(exports)
      .set({ downloadCount: sql`${exports.downloadCount} + 1`, lastDownloadedAt: new Date() })
      .where(and(eq(exports.id, current.id), eq(exports.userId, userId), eq(exports.status, "completed"), isNotNull(exports.fileKey)))
      .returning({ id: exports.id, downloadCount: exports.downloadCount, format: exports.format });
    if (row) {
      await recordEvent(tx, {
        exportId: row.id,
        userId,
        type: "downloaded",
        data: downloadedEventData(row, via),
        ip: meta.ip,
        userAgent: meta.userAgent,
      });
    }
    return row;
  });
  if (!counted) throw new DomainError("export_expired", "The export is no longer available.");
  return { url: signed.url, expires_at: signed.expiresAt.toISOString() };
}
