import { test } from "vitest";
import { seedLargeProject } from "../../fixtures/formats-data";
import { getDbHandle } from "@/db";

test("q", async () => {
  const p = await seedLargeProject(100000, { conditionCount: 4, pageCount: 50 });
  const h = await getDbHandle();
  await h.pglite!.exec("create index tmp_cpp on measurements (condition_id, page_id, position, id); analyze measurements;");
  const c = p.conditions[0].id;
  const pg = p.documents[0].pages.slice(0, 2).map((x) => x.id);
  const run = async (label: string, fn: () => Promise<unknown>) => {
    const t0 = performance.now();
    for (let i = 0; i < 10; i++) await fn();
    console.log(label, ((performance.now() - t0) / 10).toFixed(1), "ms/query");
  };
  const inner = `select m.id, m.condition_id, m.page_id, m.position, p.document_id, p.page_number, p.sheet_number, p.sheet_title, m.geometry_type, m.geometry, m.quantity, m.unit, m.is_verified, m.is_ai_generated, m.notes from measurements m left join pages p on p.id = m.page_id where m.condition_id = $1 and m.page_id = any($2::uuid[])`;
  const agg = `select json_agg(json_build_array(m.id, m.condition_id, m.page_id, m.position, m.document_id, m.page_number, m.sheet_number, m.sheet_title, m.geometry_type, m.geometry, m.quantity, m.unit, m.is_verified, m.is_ai_generated, m.notes) order by m.position, m.id)::text as rows from (${inner}) m`;
  await run("agg", () => h.pglite!.query(agg, [c, pg]));
  const r = await h.pglite!.query<{ rows: string }>(agg, [c, pg]);
  console.log("json bytes", r.rows[0].rows.length);
  await run("parse", async () => JSON.parse(r.rows[0].rows));
  const inner2 = `select m.id, m.condition_id, m.page_id, m.position, m.geometry_type, m.geometry, m.quantity, m.unit, m.is_verified, m.is_ai_generated, m.notes from measurements m where m.condition_id = $1 and m.page_id = any($2::uuid[])`;
  await run("agg no page join", () => h.pglite!.query(`select json_agg(json_build_array(m.id, m.condition_id, m.page_id, m.position, m.geometry_type, m.geometry, m.quantity, m.unit, m.is_verified, m.is_ai_generated, m.notes) order by m.position, m.id)::text as rows from (${inner2}) m`, [c, pg]));
  await run("agg no geometry", () => h.pglite!.query(`select json_agg(json_build_array(m.id, m.condition_id, m.page_id, m.position, m.geometry_type, m.quantity, m.unit, m.is_verified, m.is_ai_generated, m.notes) order by m.position, m.id)::text as rows from (${inner2}) m`, [c, pg]));
  await run("agg geometry as text", () => h.pglite!.query(`select json_agg(json_build_array(m.id, m.condition_id, m.page_id, m.position, m.geometry_type, m.geometry::text, m.quantity, m.unit, m.is_verified, m.is_ai_generated, m.notes) order by m.position, m.id)::text as rows from (${inner2}) m`, [c, pg]));
  await run("string_agg rows", () => h.pglite!.query(`select string_agg(json_build_array(m.id, m.condition_id, m.page_id, m.position, m.geometry_type, m.quantity, m.unit, m.is_verified, m.is_ai_generated, m.notes)::text || m.geometry::text, E'\n' order by m.position, m.id) as rows from (${inner2}) m`, [c, pg]));
  await run("agg without order", () => h.pglite!.query(agg.replace(" order by m.position, m.id", ""), [c, pg]));
  await run("count(*) of inner", () => h.pglite!.query(`select count(*) from (${inner}) m`, [c, pg]));
  await run("sum(length(geometry::text))", () => h.pglite!.query(`select sum(length(m.geometry::text)) from (${inner}) m`, [c, pg]));
  await run("agg of ids only", () => h.pglite!.query(`select json_agg(m.id)::text from (${inner}) m`, [c, pg]));
  await run("string_agg", () => h.pglite!.query(`select string_agg(concat_ws(E'\\t', m.id, m.condition_id, m.page_id, m.position, m.quantity, m.geometry::text), E'\\n')  from (${inner}) m`, [c, pg]));
  const ex = await h.pglite!.query<any>(`explain analyze ${agg}`, [c, pg]);
  console.log(ex.rows.map((x: any) => x["QUERY PLAN"]).join("\n"));
}, 600000);
