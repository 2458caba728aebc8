// S3 storage driver against s3rver (a local fake S3): streamed multipart uploads, checksum metadata, presigned downloads, failures.
import { createHash } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { PassThrough, Readable } from "node:stream";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contentDisposition } from "@/lib/storage/content-disposition";
import { createS3Storage, PART_SIZE, type S3Storage } from "@/lib/storage/s3";

const BUCKET = "takeoff-exports-test";
const CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" }; // s3rver's fixed test account
const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

let dataDir: string;
let server: S3rver;
let proxy: http.Server;
let endpoint: string;
let port: number;
let storage: S3Storage;
let raw: S3Client;
let counter = 0;
/** "METHOD /path?query" of every request the driver made, as seen by the proxy. */
const requests: string[] = [];

/** Multipart uploads s3rver still holds parts for. */
function pendingUploads(): string[] {
  const dir = path.join(dataDir, BUCKET, "._S3rver_uploads");
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
}

/**
 * s3rver has no AbortMultipartUpload (it answers 405 and keeps the parts), so
 * a small proxy in front of it records requests and implements that one call
 * the way S3 does: drop the upload's parts.
 */
function startProxy(upstreamPort: number): Promise<number> {
  proxy = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://proxy");
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const uploadId = url.searchParams.get("uploadId");
    if (req.method === "DELETE" && uploadId && /^[0-9a-f]+$/.test(uploadId)) {
      fs.rmSync(path.join(dataDir, BUCKET, "._S3rver_uploads", uploadId), { recursive: true, force: true });
      res.writeHead(204).end();
      return;
    }
    const upstream = http.request(
      { host: "127.0.0.1", port: upstreamPort, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  return new Promise((resolve) => proxy.listen(0, "127.0.0.1", () => resolve((proxy.address() as net.AddressInfo).port)));
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "s3rver-"));
  server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: dataDir, configureBuckets: [{ name: BUCKET }] });
  const upstream = await server.run();
  port = await startProxy(upstream.port);
  endpoint = `http://127.0.0.1:${port}`;
  storage = createS3Storage({ bucket: BUCKET, region: "us-east-1", endpoint, forcePathStyle: true, credentials: CREDENTIALS });
  raw = new S3Client({ region: "us-east-1", endpoint, forcePathStyle: true, credentials: CREDENTIALS });
});

afterAll(async () => {
  raw?.destroy();
  proxy?.closeAllConnections();
  await new Promise((resolve) => proxy?.close(resolve));
  await server?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const nextKey = (ext = "csv") => `exports/project-s3/export-${counter++}.${ext}`;
const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

/**
 * `size` bytes generated chunk by chunk (never held whole), with their SHA-256
 * computed independently of the driver. Optionally fails after `failAfter` bytes.
 */
function generated(size: number, opts: { failAfter?: number } = {}) {
  const hash = createHash("sha256");
  const chunkSize = 256 * 1024;
  const stream = Readable.from(
    (function* () {
      for (let offset = 0, index = 0; offset < size; offset += chunkSize, index++) {
        if (opts.failAfter !== undefined && offset >= opts.failAfter) throw new Error("renderer exploded");
        const chunk = Buffer.alloc(Math.min(chunkSize, size - offset), (index * 7) % 256);
        chunk.writeUInt32BE(index, 0);
        hash.update(chunk);
        yield chunk;
      }
    })(),
  );
  return { stream, digest: () => hash.digest("hex") };
}

async function objectMetadata(key: string) {
  const res = await raw.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
  return { size: res.ContentLength, contentType: res.ContentType, metadata: res.Metadata };
}

/** Hashes a response body as it streams, so large downloads are not buffered. */
async function digestOf(res: Response): Promise<{ size: number; sha: string }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    size += chunk.byteLength;
  }
  return { size, sha: hash.digest("hex") };
}

/** Waits until a producer may write again, or until the stream is torn down. */
function drainOrClose(stream: PassThrough): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off("drain", done).off("close", done);
      resolve();
    };
    stream.on("drain", done).on("close", done);
  });
}

async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const { port: free } = srv.address() as net.AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return free;
}

