// Delivery (SPEC §14) on the S3 driver, against s3rver: a bundle is uploaded as one streamed object and downloads
// through a presigned URL; a share link of it redirects to the store and counts; a webhook's download_url is a
// presigned URL that fetches the very file. With TEST_DATABASE_URL this is the "PostgreSQL + S3" mode of issue 19.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import S3rver from "s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRunner } from "@/lib/exports/runner";
import { setStorageForTests } from "@/lib/storage";
import { createS3Storage } from "@/lib/storage/s3";
import { callRoute, createTestProject, createTestUser, drainRunner, waitForExport, type TestUser } from "../helpers/app";
import { specExampleProject } from "../fixtures/spec-example";
import { applyEmbeddedWebhookRules, verifyDelivery, WebhookReceiver } from "../helpers/webhook-receiver";

applyEmbeddedWebhookRules();

const BUCKET = "delivery-exports";
const CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
let server: S3rver;
let dataDir: string;
let endpoint: string;
let rx: WebhookReceiver;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "delivery-s3-"));
  server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: dataDir, configureBuckets: [{ name: BUCKET }] });
  const { port } = await server.run();
  endpoint = `http://127.0.0.1:${port}`;
  setStorageForTests(createS3Storage({ bucket: BUCKET, region: "us-east-1", endpoint, forcePathStyle: true, credentials: CREDENTIALS }));
  rx = await new WebhookReceiver().start();
  await startRunner();
});

afterAll(async () => {
  await drainRunner();
  await rx.stop();
  setStorageForTests(undefined);
  await server.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** Follows a 302 to the store (which is not the app) and returns the file. */
async function fetchRedirect(res: Response): Promise<Buffer> {
  expect(res.status).toBe(302);
  const location = res.headers.get("location")!;
  expect(location.startsWith(`${endpoint}/${BUCKET}/`)).toBe(true);
  const file = await fetch(location);
  expect(file.status).toBe(200);
  return Buffer.from(await file.arrayBuffer());
}

async function bundleOf(user: TestUser) {
  const a = await createTestProject(user, { ...specExampleProject(), name: "North Wing" });
  const b = await createTestProject(user, { ...specExampleProject(), name: "South Wing" });
  const res = await callRoute("POST", "/api/exports", {
    as: user,
    body: { source: { type: "documents", ids: [a.documents[0].id, b.documents[0].id] }, formats: ["csv", "json"] },
  });
  expect(res.status).toBe(202);
  const { export_id: id } = (await res.json()) as { export_id: string };
  const done = await waitForExport(user, id);
  expect(done.status).toBe("completed");
  return done as { id: string; checksum_sha256: string; file_size: number };
}

describe("delivery on S3-compatible storage", () => {
  it("a bundle is one object on the store: downloaded through a presigned URL, it is whole and matches its manifest", async () => {
    const user = await createTestUser();
    const done = await bundleOf(user);
    const zip = await fetchRedirect(await callRoute("GET", `/api/exports/${done.id}/download`, { as: user }));
    expect(zip.length).toBe(done.file_size);
    expect(sha256(zip)).toBe(done.checksum_sha256);

    const file = path.join(dataDir, `${done.id}.zip`);
    fs.writeFileSync(file, zip);
    expect(spawnSync("unzip", ["-tq", file], { encoding: "utf8" }).status).toBe(0);
    // Every part's bytes and SHA-256 as the manifest states them, read by Python's zipfile.
    const check = spawnSync(
      "/usr/bin/python3",
      [
        "-c",
        `import hashlib, json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
m = json.loads(z.read("manifest.json"))
bad = [f["path"] for f in m["files"] if hashlib.sha256(z.read(f["path"])).hexdigest() != f["sha256"] or len(z.read(f["path"])) != f["bytes"]]
print(json.dumps({"files": len(m["files"]), "bad": bad}))`,
        file,
      ],
      { encoding: "utf8" },
    );
    expect(check.status).toBe(0);
    expect(JSON.parse(check.stdout)).toEqual({ files: 4, bad: [] });
  });

  it("a share link of it redirects to the store, with the same file, and counts on the share and the export", async () => {
    const user = await createTestUser();
    const done = await bundleOf(user);
    const shared = await callRoute("POST", `/api/exports/${done.id}/shares`, { as: user, body: { label: "Sub", max_downloads: 2 } });
    expect(shared.status).toBe(201);
    const { url } = (await shared.json()) as { url: string };
    const token = new URL(url).pathname.split("/")[2];

    const zip = await fetchRedirect(await callRoute("GET", `/s/${token}/download`));
    expect(sha256(zip)).toBe(done.checksum_sha256);

    const list = (await (await callRoute("GET", `/api/exports/${done.id}/shares`, { as: user })).json()) as {
      shares: { download_count: number }[];
    };
    expect(list.shares[0].download_count).toBe(1);
    const after = (await (await callRoute("GET", `/api/exports/${done.id}`, { as: user })).json()) as { download_count: number };
    expect(after.download_count).toBe(1);
  });

  it("a webhook's export.completed carries a presigned download_url that fetches the file", async () => {
    const user = await createTestUser();
    const hook = await callRoute("POST", "/api/webhooks", { as: user, body: { url: rx.url, events: ["export.completed"] } });
    expect(hook.status).toBe(201);
    const { secret } = (await hook.json()) as { secret: string };
    const before = rx.received.length;
    const project = await createTestProject(user);
    const res = await callRoute("POST", `/api/documents/${project.documents[0].id}/export`, { as: user, body: { format: "excel" } });
    const { export_id: id } = (await res.json()) as { export_id: string };
    const done = (await waitForExport(user, id)) as { checksum_sha256: string };
    await rx.waitFor(before + 1);

    const event = verifyDelivery(secret, rx.received[before]);
    expect(event.type).toBe("export.completed");
    const sent = event.data.export as { id: string; download_url: string };
    expect(sent.id).toBe(id);
    expect(sent.download_url.startsWith(`${endpoint}/${BUCKET}/`)).toBe(true);
    const file = await fetch(sent.download_url);
    expect(file.status).toBe(200);
    expect(sha256(Buffer.from(await file.arrayBuffer()))).toBe(done.checksum_sha256);
  });
});
