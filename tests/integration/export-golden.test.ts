/**
 * The same export gives the same bytes (issue 18: reads and renderers were
 * made faster; the files must not change). Every format, with the option
 * sets that change what is read or how, is rendered from the hostile
 * fixtures through the real source reads, and its SHA-256 is compared with
 * tests/fixtures/golden-exports.json, which was written by the code before
 * those changes. Ids are pinned first (the fixtures make random UUIDs), so
 * the bytes are the same on every run and on both databases: one table of
 * hashes serves PGlite and PostgreSQL.
 *
 * A deliberate change of a file's bytes updates the table:
 * `GOLDEN_UPDATE=1 npx vitest run tests/integration/export-golden.test.ts`,
 * and the commit says why. A mismatch leaves the file under
 * .test-data/golden-actual/ to diff against the old code's.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import type { ExportFormat } from "@/db/schema";
import { COLUMN_IDS } from "@/lib/exports/formats/columns";
import {
  importFixture,
  importNasty,
  options,
  renderToFile,
  seedLargeProject,
  source,
  tempDir,
  twoDocumentProject,
  type Imported,
} from "../fixtures/formats-data";

const TABLE = path.join(import.meta.dirname, "../fixtures/golden-exports.json");
const ACTUAL_DIR = path.resolve(".test-data/golden-actual");
const update = process.env.GOLDEN_UPDATE === "1";

type Fixture = "nasty" | "twoDocuments" | "large";
type Case = { fixture: Fixture; format: ExportFormat; options?: Record<string, unknown>; document?: boolean; label?: string };

const ESTIMATING = ["document", "sheet_number", "sheet_title", "page", "condition", "quantity", "unit", "verified", "notes"];

/** Every format on every fixture with its defaults, then the options that change the reads or the layout. */
const CASES: Case[] = [
  ...(["nasty", "twoDocuments", "large"] as const).flatMap((fixture) =>
    (["csv", "excel", "pdf", "json", "ost"] as const).map((format) => ({ fixture, format })),
  ),
  { fixture: "nasty", format: "csv", options: { bom: false, delimiter: ";", include_costs: false } },
  { fixture: "nasty", format: "csv", options: { columns: [...COLUMN_IDS] }, label: "all columns" },
  { fixture: "twoDocuments", format: "csv", options: { columns: ESTIMATING, delimiter: "tab" } },
  { fixture: "twoDocuments", format: "csv", document: true },
  { fixture: "large", format: "csv", options: { include_unverified: false } },
  { fixture: "large", format: "csv", options: { columns: [...COLUMN_IDS] }, label: "all columns" },
  {
    fixture: "nasty",
    format: "excel",
    options: { columns: [...COLUMN_IDS], breakdown: "sheet", group_by: "category" },
    label: "all columns",
  },
  { fixture: "twoDocuments", format: "excel", options: { breakdown: "document", include_unverified: false } },
  { fixture: "large", format: "excel", options: { breakdown: "sheet" } },
  { fixture: "twoDocuments", format: "pdf", options: { takeoff_maps: true, breakdown: "sheet", orientation: "landscape" } },
  { fixture: "large", format: "pdf", options: { takeoff_maps: true, include_costs: false } },
  { fixture: "nasty", format: "json", options: { pretty: false, breakdown: "sheet" } },
  { fixture: "twoDocuments", format: "json", document: true },
  { fixture: "large", format: "json", options: { include_unverified: false, pretty: false } },
  { fixture: "twoDocuments", format: "ost", options: { include_costs: false } },
  { fixture: "large", format: "ost", options: { include_unverified: false } },
];

/** A case's key in the table: readable, and unique. */
function caseKey(c: Case): string {
  const opts = c.label ?? (c.options ? JSON.stringify(c.options) : "defaults");
  return `${c.fixture} ${c.format}${c.document ? " (document)" : ""} ${opts}`;
}

/**
 * Gives the project's rows fixed ids, in a deterministic order, so its
 * exports are the same bytes on every run. Foreign keys are not checked
 * while the ids change (replica role), and every referencing column is
 * updated from the same map.
 */