describe("S3 storage put", () => {
  it("a small body is one PutObject with Content-Type and the sha256 metadata", async () => {
    const key = nextKey();
    const data = Buffer.from("condition,quantity\nFloor Slab,1500\n");

    const result = await storage.put(key, Readable.from([data]), { contentType: "text/csv; charset=utf-8" });

    expect(result).toEqual({ size: data.length, checksumSha256: sha256(data) });
    expect(await storage.head(key)).toEqual({ size: data.length });
    expect(await objectMetadata(key)).toEqual({
      size: data.length,
      contentType: "text/csv; charset=utf-8",
      metadata: { sha256: sha256(data) },
    });
  });

  it("an empty body is stored as an empty object", async () => {
    const key = nextKey();
    const result = await storage.put(key, Readable.from([]), { contentType: "text/csv" });
    expect(result.size).toBe(0);
    expect(await storage.head(key)).toEqual({ size: 0 });
  });

  it("a >20 MB stream goes up as a multipart upload in bounded memory, with the checksum attached afterwards", async () => {
    const key = nextKey("xlsx");
    const size = 2 * PART_SIZE + 5 * 1024 * 1024 + 123; // three parts, the last one short
    const source = generated(size);
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);

    const result = await storage.put(key, source.stream, { contentType: XLSX }).finally(() => clearInterval(sampler));

    expect(result).toEqual({ size, checksumSha256: source.digest() });
    expect(requests.filter((r) => r.startsWith(`PUT /${BUCKET}/${key}?partNumber=`))).toHaveLength(3);
    expect(pendingUploads()).toEqual([]);
    expect(await storage.head(key)).toEqual({ size });
    expect(await objectMetadata(key)).toEqual({ size, contentType: XLSX, metadata: { sha256: result.checksumSha256 } });
    // Rough guard: (queue + 1) parts of 8 MB plus the fake server's own buffers, not the whole file several times over.
    expect(peak - baseline).toBeLessThan(150 * 1024 * 1024);

    const { url } = await storage.signedUrl(key, { fileName: "Big export.xlsx", contentType: XLSX, expiresInSeconds: 60 });
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await digestOf(res)).toEqual({ size, sha: result.checksumSha256 });
  });

  it("a re-run overwrites the object and its checksum", async () => {
    const key = nextKey();
    await storage.put(key, Readable.from([Buffer.from("first run, longer")]), { contentType: "text/csv" });
    const second = await storage.put(key, Readable.from([Buffer.from("second")]), { contentType: "text/csv" });
    expect(await storage.head(key)).toEqual({ size: 6 });
    expect((await objectMetadata(key)).metadata).toEqual({ sha256: second.checksumSha256 });
  });

  it("a body that errors before the first part is complete leaves no object", async () => {
    const key = nextKey();
    await expect(
      storage.put(key, generated(4 * 1024 * 1024, { failAfter: 1024 * 1024 }).stream, { contentType: "text/csv" }),
    ).rejects.toThrow("renderer exploded");
    expect(await storage.head(key)).toBeNull();
  });

  it("a body that errors midway through a multipart upload aborts the upload and leaves no object", async () => {
    const key = nextKey();
    await expect(
      storage.put(key, generated(30 * 1024 * 1024, { failAfter: 18 * 1024 * 1024 }).stream, { contentType: "text/csv" }),
    ).rejects.toThrow("renderer exploded");
    expect(await storage.head(key)).toBeNull();
    expect(requests.some((r) => r.startsWith(`DELETE /${BUCKET}/${key}?uploadId=`))).toBe(true);
    expect(pendingUploads()).toEqual([]);
  });

  it("an abort midway through a multipart upload rejects with AbortError, destroys the body and leaves no object", async () => {
    const key = nextKey();
    const body = new PassThrough({ highWaterMark: 1024 * 1024 });
    const controller = new AbortController();
    const put = storage.put(key, body, { contentType: "text/csv", signal: controller.signal });
    const writer = (async () => {
      for (let i = 0; i < 200; i++) {
        if (body.destroyed) return;
        if (!body.write(Buffer.alloc(256 * 1024, i))) await drainOrClose(body);
        if (i === 60) controller.abort(new Error("export cancelled")); // ~15 MB in: one part sent, the next in flight
      }
      body.end();
    })();

    await expect(put).rejects.toMatchObject({ name: "AbortError" });
    await writer;
    expect(body.destroyed).toBe(true);
    expect(await storage.head(key)).toBeNull();
    expect(requests.some((r) => r.startsWith(`DELETE /${BUCKET}/${key}?uploadId=`))).toBe(true);
    expect(pendingUploads()).toEqual([]);
  });

  it("rejects invalid keys before touching the store", async () => {
    await expect(storage.put("../escape.csv", Readable.from([Buffer.from("x")]), { contentType: "text/csv" })).rejects.toThrow(
      /Invalid storage key/,
    );
    await expect(storage.head("/abs.csv")).rejects.toThrow(/Invalid storage key/);
  });
});

