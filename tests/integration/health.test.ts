// GET /api/health (SPEC §15): 200 with the Node.js version while every part can serve; 503 naming the part that cannot.
import { afterEach, describe, expect, it } from "vitest";
import { setStorageForTests } from "@/lib/storage";
import { callRoute } from "../helpers/app";
import { storageWith, useTempDiskStorage } from "../helpers/export-jobs";

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

describe("GET /api/health", () => {
  it("is 200 with every part ok and the Node.js version", async () => {
    const storage = useTempDiskStorage();
    cleanup = () => storage.cleanup();
    const res = await callRoute("GET", "/api/health");
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({
      status: "ok",
      node: process.versions.node,
      database: { ok: true },
      storage: { ok: true },
      auth: { ok: true },
    });
    expect(body.failing).toBeUndefined();
  });

  it("is 503 naming storage when the store stops answering", async () => {
    const storage = useTempDiskStorage();
    setStorageForTests(storageWith(storage, { health: async () => ({ ok: false, driver: "disk", detail: "EACCES: permission denied" }) }));
    cleanup = () => storage.cleanup();
    const res = await callRoute("GET", "/api/health");
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      status: "degraded",
      failing: ["storage"],
      storage: { ok: false, detail: "EACCES: permission denied" },
      database: { ok: true },
    });
  });
});