async function pinIds(p: Imported, name: string): Promise<Imported> {
  const db = await getDb();
  const id = (kind: string, n: string) => sql.raw(`md5('${name}:${kind}:' || ${n})::uuid`);
  await db.transaction(async (tx) => {
    await tx.execute(sql`set local session_replication_role = replica`);
    await tx.execute(sql`create temp table pin_ids (kind text, old uuid, new uuid) on commit drop`);
    await tx.execute(sql`insert into pin_ids select 'project', ${p.id}::uuid, ${id("project", "0")}`);
    await tx.execute(sql`insert into pin_ids
      select 'condition', id, ${id("condition", "row_number() over (order by sort_order, name, description)")}
      from conditions where project_id = ${p.id}`);
    await tx.execute(sql`insert into pin_ids
      select 'document', id, ${id("document", "row_number() over (order by position, name)")}
      from documents where project_id = ${p.id}`);
    await tx.execute(sql`insert into pin_ids
      select 'page', pg.id, ${id("page", "row_number() over (order by d.position, d.name, pg.page_number, pg.sheet_number)")}
      from pages pg join documents d on d.id = pg.document_id where d.project_id = ${p.id}`);
    await tx.execute(sql`insert into pin_ids
      select 'measurement', m.id, ${id("measurement", "row_number() over (order by m.position, m.quantity, m.notes)")}
      from measurements m join conditions c on c.id = m.condition_id where c.project_id = ${p.id}`);
    const remap = (table: string, column: string, kind: string) =>
      tx.execute(sql.raw(`update ${table} t set ${column} = m.new from pin_ids m where m.kind = '${kind}' and t.${column} = m.old`));
    await remap("measurements", "id", "measurement");
    await remap("measurements", "condition_id", "condition");
    await remap("measurements", "page_id", "page");
    await remap("pages", "id", "page");
    await remap("pages", "document_id", "document");
    await remap("documents", "id", "document");
    await remap("documents", "project_id", "project");
    await remap("conditions", "id", "condition");
    await remap("conditions", "project_id", "project");
    await remap("projects", "id", "project");
  });
  const document = p.documents.length ? [{ ...p.documents[0], id: pinnedId(name, "document", 1) }] : [];
  return { ...p, id: pinnedId(name, "project", 0), documents: document };
}

/** The id pinIds gives the n-th row of a kind: PostgreSQL's md5(text)::uuid. */
function pinnedId(name: string, kind: string, n: number): string {
  const hex = createHash("md5").update(`${name}:${kind}:${n}`).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

describe("exports give the same bytes as before (golden hashes)", () => {
  const fixtures = {} as Record<Fixture, Imported>;
  const dir = tempDir();
  const table: Record<string, string> = fs.existsSync(TABLE) ? JSON.parse(fs.readFileSync(TABLE, "utf8")) : {};
  const written: Record<string, string> = {};

  beforeAll(async () => {
    fixtures.nasty = await pinIds(await importNasty(), "nasty");
    fixtures.twoDocuments = await pinIds(await importFixture(twoDocumentProject()), "two-documents");
    // Several chunks and keyset pages: 4 conditions × 12 pages, pairs of ~100 and one condition of 2,500+.
    fixtures.large = await pinIds(await seedLargeProject(6_000, { conditionCount: 4, pageCount: 12 }), "large");
  });

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    if (update) {
      const sorted = Object.fromEntries(Object.entries({ ...table, ...written }).sort(([a], [b]) => a.localeCompare(b)));
      fs.writeFileSync(TABLE, `${JSON.stringify(sorted, null, 2)}\n`);
    }
  });

  it("lists each case once", () => {
    expect(new Set(CASES.map(caseKey)).size).toBe(CASES.length);
  });

  it.each(CASES.map((c) => [caseKey(c), c] as const))("%s", async (key, c) => {
    const opts = options(c.format, c.options ?? {});
    const scope = c.document ? ({ type: "document" } as const) : ({ type: "project" } as const);
    const { file } = await renderToFile(c.format, await source(fixtures[c.fixture], opts, scope), opts, dir);
    const bytes = fs.readFileSync(file);
    const hash = createHash("sha256").update(bytes).digest("hex");
    if (update) {
      written[key] = hash;
      return;
    }
    if (table[key] !== hash) {
      fs.mkdirSync(ACTUAL_DIR, { recursive: true });
      fs.copyFileSync(file, path.join(ACTUAL_DIR, `${key.replace(/[^\w.-]+/g, "_").slice(0, 120)}${path.extname(file)}`));
    }
    expect(hash, `${key}: not the bytes the table holds (GOLDEN_UPDATE=1 rewrites it)`).toBe(table[key]);
  });
});
