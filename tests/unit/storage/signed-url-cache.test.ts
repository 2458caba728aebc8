import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createDiskStorage, verifyDiskUrl, type DiskStorage } from "@/lib/storage/disk";
import { createSignedUrlCache, REUSE_SECONDS } from "@/lib/storage/signed-url-cache";

const SECRET = "unit-test-secret-unit-test-secret-0123456789";
const KEY = "exports/project-1/export-1.csv";
const CSV = "text/csv; charset=utf-8";
const TTL = 3600;

let dir: string;
let clock: number;
let storage: DiskStorage;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "signed-url-cache-"));
  clock = Date.UTC(2026, 10, 21, 12, 0, 0);
  storage = createDiskStorage({ dir, secret: SECRET, baseUrl: "http://localhost:3000", now: () => clock });
});

afterEach(() => {
  vi.restoreAllMocks();
  fs.rmSync(dir, { recursive: true, force: true });
});

function signedWith(url: string) {
  const u = new URL(url);
  return verifyDiskUrl({ secret: SECRET, now: () => clock }, u.pathname.slice("/api/storage/".length), u.searchParams);
}

describe("signed URL cache", () => {
  it("hands out one signed link per file for a minute, each valid at least the TTL from when it is handed out", async () => {
    const cache = createSignedUrlCache({ now: () => clock });
    const sign = vi.spyOn(storage, "signedUrl");
    const first = await cache.signedUrl(storage, KEY, { fileName: "a.csv", contentType: CSV, expiresInSeconds: TTL });
    expect(first.expiresAt.getTime()).toBe(clock + (TTL + REUSE_SECONDS) * 1000);

    for (const elapsed of [1, 30, REUSE_SECONDS]) {
      clock = Date.UTC(2026, 10, 21, 12, 0, 0) + elapsed * 1000;
      const again = await cache.signedUrl(storage, KEY, { fileName: "a.csv", contentType: CSV, expiresInSeconds: TTL });
      expect(again.url).toBe(first.url);
      expect(again.expiresAt.getTime() - clock).toBeGreaterThanOrEqual(TTL * 1000);
    }
    expect(sign).toHaveBeenCalledTimes(1);

    // Past the minute the cached link would have less than the TTL left: a new one is signed.
    clock += 1000;
    const next = await cache.signedUrl(storage, KEY, { fileName: "a.csv", contentType: CSV, expiresInSeconds: TTL });
    expect(next.url).not.toBe(first.url);
    expect(next.expiresAt.getTime()).toBe(clock + (TTL + REUSE_SECONDS) * 1000);
    expect(sign).toHaveBeenCalledTimes(2);
    // The link is a real one: the disk driver accepts it, with the file name and type it was asked for.
    expect(signedWith(next.url)).toMatchObject({ fileName: "a.csv", contentType: CSV });
  });

  it("signs separately what is signed into the URL: key, file name, content type and TTL", async () => {
    const cache = createSignedUrlCache({ now: () => clock });
    const base = { fileName: "a.csv", contentType: CSV, expiresInSeconds: TTL };
    const urls = new Set(
      await Promise.all([
        cache.signedUrl(storage, KEY, base),
        cache.signedUrl(storage, "exports/project-1/export-2.csv", base),
        cache.signedUrl(storage, KEY, { ...base, fileName: "renamed.csv" }),
        cache.signedUrl(storage, KEY, { ...base, contentType: "application/json" }),
        cache.signedUrl(storage, KEY, { ...base, expiresInSeconds: 300 }),
      ]).then((links) => links.map((l) => l.url)),
    );
    expect(urls.size).toBe(5);
    const renamed = await cache.signedUrl(storage, KEY, { ...base, fileName: "renamed.csv" });
    expect(signedWith(renamed.url).fileName).toBe("renamed.csv");
  });

  it("never gives one store's link for another store's file", async () => {
    const cache = createSignedUrlCache({ now: () => clock });
    const other = createDiskStorage({ dir, secret: `${SECRET}-other`, baseUrl: "http://localhost:3000", now: () => clock });
    const mine = await cache.signedUrl(storage, KEY, { fileName: "a.csv", contentType: CSV, expiresInSeconds: TTL });
    const theirs = await cache.signedUrl(other, KEY, { fileName: "a.csv", contentType: CSV, expiresInSeconds: TTL });
    expect(theirs.url).not.toBe(mine.url);
  });

  it("keeps at most maxEntries links, dropping the oldest", async () => {
    const cache = createSignedUrlCache({ now: () => clock, maxEntries: 2 });
    const sign = vi.spyOn(storage, "signedUrl");
    const opts = { fileName: "a.csv", contentType: CSV, expiresInSeconds: TTL };
    await cache.signedUrl(storage, "exports/p/1.csv", opts);
    await cache.signedUrl(storage, "exports/p/2.csv", opts);
    await cache.signedUrl(storage, "exports/p/3.csv", opts);
    expect(sign).toHaveBeenCalledTimes(3);
    await cache.signedUrl(storage, "exports/p/3.csv", opts);
    await cache.signedUrl(storage, "exports/p/2.csv", opts);
    expect(sign).toHaveBeenCalledTimes(3);
    await cache.signedUrl(storage, "exports/p/1.csv", opts);
    expect(sign).toHaveBeenCalledTimes(4);
  });

  it("does not keep a failed signing", async () => {
    const cache = createSignedUrlCache({ now: () => clock });
    const sign = vi.spyOn(storage, "signedUrl").mockRejectedValueOnce(new Error("store down"));
    const opts = { fileName: "a.csv", contentType: CSV, expiresInSeconds: TTL };
    await expect(cache.signedUrl(storage, KEY, opts)).rejects.toThrow("store down");
    const link = await cache.signedUrl(storage, KEY, opts);
    expect(signedWith(link.url).fileName).toBe("a.csv");
    expect(sign).toHaveBeenCalledTimes(2);
  });
});
