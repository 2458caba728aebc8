// Disk storage driver: streamed atomic writes, checksums, overwrite, deletes and key validation.
import { createHash } from "node:crypto";
import fs from "node:fs";
import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { PassThrough, Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createDiskStorage, type DiskStorage } from "@/lib/storage/disk";

const SECRET = "unit-test-secret-unit-test-secret-0123456789";
const KEY = "exports/project-1/export-1.csv";

let dir: string;
let storage: DiskStorage;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "disk-storage-"));
  storage = createDiskStorage({ dir, secret: SECRET, baseUrl: "http://localhost:3000" });
});

afterEach(() => {
  vi.restoreAllMocks();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Every file under `dir`, temp files included. */
function listFiles(root = dir): string[] {
  return fs
    .readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)));
}

function chunks(count: number, size: number): Buffer[] {
  return Array.from({ length: count }, (_, i) => Buffer.alloc(size, i % 251));
}

/** A body that yields some chunks, then fails the way a crashing renderer would. */
function failingBody(after: number): Readable {
  return Readable.from(
    (async function* () {
      for (const chunk of chunks(after, 64 * 1024)) yield chunk;
      throw new Error("renderer exploded");
    })(),
  );
}

describe("disk storage put", () => {
  it("stores the bytes and reports their size and SHA-256", async () => {
    const data = chunks(40, 100_000);
    const expected = Buffer.concat(data);

    const result = await storage.put(KEY, Readable.from(data), { contentType: "text/csv" });

    expect(result.size).toBe(expected.length);
    expect(result.checksumSha256).toBe(createHash("sha256").update(expected).digest("hex"));
    expect(fs.readFileSync(path.join(dir, KEY)).equals(expected)).toBe(true);
    expect(await storage.head(KEY)).toEqual({ size: expected.length });
    expect(listFiles()).toEqual([KEY]);
  });

  it("stores an empty body as an empty file", async () => {
    const result = await storage.put(KEY, Readable.from([]), { contentType: "text/csv" });
    expect(result).toEqual({ size: 0, checksumSha256: createHash("sha256").digest("hex") });
    expect(await storage.head(KEY)).toEqual({ size: 0 });
  });

  it("overwrites an existing object on a re-run", async () => {
    await storage.put(KEY, Readable.from([Buffer.from("first run, longer content")]), { contentType: "text/csv" });
    const second = await storage.put(KEY, Readable.from([Buffer.from("second")]), { contentType: "text/csv" });

    expect(second.size).toBe(6);
    expect(fs.readFileSync(path.join(dir, KEY), "utf8")).toBe("second");
    expect(listFiles()).toEqual([KEY]);
  });

  it("leaves no file and no temp file when the body errors midway", async () => {
    await expect(storage.put(KEY, failingBody(20), { contentType: "text/csv" })).rejects.toThrow("renderer exploded");

    expect(await storage.head(KEY)).toBeNull();
    expect(listFiles()).toEqual([]);
  });

  it("a disk write failure is a readable StorageError and leaves no temp file", async () => {
    const open = fsp.open;
    vi.spyOn(fsp, "open").mockImplementation(async (...args: Parameters<typeof fsp.open>) => {
      const handle = await open(...args);
      if (args[1] === "wx") {
        // The temp file: every write fails the way a full disk does.
        handle.write = (() =>
          Promise.reject(
            Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", syscall: "write" }),
          )) as typeof handle.write;
        handle.writev = handle.write as unknown as typeof handle.writev;
      }
      return handle;
    });
    const body = new PassThrough();
    const put = storage.put(KEY, body, { contentType: "text/csv" });
    body.end(Buffer.alloc(100_000, 1));

    await expect(put).rejects.toMatchObject({
      name: "StorageError",
      message: `Writing ${KEY} to disk failed: ENOSPC: no space left on device, write`,
    });
    expect(body.destroyed).toBe(true);
    expect(listFiles()).toEqual([]);
  });

  it("keeps the previous object intact when a re-run fails", async () => {
    await storage.put(KEY, Readable.from([Buffer.from("complete")]), { contentType: "text/csv" });
    await expect(storage.put(KEY, failingBody(5), { contentType: "text/csv" })).rejects.toThrow("renderer exploded");

    expect(fs.readFileSync(path.join(dir, KEY), "utf8")).toBe("complete");
    expect(listFiles()).toEqual([KEY]);
  });

  it("leaves no file and no temp file when aborted midway, and destroys the body", async () => {
    const body = new PassThrough();
    const controller = new AbortController();
    const put = storage.put(KEY, body, { contentType: "text/csv", signal: controller.signal });
    body.write(Buffer.alloc(256 * 1024, 1));
    await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort(new Error("cancelled by user"));

    await expect(put).rejects.toMatchObject({ name: "AbortError" });
    expect(body.destroyed).toBe(true);
    expect(await storage.head(KEY)).toBeNull();
    expect(listFiles()).toEqual([]);
  });

  it("rejects at once when the signal is already aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    const body = Readable.from([Buffer.from("x")]);
    await expect(storage.put(KEY, body, { contentType: "text/csv", signal: controller.signal })).rejects.toMatchObject({
      name: "AbortError",
    });
    expect(listFiles()).toEqual([]);
  });

  it("completes with a producer that waits for 'drain' (the renderers' contract)", async () => {
    const body = new PassThrough({ highWaterMark: 16 * 1024 });
    const put = storage.put(KEY, body, { contentType: "application/octet-stream" });
    let written = 0;
    for (let i = 0; i < 200; i++) {
      const chunk = Buffer.alloc(64 * 1024, i);
      written += chunk.length;
      if (!body.write(chunk)) await new Promise((resolve) => body.once("drain", resolve));
    }
    body.end();
    expect((await put).size).toBe(written);
  });
});

