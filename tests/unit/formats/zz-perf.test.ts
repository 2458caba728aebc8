import { test } from "vitest";
import fs from "node:fs";
import { seedLargeProject, options, source, renderToFile } from "../../fixtures/formats-data";
import { EXPORT_FORMATS } from "@/db/schema";

const N = Number(process.env.PERF_N ?? 200000);
test("perf", async () => {
  const dir = "/tmp/perf-out";
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir);
  let t0 = Date.now();
  const { getDbHandle } = await import("@/db");
  const h0 = await getDbHandle();
  await h0.pglite!.exec("set session_replication_role = replica");
  const p = await seedLargeProject(N, { conditionCount: 4, pageCount: 50 });
  await h0.pglite!.exec("set session_replication_role = default");
  if (process.env.IDX) { await h0.pglite!.exec("create index tmp_cpp on measurements (condition_id, page_id, position, id); analyze measurements;"); console.log("indexed"); }
  console.log("seed", Date.now() - t0, "ms");
  const formats = (process.env.PERF_FORMATS ?? EXPORT_FORMATS.join(",")).split(",");
  for (const f of formats) {
    const o = options(f as never);
    t0 = Date.now();
    const src = await source(p, o);
    const tl = Date.now() - t0;
    let peak = 0, peakHeap = 0;
    const timer = setInterval(() => { const m = process.memoryUsage(); peak = Math.max(peak, m.rss); peakHeap = Math.max(peakHeap, m.heapUsed + m.external - m.arrayBuffers); }, 50);
    t0 = Date.now();
    const r = await renderToFile(f as never, src, o, dir, f);
    clearInterval(timer);
    const ms = Date.now() - t0;
    console.log(f, "load", tl, "ms render", ms, "ms", Math.round(N / (ms / 1000)), "rows/s peakRSS", Math.round(peak / 1e6), "MB peakHeap+ext", Math.round(peakHeap/1e6), "MB size", fs.statSync(r.result && `${dir}/${f}.${({csv:"csv",excel:"xlsx",pdf:"pdf",json:"json",ost:"xml"} as Record<string,string>)[f]}`).size);
  }
}, 600000);
