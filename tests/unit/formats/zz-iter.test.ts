import { test } from "vitest";
import { seedLargeProject, options, source } from "../../fixtures/formats-data";
import { getDbHandle } from "@/db";

const N = Number(process.env.PERF_N ?? 200000);
const mem = () => { const m = process.memoryUsage(); return `rss ${Math.round(m.rss/1e6)} heap ${Math.round(m.heapUsed/1e6)} ext ${Math.round(m.external/1e6)} ab ${Math.round(m.arrayBuffers/1e6)}`; };
test("iter", async () => {
  console.log("start", mem());
  let t0 = Date.now();
  const p = await seedLargeProject(N, { conditionCount: 4, pageCount: 50 });
  console.log("seed", Date.now() - t0, "ms", mem());
  if (process.env.IDX) { const h0 = await getDbHandle(); await h0.pglite!.exec("create index tmp_cpp on measurements (condition_id, page_id, position, id); analyze measurements;"); console.log("indexed"); }
  const o = options("csv");
  const src = await source(p, o);
  for (const order of ["export", "page"]) {
    t0 = Date.now();
    let n = 0, batches = 0;
    for await (const b of (order === "export" ? src.measurements() : src.measurementsByPage())) { n += b.length; batches++; }
    console.log(order, n, batches, Date.now() - t0, "ms", mem());
  }
  const h = await getDbHandle();
  const res = await h.pglite!.query(`explain analyze select * from measurements m left join pages p on p.id = m.page_id where m.condition_id = $1 and m.page_id = $2 and (m.position, m.id) > (1000::bigint, '00000000-0000-0000-0000-000000000000'::uuid) order by m.position, m.id limit 2000`, [p.conditions[0].id, p.documents[0].pages[3].id]);
  console.log(res.rows.map((r: any) => r["QUERY PLAN"]).join("\n"));
}, 600000);
