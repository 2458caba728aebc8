/**
 * Download links for reads of exports (list, get, download), signed once per
 * file per minute instead of on every read.
 *
 * A list of 20 completed exports used to sign 20 URLs per request (an HMAC on
 * disk, a SigV4 presign on S3): about 7 % of the CPU of `GET /api/exports`
 * under load (`npm run bench -- --profile api`). A link is now signed for
 * TTL + REUSE_SECONDS and handed out again while it still has at least the
 * TTL ahead of it. So every link a caller gets is valid for at least the TTL
 * (SPEC §5.1: `EXPORT_URL_TTL_SECONDS`) and at most REUSE_SECONDS longer, and
 * polling the list returns the same URL for a file for a minute (which
 * browsers and proxies can cache). Links live only in this process's memory,
 * never in the database; at most MAX_ENTRIES are kept, the oldest dropped
 * first.
 */
import type { SignedUrl, SignOptions, Storage } from "./types";

export const REUSE_SECONDS = 60;
const MAX_ENTRIES = 10_000;

export type SignedUrlCache = {
  /** A link valid for at least `opts.expiresInSeconds` from now: a cached one, or a newly signed one. */
  signedUrl(storage: Storage, key: string, opts: SignOptions): Promise<SignedUrl>;
};

export function createSignedUrlCache(config: { now?: () => number; reuseSeconds?: number; maxEntries?: number } = {}): SignedUrlCache {
  const now = config.now ?? Date.now;
  const reuseSeconds = config.reuseSeconds ?? REUSE_SECONDS;
  const maxEntries = config.maxEntries ?? MAX_ENTRIES;
  // Per storage instance: tests (and a process that switches stores) must never get another store's links.
  const byStorage = new WeakMap<Storage, Map<string, SignedUrl>>();

  return {
    async signedUrl(storage, key, opts) {
      let links = byStorage.get(storage);
      if (!links) byStorage.set(storage, (links = new Map()));
      // The file name and content type are signed into the URL, so they are part of what is cached.
      const id = `${opts.expiresInSeconds}\n${opts.contentType}\n${opts.fileName}\n${key}`;
      const cached = links.get(id);
      if (cached && cached.expiresAt.getTime() - now() >= opts.expiresInSeconds * 1000) return cached;
      const signed = await storage.signedUrl(key, { ...opts, expiresInSeconds: opts.expiresInSeconds + reuseSeconds });
      links.delete(id);
      if (links.size >= maxEntries) links.delete(links.keys().next().value!);
      links.set(id, signed);
      return signed;
    },
  };
}
