import { describe, expect, it } from "vitest";
import { GET } from "@/app/api-docs/assets/[file]/route";

const get = (file: string) =>
  GET(new Request(`http://x/api-docs/assets/${encodeURIComponent(file)}`), { params: Promise.resolve({ file }) });

describe("GET /api-docs/assets/{file}", () => {
  it("serves Swagger UI's files and the init script", async () => {
    const css = await get("swagger-ui.css");
    expect(css.status).toBe(200);
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect((await css.text()).length).toBeGreaterThan(1000);
    const init = await get("init.js");
    expect(await init.text()).toContain("/api/openapi.json");
  });

  it("answers 404 for any other name, including Object.prototype's members and paths", async () => {
    for (const file of ["__proto__", "constructor", "toString", "package.json", "../package.json", "swagger-ui.css.map"]) {
      expect((await get(file)).status, file).toBe(404);
    }
  });
});
