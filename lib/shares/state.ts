/** Which state a share is in, from its row, its export's row (or none) and the time. */
import type { ExportRow, ExportShareRow } from "@/db/schema";
import type { ShareOut } from "./schemas";
import type { ShareState } from "./model";

type ShareFields = Pick<ExportShareRow, "revokedAt" | "expiresAt" | "maxDownloads" | "downloadCount">;
type ExportFields = Pick<ExportRow, "status" | "fileKey" | "expiresAt">;

/**
 * The share's own states come first (the owner revoked it, its time ran out,
 * its downloads are used up), then its export's: a deleted or expired export,
 * or one without a file, is "unavailable".
 */
export function shareState(share: ShareFields, exp: ExportFields | null, now: Date): ShareState {
  if (share.revokedAt) return "revoked";
  if (share.expiresAt.getTime() <= now.getTime()) return "expired";
  if (share.maxDownloads !== null && share.downloadCount >= share.maxDownloads) return "limit_reached";
  if (!exp || exp.status !== "completed" || !exp.fileKey || (exp.expiresAt && exp.expiresAt.getTime() <= now.getTime()))
    return "unavailable";
  return "active";
}

export function shareOut(share: ExportShareRow, exp: ExportFields | null, now = new Date()): ShareOut {
  return {
    id: share.id,
    export_id: share.exportId,
    label: share.label,
    state: shareState(share, exp, now),
    expires_at: share.expiresAt.toISOString(),
    max_downloads: share.maxDownloads,
    download_count: share.downloadCount,
    downloads_left: share.maxDownloads === null ? null : Math.max(0, share.maxDownloads - share.downloadCount),
    last_downloaded_at: share.lastDownloadedAt?.toISOString() ?? null,
    revoked_at: share.revokedAt?.toISOString() ?? null,
    created_at: share.createdAt.toISOString(),
  };
}
