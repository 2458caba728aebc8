// GET/HEAD /api/storage/{...key}: signed, expiring disk download URLs — tampering, expiry, traversal, ranges, deleted files.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GET } from "@/app/api/storage/[...key]/route";
import { createDiskStorage, diskUrlSignature, setStorageForTests, type DiskStorage, type Storage } from "@/lib/storage";
import { BASE_URL, callRoute } from "../helpers/app";

const SECRET = "route-test-secret-route-test-secret-0123456789";
const CSV = "text/csv; charset=utf-8";

let root: string;
let dir: string;
let storage: DiskStorage;
let counter = 0;

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "storage-route-"));
  dir = path.join(root, "exports-dir");
  fs.mkdirSync(dir);
  // A file beside the storage directory: what a traversal would be after.
  fs.writeFileSync(path.join(root, "outside-secret.txt"), "TOP SECRET");
  storage = createDiskStorage({ dir, secret: SECRET, baseUrl: BASE_URL });
});

beforeEach(() => setStorageForTests(storage));

afterAll(() => {
  setStorageForTests(undefined);
  fs.rmSync(root, { recursive: true, force: true });
});

/** Bytes whose every offset is distinguishable, so a wrong slice cannot pass. */
function sampleBytes(size: number): Buffer {
  const buf = Buffer.alloc(size);
  for (let i = 0; i < size; i++) buf[i] = (i * 31 + 7) % 256;
  return buf;
}

async function storedFile(size = 1000, name = "Structural-Set-export.csv") {
  const key = `exports/project-${counter}/export-${counter++}.csv`;
  const bytes = sampleBytes(size);
  await storage.put(key, Readable.from([bytes]), { contentType: CSV });
  const { url } = await storage.signedUrl(key, { fileName: name, contentType: CSV, expiresInSeconds: 300 });
  return { key, bytes, url };
}

function withParam(url: string, name: string, value: string): string {
  const u = new URL(url);
  u.searchParams.set(name, value);
  return u.toString();
}

async function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  const body = await res.json();
  expect(body).toMatchObject({ success: false, error: { code } });
  return body as { error: { message: string } };
}