describe("S3 storage head, delete and health", () => {
  it("head is null for a missing object", async () => {
    expect(await storage.head("exports/none/missing.csv")).toBeNull();
  });

  it("delete removes the object; a missing object is not an error", async () => {
    const key = nextKey();
    await storage.put(key, Readable.from([Buffer.from("x")]), { contentType: "text/csv" });
    await storage.delete(key);
    expect(await storage.head(key)).toBeNull();
    await expect(storage.delete(key)).resolves.toBeUndefined();
  });

  it("health writes and deletes a probe", async () => {
    expect(await storage.health()).toEqual({ ok: true, driver: "s3", detail: `bucket ${BUCKET} is reachable and writable` });
  });

  it("delete in a missing bucket is an error, not a silent success", async () => {
    const missing = createS3Storage({
      bucket: "no-such-bucket",
      region: "us-east-1",
      endpoint,
      forcePathStyle: true,
      credentials: CREDENTIALS,
    });
    await expect(missing.delete("exports/x/y.csv")).rejects.toThrow(/Deleting exports\/x\/y\.csv from bucket no-such-bucket failed/);
  });

  it("health reports a missing bucket", async () => {
    const missing = createS3Storage({
      bucket: "no-such-bucket",
      region: "us-east-1",
      endpoint,
      forcePathStyle: true,
      credentials: CREDENTIALS,
    });
    const health = await missing.health();
    expect(health.ok).toBe(false);
    expect(health.detail).toMatch(/no-such-bucket/);
  });
});

describe("S3 presigned URLs", () => {
  it("download the object as an attachment with the file name and content type", async () => {
    const key = nextKey();
    const data = Buffer.from("a,b\n1,2\n");
    await storage.put(key, Readable.from([data]), { contentType: "text/csv; charset=utf-8" });
    const before = Date.now();
    const { url, expiresAt } = await storage.signedUrl(key, {
      fileName: "Plan-d'étage.csv",
      contentType: "text/csv; charset=utf-8",
      expiresInSeconds: 120,
    });

    expect(expiresAt.getTime()).toBeGreaterThan(before + 118_000);
    expect(expiresAt.getTime()).toBeLessThanOrEqual(before + 120_000);
    expect(url).toContain("X-Amz-Signature=");
    expect(url).not.toContain("x-amz-checksum-mode");
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(data)).toBe(true);
    expect(res.headers.get("content-disposition")).toBe(contentDisposition("Plan-d'étage.csv"));
    expect(res.headers.get("content-disposition")).toContain("filename*=UTF-8''Plan-d%27%C3%A9tage.csv");
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
  });

  it("use the public endpoint's host when one is configured", async () => {
    const key = nextKey();
    await storage.put(key, Readable.from([Buffer.from("public")]), { contentType: "text/csv" });
    const publicEndpoint = `http://localhost:${port}`;
    const split = createS3Storage({
      bucket: BUCKET,
      region: "us-east-1",
      endpoint,
      publicEndpoint,
      forcePathStyle: true,
      credentials: CREDENTIALS,
    });
    const { url } = await split.signedUrl(key, { fileName: "p.csv", contentType: "text/csv", expiresInSeconds: 60 });
    expect(new URL(url).host).toBe(`localhost:${port}`);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("public");
  });
});

describe("S3 store that is down", () => {
  let down: S3Storage;

  beforeAll(async () => {
    const closed = await closedPort();
    down = createS3Storage({
      bucket: BUCKET,
      region: "us-east-1",
      endpoint: `http://127.0.0.1:${closed}`,
      forcePathStyle: true,
      credentials: CREDENTIALS,
    });
  });

  it("put rejects within seconds with a readable error and stops the producer", async () => {
    const body = new PassThrough();
    body.end(Buffer.from("a,b\n"));
    const started = Date.now();
    const error = await down.put(nextKey(), body, { contentType: "text/csv" }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(error).toMatchObject({ name: "StorageError" });
    expect((error as Error).message).toMatch(
      /^Uploading exports\/project-s3\/export-\d+\.csv to bucket takeoff-exports-test failed: .*ECONNREFUSED/,
    );
    expect(body.destroyed).toBe(true);
  });

  it("a large put rejects too (multipart path)", async () => {
    const started = Date.now();
    await expect(down.put(nextKey(), generated(20 * 1024 * 1024).stream, { contentType: "text/csv" })).rejects.toThrow(/ECONNREFUSED/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("head and delete reject with readable errors", async () => {
    await expect(down.head("exports/x/y.csv")).rejects.toThrow(
      /Reading exports\/x\/y\.csv from bucket takeoff-exports-test failed: .*ECONNREFUSED/,
    );
    await expect(down.delete("exports/x/y.csv")).rejects.toThrow(/Deleting .* failed: .*ECONNREFUSED/);
  });

  it("signedUrl still works: presigning is local and does not check the object", async () => {
    const { url } = await down.signedUrl("exports/x/y.csv", { fileName: "y.csv", contentType: "text/csv", expiresInSeconds: 60 });
    expect(url).toContain("X-Amz-Signature=");
  });

  it("health reports ok: false within seconds", async () => {
    const started = Date.now();
    const health = await down.health();
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(health).toMatchObject({ ok: false, driver: "s3" });
    expect(health.detail).toMatch(/^could not reach bucket takeoff-exports-test: .*ECONNREFUSED/);
  });
});
