/**
 * The recipient's side of a share link (SPEC §14.2): no sign-in, only the
 * token. A token is found by one indexed equality on its SHA-256 — the same
 * single query for a made-up token as for a real one, so the answer time says
 * nothing about how close a guess was. A download is counted on the share and
 * on the export, with a "downloaded" event (`via: "share"`), in one
 * transaction whose conditional update of the share enforces `max_downloads`
 * however many downloads arrive at once.
 */
import { and, eq, gt, isNotNull, isNull, lt, or, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { documents, exportShares, exports, projects, type ExportRow, type ExportShareRow } from "@/db/schema";
import { notFound } from "@/lib/errors";
import { recordEvent, type RequestMeta } from "@/lib/exports/events";
import { dbOr } from "@/lib/exports/services/db";
import { downloadedEventData, shortLivedLink } from "@/lib/exports/services/download";
import type { ShareGone } from "./model";
import { shareState } from "./state";
import { hashShareToken, SHARE_TOKEN_MAX_LENGTH } from "./token";

/** A share that exists but cannot be used, and why (the public page answers 410 and says which). */
export class ShareGoneError extends Error {
  constructor(readonly reason: ShareGone) {
    super(`This share link is ${reason}`);
    this.name = "ShareGoneError";
  }
}

const shareNotFound = () => notFound("Share link");

async function lookup(db: Db, token: string): Promise<{ share: ExportShareRow; exp: ExportRow | null }> {
  // Longer than any token we make: not one of ours (its length says nothing about a real token).
  if (token.length > SHARE_TOKEN_MAX_LENGTH) throw shareNotFound();
  const [row] = await db
    .select({ share: exportShares, exp: exports })
    .from(exportShares)
    .leftJoin(exports, and(eq(exports.id, exportShares.exportId), eq(exports.userId, exportShares.userId)))
    .where(eq(exportShares.tokenHash, hashShareToken(token)));
  if (!row) throw shareNotFound();
  return row;
}

export type SharedFile = {
  name: string;
  /** A document, a project, or a bundle of several documents (SPEC §14.3) with how many. */
  source: { type: "document" | "project" | "bundle"; name: string | null };
  format: ExportRow["format"];
  fileName: string | null;
  fileSize: number | null;
  records: number;
  checksumSha256: string | null;
  /** When the link stops working: its own expiry (never after the file's). */
  expiresAt: Date;
  downloadsLeft: number | null;
};

/** What the public page shows for an active link; not_found or ShareGoneError otherwise. */
export async function openShare({ token }: { token: string }, dbIn?: Db): Promise<SharedFile> {
  const db = await dbOr(dbIn);
  const { share, exp } = await lookup(db, token);
  const state = shareState(share, exp, new Date());
  if (state !== "active" || !exp) throw new ShareGoneError(state === "active" ? "unavailable" : state);
  if (exp.type === "bulk_export") {
    const ids = (exp.options.bundle as { document_ids?: unknown } | undefined)?.document_ids;
    const n = Array.isArray(ids) ? ids.length : null;
    return sharedFile(exp, share, { type: "bundle", name: n === null ? null : `${n} document${n === 1 ? "" : "s"}` });
  }
  const sourceType = exp.type === "document_export" ? "document" : "project";
  const [source] = exp.documentId
    ? await db.select({ name: documents.name }).from(documents).where(eq(documents.id, exp.documentId))
    : await db
        .select({ name: projects.name })
        .from(projects)
        .where(and(eq(projects.id, exp.projectId), eq(projects.userId, exp.userId)));
  return sharedFile(exp, share, { type: sourceType, name: source?.name ?? null });
}

function sharedFile(exp: ExportRow, share: ExportShareRow, source: SharedFile["source"]): SharedFile {
  return {
    name: exp.name,
    source,
    format: exp.format,
    fileName: exp.fileName,
    fileSize: exp.fileSize,
    records: exp.recordsCount,
    checksumSha256: exp.checksumSha256,
    expiresAt: share.expiresAt,
    downloadsLeft: share.maxDownloads === null ? null : Math.max(0, share.maxDownloads - share.downloadCount),
  };
}

class ExportGone extends Error {}

/** Counts one download through the link and returns a short-lived URL to the file. */
export async function downloadShare({ token, meta = {} }: { token: string; meta?: RequestMeta }, dbIn?: Db) {
  const db = await dbOr(dbIn);
  const { share, exp } = await lookup(db, token);
  const state = shareState(share, exp, new Date());
  if (state !== "active" || !exp) throw new ShareGoneError(state === "active" ? "unavailable" : state);
  // Signed before counting: a store that cannot sign costs the recipient no download.
  const signed = await shortLivedLink(exp);
  const now = new Date();
  let counted: boolean;
  try {
    counted = await db.transaction(async (tx) => {
      const [s] = await tx
        .update(exportShares)
        .set({ downloadCount: sql`${exportShares.downloadCount} + 1`, lastDownloadedAt: now })
        .where(
          and(
            eq(exportShares.id, share.id),
            isNull(exportShares.revokedAt),
            gt(exportShares.expiresAt, now),
            or(isNull(exportShares.maxDownloads), lt(exportShares.downloadCount, exportShares.maxDownloads)),
          ),
        )
        .returning({ id: exportShares.id, downloadCount: exportShares.downloadCount });
      if (!s) return false;
      const [e] = await tx
        .update(exports)
        .set({ downloadCount: sql`${exports.downloadCount} + 1`, lastDownloadedAt: now })
        .where(
          and(
            eq(exports.id, share.exportId),
            eq(exports.userId, share.userId),
            eq(exports.status, "completed"),
            isNotNull(exports.fileKey),
            or(isNull(exports.expiresAt), gt(exports.expiresAt, now)),
          ),
        )
        .returning({ id: exports.id, downloadCount: exports.downloadCount, format: exports.format });
      // The export went away since the lookup: undo the share's count too.
      if (!e) throw new ExportGone();
      await recordEvent(tx, {
        exportId: e.id,
        userId: share.userId,
        type: "downloaded",
        data: downloadedEventData(e, "share", { share_id: share.id, share_download_count: s.downloadCount }),
        ip: meta.ip,
        userAgent: meta.userAgent,
      });
      return true;
    });
  } catch (err) {
    if (err instanceof ExportGone) throw new ShareGoneError("unavailable");
    throw err;
  }
  if (!counted) {
    // Someone else changed the share in between (revoked, or took the last download): say which.
    const again = await lookup(db, token);
    const now2 = new Date();
    const reason = shareState(again.share, again.exp, now2);
    throw new ShareGoneError(reason === "active" ? "limit_reached" : reason);
  }
  return { url: signed.url, expiresAt: signed.expiresAt };
}
