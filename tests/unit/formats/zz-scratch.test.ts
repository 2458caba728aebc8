import { test } from "vitest";
import fs from "node:fs";
import { importFixture, importNasty, options, source, renderToFile } from "../../fixtures/formats-data";
import { EXPORT_FORMATS } from "@/db/schema";

test("scratch", async () => {
  const dir = "/tmp/scratch-out";
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir);
  const p = await importFixture();
  const n = await importNasty();
  for (const f of EXPORT_FORMATS) {
    for (const [label, proj, scope] of [["spec-project", p, { type: "project" }], ["spec-doc", p, { type: "document" }], ["nasty", n, { type: "project" }]] as const) {
      const o = options(f, f === "pdf" ? { timezone: "Asia/Tokyo" } : {});
      const src = await source(proj, o, scope);
      const t0 = Date.now();
      const r = await renderToFile(f, src, o, dir, `${label}-${f}`);
      console.log(f, label, r.result, r.progress.rows, Date.now() - t0, "ms");
    }
  }
});