describe("disk storage head and delete", () => {
  it("head is null for a missing object", async () => {
    expect(await storage.head("exports/nope/missing.csv")).toBeNull();
  });

  it("delete removes the object, and deleting a missing object is not an error", async () => {
    await storage.put(KEY, Readable.from([Buffer.from("x")]), { contentType: "text/csv" });
    await storage.delete(KEY);
    expect(await storage.head(KEY)).toBeNull();
    await expect(storage.delete(KEY)).resolves.toBeUndefined();
    await expect(storage.delete("exports/never/existed.csv")).resolves.toBeUndefined();
  });
});

describe("disk storage keys", () => {
  const bad = [
    "",
    "../outside.csv",
    "exports/../../etc/passwd",
    "exports/./x.csv",
    "/etc/passwd",
    "exports//x.csv",
    "exports/x.csv/",
    "exports\\..\\x.csv",
    "exports/x\u0000.csv",
    "exports/.hidden.csv",
    "exports/na me.csv",
    "exports/ü.csv",
    "C:/windows/x.csv",
  ];

  it.each(bad)("rejects the key %j everywhere", async (key) => {
    await expect(storage.put(key, Readable.from([Buffer.from("x")]), { contentType: "text/csv" })).rejects.toThrow(/Invalid storage key/);
    await expect(storage.head(key)).rejects.toThrow(/Invalid storage key/);
    await expect(storage.delete(key)).rejects.toThrow(/Invalid storage key/);
    await expect(storage.signedUrl(key, { fileName: "x.csv", contentType: "text/csv", expiresInSeconds: 60 })).rejects.toThrow(
      /Invalid storage key/,
    );
    expect(listFiles()).toEqual([]);
  });

  it("a rejected key destroys the body so its producer stops", async () => {
    const body = new PassThrough();
    await expect(storage.put("../x", body, { contentType: "text/csv" })).rejects.toThrow(/Invalid storage key/);
    expect(body.destroyed).toBe(true);
  });
});

describe("disk storage signed URLs and health", () => {
  it("signs a URL under /api/storage with the expiry, name and type", async () => {
    const before = Math.floor(Date.now() / 1000);
    const { url, expiresAt } = await storage.signedUrl(KEY, {
      fileName: "Plan d'étage.csv",
      contentType: "text/csv; charset=utf-8",
      expiresInSeconds: 600,
    });
    const parsed = new URL(url);
    expect(parsed.origin + parsed.pathname).toBe(`http://localhost:3000/api/storage/${KEY}`);
    expect(parsed.searchParams.get("filename")).toBe("Plan d'étage.csv");
    expect(parsed.searchParams.get("type")).toBe("text/csv; charset=utf-8");
    expect(parsed.searchParams.get("signature")).toMatch(/^[0-9a-f]{64}$/);
    const expires = Number(parsed.searchParams.get("expires"));
    expect(expires - before).toBeGreaterThanOrEqual(600);
    expect(expires - before).toBeLessThanOrEqual(601);
    expect(expiresAt.getTime()).toBe(expires * 1000);
  });

  it("refuses to sign a content type that could break the header", async () => {
    await expect(storage.signedUrl(KEY, { fileName: "x.csv", contentType: "text/csv\r\nX-Evil: 1", expiresInSeconds: 60 })).rejects.toThrow(
      /content type/,
    );
  });

  it("health writes and removes a probe", async () => {
    const health = await storage.health();
    expect(health).toMatchObject({ ok: true, driver: "disk" });
    expect(listFiles()).toEqual([]);
  });

  it("health reports a directory that cannot be created", async () => {
    const file = path.join(dir, "a-file");
    fs.writeFileSync(file, "x");
    const broken = createDiskStorage({ dir: path.join(file, "exports"), secret: SECRET, baseUrl: "http://localhost:3000" });
    const health = await broken.health();
    expect(health.ok).toBe(false);
    expect(health.detail).toBe("exports directory is not writable (ENOTDIR)");
    expect(health.detail).not.toContain(dir);
  });
});

describe("sweeping temp files of interrupted writes", () => {
  it("removes old dot-tmp files and keeps fresh ones and real objects", async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), "sweep-"));
    const storage = createDiskStorage({ dir, secret: "s".repeat(32), baseUrl: "http://localhost:3000" });
    await storage.put("exports/p/a.csv", Readable.from([Buffer.from("a,b\r\n")]), { contentType: "text/csv" });
    const folder = path.join(dir, "exports", "p");
    const stale = path.join(folder, ".a.csv.1111.tmp");
    const fresh = path.join(folder, ".a.csv.2222.tmp");
    await fsp.writeFile(stale, "half");
    await fsp.writeFile(fresh, "half");
    const old = new Date(Date.now() - 7 * 3600 * 1000);
    await fsp.utimes(stale, old, old);
    expect(await storage.sweepTemp(6 * 3600 * 1000)).toBe(1);
    expect((await fsp.readdir(folder)).sort()).toEqual([".a.csv.2222.tmp", "a.csv"]);
    await fsp.rm(dir, { recursive: true, force: true });
  });
});