describe("signed storage URLs", () => {
  it("a valid URL downloads the bytes as an attachment with safe headers", async () => {
    const { url, bytes } = await storedFile(5000);
    const res = await callRoute("GET", url);

    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
    expect(res.headers.get("content-type")).toBe(CSV);
    expect(res.headers.get("content-length")).toBe("5000");
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="Structural-Set-export.csv"');
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("accept-ranges")).toBe("bytes");
  });

  it("a non-ASCII file name comes back as RFC 6266 filename*", async () => {
    const { url } = await storedFile(10, "Plan-d'étage.csv");
    const res = await callRoute("GET", url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toBe(
      `attachment; filename="Plan-d'etage.csv"; filename*=UTF-8''Plan-d%27%C3%A9tage.csv`,
    );
  });

  it("streams a multi-megabyte file intact", async () => {
    const { url, bytes } = await storedFile(3 * 1024 * 1024 + 123);
    const res = await callRoute("GET", url);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it("HEAD answers the headers without a body", async () => {
    const { url } = await storedFile(777);
    const res = await callRoute("HEAD", url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe("777");
    expect(res.headers.get("content-disposition")).toContain("attachment");
    expect(res.body).toBeNull();
  });

  it.each([
    ["expires", (u: string) => withParam(u, "expires", String(Number(new URL(u).searchParams.get("expires")) + 3600))],
    ["filename", (u: string) => withParam(u, "filename", "other.csv")],
    ["type", (u: string) => withParam(u, "type", "text/html")],
    ["signature", (u: string) => withParam(u, "signature", flipLastHexDigit(new URL(u).searchParams.get("signature")!))],
    [
      "signature (missing)",
      (u: string) => {
        const x = new URL(u);
        x.searchParams.delete("signature");
        return x.toString();
      },
    ],
    ["signature (not hex)", (u: string) => withParam(u, "signature", "zz".repeat(32))],
    ["expires (not a number)", (u: string) => withParam(u, "expires", "9999999999.5")],
    ["a duplicated parameter", (u: string) => `${u}&filename=evil.html`],
  ])("a tampered %s is 403", async (_what, tamper) => {
    const { url } = await storedFile();
    const body = await expectError(await callRoute("GET", tamper(url)), 403, "forbidden");
    expect(body.error.message).toMatch(/invalid/);
  });

  it("a signature replayed on another key is 403", async () => {
    const a = await storedFile();
    const b = await storedFile();
    const forged = new URL(b.url);
    forged.pathname = new URL(a.url).pathname;
    await expectError(await callRoute("GET", forged.toString()), 403, "forbidden");
  });

  it("a URL signed with another secret is 403", async () => {
    const { key } = await storedFile();
    const other = createDiskStorage({ dir, secret: "another-secret-another-secret-0123456789", baseUrl: BASE_URL });
    const { url } = await other.signedUrl(key, { fileName: "x.csv", contentType: CSV, expiresInSeconds: 300 });
    await expectError(await callRoute("GET", url), 403, "forbidden");
  });

  it("an expired URL is 403 and says so", async () => {
    const { key } = await storedFile();
    const twoHoursAgo = createDiskStorage({ dir, secret: SECRET, baseUrl: BASE_URL, now: () => Date.now() - 2 * 3600_000 });
    const { url, expiresAt } = await twoHoursAgo.signedUrl(key, { fileName: "x.csv", contentType: CSV, expiresInSeconds: 3600 });
    expect(expiresAt.getTime()).toBeLessThan(Date.now());
    const body = await expectError(await callRoute("GET", url), 403, "forbidden");
    expect(body.error.message).toMatch(/expired/);
  });

  it("a replayed URL for a deleted export is 404", async () => {
    const { key, url } = await storedFile();
    expect((await callRoute("GET", url)).status).toBe(200);
    await storage.delete(key);
    await expectError(await callRoute("GET", url), 404, "not_found");
  });
});

function flipLastHexDigit(hex: string): string {
  return hex.slice(0, -1) + (hex.endsWith("0") ? "1" : "0");
}

/** A query with a valid signature for `key`: even a correctly signed bad key must not escape the directory. */
function forgedQuery(key: string): string {
  const expires = Math.floor(Date.now() / 1000) + 300;
  const signature = diskUrlSignature(SECRET, { key, expires, fileName: "x.txt", contentType: "text/plain" });
  return new URLSearchParams({ expires: String(expires), filename: "x.txt", type: "text/plain", signature }).toString();
}

/** Calls the handler with raw params, as a router that did not normalise the path would. */
async function callWithSegments(segments: string[], query: string): Promise<Response> {
  const req = new Request(`${BASE_URL}/api/storage/${segments.map(encodeURIComponent).join("/")}?${query}`);
  return GET(req, { params: Promise.resolve({ key: segments }) });
}

describe("path traversal", () => {
  it("an encoded ../ in the URL is 404", async () => {
    const res = await callRoute("GET", `/api/storage/..%2F..%2Foutside-secret.txt?${forgedQuery("../../outside-secret.txt")}`);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain("TOP SECRET");
  });

  it.each([
    [["..", "outside-secret.txt"]],
    [["exports", "..", "..", "outside-secret.txt"]],
    [["..%2Foutside-secret.txt"]],
    [["exports", "..\\..\\outside-secret.txt"]],
    [["", "etc", "passwd"]],
    [["exports", "x.csv\u0000.txt"]],
    [[root, "outside-secret.txt"]],
  ])("raw segments %j are 404, even with a signature for them", async (segments) => {
    const res = await callWithSegments(segments, forgedQuery(segments.join("/")));
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain("TOP SECRET");
  });

  it("a symlink inside the directory that points outside it is 404", async () => {
    fs.mkdirSync(path.join(dir, "exports", "linked"), { recursive: true });
    fs.symlinkSync(path.join(root, "outside-secret.txt"), path.join(dir, "exports", "linked", "secret.csv"));
    const { url } = await storage.signedUrl("exports/linked/secret.csv", { fileName: "s.csv", contentType: CSV, expiresInSeconds: 300 });
    const res = await callRoute("GET", url);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain("TOP SECRET");
  });

  it("a directory is 404", async () => {
    await storedFile();
    const { url } = await storage.signedUrl("exports", { fileName: "d.csv", contentType: CSV, expiresInSeconds: 300 });
    await expectError(await callRoute("GET", url), 404, "not_found");
  });
});

describe("range requests", () => {
  it("bytes=start-end is 206 with that slice", async () => {
    const { url, bytes } = await storedFile(1000);
    const res = await callRoute("GET", url, { headers: { range: "bytes=100-199" } });
    expect(res.status).toBe(206);
    expect(res.headers.get("content-range")).toBe("bytes 100-199/1000");
    expect(res.headers.get("content-length")).toBe("100");
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes.subarray(100, 200))).toBe(true);
  });

  it("open-ended and suffix ranges", async () => {
    const { url, bytes } = await storedFile(1000);
    const open = await callRoute("GET", url, { headers: { range: "bytes=990-" } });
    expect(open.status).toBe(206);
    expect(open.headers.get("content-range")).toBe("bytes 990-999/1000");
    expect(Buffer.from(await open.arrayBuffer()).equals(bytes.subarray(990))).toBe(true);

    const suffix = await callRoute("GET", url, { headers: { range: "bytes=-5" } });
    expect(suffix.status).toBe(206);
    expect(Buffer.from(await suffix.arrayBuffer()).equals(bytes.subarray(995))).toBe(true);

    const clamped = await callRoute("GET", url, { headers: { range: "bytes=900-5000" } });
    expect(clamped.headers.get("content-range")).toBe("bytes 900-999/1000");
  });

  it("a range past the end is 416 with the size", async () => {
    const { url } = await storedFile(1000);
    const res = await callRoute("GET", url, { headers: { range: "bytes=1000-" } });
    await expectError(res, 416, "range_not_satisfiable");
    expect(res.headers.get("content-range")).toBe("bytes */1000");
  });

  it("malformed or multiple ranges are ignored (full body)", async () => {
    const { url } = await storedFile(1000);
    for (const range of ["bytes=5-1", "bytes=0-1,5-6", "items=0-1"]) {
      const res = await callRoute("GET", url, { headers: { range } });
      expect(res.status).toBe(200);
      expect((await res.arrayBuffer()).byteLength).toBe(1000);
    }
  });

  it("If-Range with a stale validator sends the whole file", async () => {
    const { url } = await storedFile(1000);
    const first = await callRoute("GET", url);
    const etag = first.headers.get("etag")!;
    await first.arrayBuffer();
    const fresh = await callRoute("GET", url, { headers: { range: "bytes=0-9", "if-range": etag } });
    expect(fresh.status).toBe(206);
    await fresh.arrayBuffer();
    const stale = await callRoute("GET", url, { headers: { range: "bytes=0-9", "if-range": '"stale"' } });
    expect(stale.status).toBe(200);
    expect((await stale.arrayBuffer()).byteLength).toBe(1000);
  });
});

describe("with the S3 driver", () => {
  it("the route does not exist (404)", async () => {
    const { url } = await storedFile();
    const s3Like: Storage = { ...storage, driver: "s3" };
    setStorageForTests(s3Like);
    await expectError(await callRoute("GET", url), 404, "not_found");
  });
});
