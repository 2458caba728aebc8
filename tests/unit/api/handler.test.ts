import { describe, expect, it } from "vitest";
import { AppError, formatPath } from "@/lib/api/errors";
import { errorResponse, withPublic } from "@/lib/api/handler";
import { parseId, readJson } from "@/lib/api/request";
import { z } from "zod";

describe("the API error model", () => {
  it("turns an unexpected error into a 500 with a request id and no stack or message", async () => {
    const res = errorResponse(new Error("connection string postgres://secret@db leaked"), "req-12345678");
    expect(res.status).toBe(500);
    const body = await res.json();
    expect(body).toEqual({
      success: false,
      error: { code: "internal_error", message: expect.stringContaining("req-12345678"), request_id: "req-12345678" },
    });
    expect(JSON.stringify(body)).not.toContain("secret");
    expect(res.headers.get("x-request-id")).toBe("req-12345678");
  });

  it("maps AppError codes to statuses and keeps extra headers", async () => {
    const res = errorResponse(new AppError("export_not_ready", "wait", undefined, { "Retry-After": "5" }), "r-00000001");
    expect(res.status).toBe(409);
    expect(res.headers.get("retry-after")).toBe("5");
  });

  it("keeps a sane incoming X-Request-Id and replaces a hostile one", async () => {
    const handler = withPublic(async () => new Response("ok"));
    const kept = await handler(new Request("http://x/api", { headers: { "x-request-id": "abc-12345678" } }));
    expect(kept.headers.get("x-request-id")).toBe("abc-12345678");
    const replaced = await handler(new Request("http://x/api", { headers: { "x-request-id": "<script>" } }));
    expect(replaced.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("formats zod paths as JSON paths", () => {
    expect(formatPath(["documents", 0, "pages", 1, "measurements"])).toBe("documents[0].pages[1].measurements");
  });

  it("treats a malformed id as not found", () => {
    expect(() => parseId("1 or 1=1", "Export")).toThrow(expect.objectContaining({ code: "not_found" }));
    expect(parseId("0B9A0000-0000-4000-8000-000000000000", "Export")).toBe("0b9a0000-0000-4000-8000-000000000000");
  });

  it("refuses invalid UTF-8 and wrong content types with 400", async () => {
    const schema = z.object({ a: z.string() });
    const invalidUtf8 = new Request("http://x", {
      method: "POST",
      body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]),
      headers: { "content-type": "application/json" },
    });
    await expect(readJson(invalidUtf8, schema)).rejects.toMatchObject({ code: "invalid_json" });
    const form = new Request("http://x", { method: "POST", body: "a=b", headers: { "content-type": "application/x-www-form-urlencoded" } });
    await expect(readJson(form, schema)).rejects.toMatchObject({ code: "invalid_json" });
  });
});
