/**
 * The owner's side of share links (SPEC §14.2): create, list and revoke,
 * each scoped to the owner inside its queries (another user's export or share
 * is not_found) and recorded in the export's audit trail.
 */
import { and, desc, eq, isNull } from "drizzle-orm";
import type { Db } from "@/db";
import { exportShares, exports } from "@/db/schema";
import { env } from "@/lib/env";
import { DomainError, notFound } from "@/lib/errors";
import { recordEvent, type RequestMeta } from "@/lib/exports/events";
import { dbOr } from "@/lib/exports/services/db";
import { findOwned } from "@/lib/exports/services/read";
import type { CreateShareBody, ShareCreatedOut, ShareOut } from "./schemas";
import { shareOut } from "./state";
import { hashShareToken, newShareToken } from "./token";

const HOUR_MS = 3_600_000;

/** The public address of a share: APP_URL (with any path prefix it has) + /s/{token}. */
export function shareUrl(token: string): string {
  return `${env.APP_URL.replace(/\/+$/, "")}/s/${token}`;
}

/**
 * Makes a link to a completed export's file. The token is in the answer only.
 * A link lives as long as the file by default and never longer: an
 * `expires_in_hours` reaching past the export's expiry is validation_failed.
 */
export async function createShare(
  { userId, exportId, body, meta = {} }: { userId: string; exportId: string; body: CreateShareBody; meta?: RequestMeta },
  dbIn?: Db,
): Promise<ShareCreatedOut> {
  const db = await dbOr(dbIn);
  const now = new Date();
  return db.transaction(async (tx) => {
    const exp = await findOwned(tx, { userId, id: exportId });
    if (exp.status !== "completed" || !exp.fileKey) {
      throw new DomainError("invalid_state", `Only a completed export can be shared; this one is ${exp.status}.`);
    }
    const fileExpiry = exp.expiresAt ?? new Date(now.getTime() + env.EXPORT_RETENTION_DAYS * 24 * HOUR_MS);
    if (fileExpiry.getTime() <= now.getTime()) {
      throw new DomainError("invalid_state", "The export's file has expired; retry the export to share it.");
    }
    let expiresAt = fileExpiry;
    if (body.expires_in_hours !== undefined) {
      expiresAt = new Date(now.getTime() + body.expires_in_hours * HOUR_MS);
      if (expiresAt.getTime() > fileExpiry.getTime()) {
        const most = Math.floor((fileExpiry.getTime() - now.getTime()) / HOUR_MS);
        const message =
          `The export's file expires at ${fileExpiry.toISOString()}; a link cannot outlive it. ` +
          (most >= 1
            ? `Use at most ${most} hours, or leave expires_in_hours out.`
            : "Leave expires_in_hours out to use the file's expiry.");
        throw new DomainError("validation_failed", `expires_in_hours: ${message}`, [{ path: "expires_in_hours", message }]);
      }
    }
    const token = newShareToken();
    const [row] = await tx
      .insert(exportShares)
      .values({
        exportId: exp.id,
        userId,
        tokenHash: hashShareToken(token),
        label: body.label ?? null,
        expiresAt,
        maxDownloads: body.max_downloads ?? null,
        createdAt: now,
      })
      .returning();
    await recordEvent(tx, {
      exportId: exp.id,
      userId,
      type: "shared",
      data: { share_id: row.id, label: row.label, expires_at: expiresAt.toISOString(), max_downloads: row.maxDownloads },
      ip: meta.ip,
      userAgent: meta.userAgent,
    });
    return { ...shareOut(row, exp, now), url: shareUrl(token) };
  });
}

/** The export's links, newest first, revoked and expired ones included. */
export async function listShares({ userId, exportId }: { userId: string; exportId: string }, dbIn?: Db): Promise<{ shares: ShareOut[] }> {
  const db = await dbOr(dbIn);
  const exp = await findOwned(db, { userId, id: exportId });
  const rows = await db
    .select()
    .from(exportShares)
    .where(and(eq(exportShares.exportId, exp.id), eq(exportShares.userId, userId)))
    .orderBy(desc(exportShares.createdAt), desc(exportShares.id));
  const now = new Date();
  return { shares: rows.map((r) => shareOut(r, exp, now)) };
}

/**
 * Revokes a link at once: its page and download answer 410 "revoked" from
 * now on. Revoking a revoked link changes nothing (and records nothing).
 */
export async function revokeShare(
  { userId, exportId, shareId, meta = {} }: { userId: string; exportId: string; shareId: string; meta?: RequestMeta },
  dbIn?: Db,
): Promise<void> {
  const db = await dbOr(dbIn);
  await db.transaction(async (tx) => {
    // The share must be this user's and belong to this export, which must still be this user's.
    const [found] = await tx
      .select({ id: exportShares.id })
      .from(exportShares)
      .innerJoin(exports, and(eq(exports.id, exportShares.exportId), eq(exports.userId, userId)))
      .where(and(eq(exportShares.id, shareId), eq(exportShares.exportId, exportId), eq(exportShares.userId, userId)));
    if (!found) throw notFound("Share");
    const [revoked] = await tx
      .update(exportShares)
      .set({ revokedAt: new Date() })
      .where(and(eq(exportShares.id, shareId), eq(exportShares.userId, userId), isNull(exportShares.revokedAt)))
      .returning({ id: exportShares.id });
    if (revoked) {
      await recordEvent(tx, {
        exportId,
        userId,
        type: "share_revoked",
        data: { share_id: shareId },
        ip: meta.ip,
        userAgent: meta.userAgent,
      });
    }
  });
}
