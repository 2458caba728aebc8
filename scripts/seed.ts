/**
 * Bulk seeding of large takeoff projects, for benchmarks and for integrators
 * who want to try the exports on realistic volumes:
 *
 *   npm run seed -- --measurements 1000000 --email bench@example.com [--database-url postgres://…]
 *
 * Writes one project (several documents and pages, ~20 conditions with and
 * without costs, every geometry type, a few measurements without a page)
 * straight into the database the app uses — PostgreSQL through `COPY … FROM
 * STDIN`, embedded PGlite through `COPY … FROM '/dev/blob'` — at a few hundred
 * thousand rows a second instead of going through the JSON import. The data is
 * deterministic for a given `--seed`. The user is created (better-auth, so it
 * can sign in) when no user has that email.
 *
 * Options: --measurements N (required) --email E (required) --password P
 * (new user only; random and printed when omitted) --name "Project name"
 * --documents N --pages-per-document N --seed N --database-url URL
 * --pglite-dir DIR --data-dir DIR --json (print the result as one JSON line).
 *
 * The seeding functions are exported for bench/ (which also runs this CLI).
 */
import crypto from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import type { DbHandle } from "@/db";

export type MeasurementType = "linear" | "area" | "volume" | "count";

type ConditionSpec = {
  name: string;
  scope: string;
  category: string;
  type: MeasurementType;
  unit: string;
  color: string;
  /** Relative frequency among measurements. */
  weight: number;
  unitCost?: number;
  description?: string;
};

/** Twenty conditions of a mid-size commercial job; twelve carry costs. */
export const BENCH_CONDITIONS: ConditionSpec[] = [
  {
    name: 'Slab on Grade 6"',
    scope: "concrete",
    category: "slab",
    type: "area",
    unit: "SF",
    color: "#3B82F6",
    weight: 6,
    unitCost: 5.47,
    description: "Ground floor slab, 4000 psi",
  },
  {
    name: "Continuous Footing",
    scope: "concrete",
    category: "footing",
    type: "linear",
    unit: "LF",
    color: "#EF4444",
    weight: 5,
    unitCost: 38.5,
  },
  {
    name: "Spread Footing",
    scope: "concrete",
    category: "footing",
    type: "count",
    unit: "EA",
    color: "#F97316",
    weight: 2,
    unitCost: 1250,
  },
  {
    name: "Pier Excavation",
    scope: "earthwork",
    category: "excavation",
    type: "volume",
    unit: "CY",
    color: "#A16207",
    weight: 3,
    unitCost: 24,
  },
  {
    name: "Structural Backfill",
    scope: "earthwork",
    category: "backfill",
    type: "volume",
    unit: "CY",
    color: "#B45309",
    weight: 2,
    unitCost: 31,
  },
  { name: 'CMU Wall 8"', scope: "masonry", category: "walls", type: "linear", unit: "LF", color: "#64748B", weight: 4, unitCost: 96 },
  { name: "Interior Partition Walls", scope: "drywall", category: "walls", type: "linear", unit: "LF", color: "#10B981", weight: 9 },
  { name: "Gypsum Board Ceiling", scope: "drywall", category: "ceilings", type: "area", unit: "SF", color: "#22C55E", weight: 4 },
  {
    name: "ACT Ceiling 2x4",
    scope: "ceilings",
    category: "ceilings",
    type: "area",
    unit: "SF",
    color: "#F59E0B",
    weight: 5,
    unitCost: 4.1,
  },
  {
    name: "Doors - Hollow Metal",
    scope: "openings",
    category: "doors",
    type: "count",
    unit: "EA",
    color: "#8B5CF6",
    weight: 3,
    unitCost: 1150,
  },
  {
    name: "Windows - Storefront",
    scope: "openings",
    category: "windows",
    type: "area",
    unit: "SF",
    color: "#06B6D4",
    weight: 2,
    unitCost: 78,
  },
  { name: "VCT Flooring", scope: "finishes", category: "flooring", type: "area", unit: "SF", color: "#0EA5E9", weight: 5, unitCost: 4.25 },
  { name: 'Rubber Base 4"', scope: "finishes", category: "base", type: "linear", unit: "LF", color: "#14B8A6", weight: 5 },
  { name: "Paint Walls (2 coats)", scope: "finishes", category: "paint", type: "area", unit: "SF", color: "#84CC16", weight: 6 },
  { name: "Light Fixtures 2x4 LED", scope: "electrical", category: "fixtures", type: "count", unit: "EA", color: "#EC4899", weight: 8 },
  {
    name: "Duplex Receptacles",
    scope: "electrical",
    category: "devices",
    type: "count",
    unit: "EA",
    color: "#DB2777",
    weight: 8,
    unitCost: 145,
  },
  { name: 'Conduit EMT 3/4"', scope: "electrical", category: "conduit", type: "linear", unit: "LF", color: "#F43F5E", weight: 7 },
  {
    name: "Sprinkler Heads",
    scope: "fire protection",
    category: "sprinklers",
    type: "count",
    unit: "EA",
    color: "#DC2626",
    weight: 6,
    unitCost: 210,
  },
  { name: "Ductwork - Rectangular", scope: "mechanical", category: "ductwork", type: "linear", unit: "LF", color: "#7C3AED", weight: 4 },
  {
    name: "Бетонная подготовка / 基础垫层",
    scope: "concrete",
    category: "slab",
    type: "area",
    unit: "SF",
    color: "#1D4ED8",
    weight: 1,
    unitCost: 3.9,
    description: "Lean concrete blinding (multilingual name)",
  },
];

const SHEET_PREFIXES: [string, string][] = [
  ["S", "Structural Set.pdf"],
  ["A", "Architectural Set.pdf"],
  ["E", "Electrical Set.pdf"],
  ["M", "Mechanical Set.pdf"],
  ["P", "Plumbing Set.pdf"],
  ["FP", "Fire Protection Set.pdf"],
  ["C", "Civil Set.pdf"],
  ["L", "Landscape Set.pdf"],
];
const SHEET_TITLES = [
  "Foundation Plan",
  "Floor Plan Level 1",
  "Floor Plan Level 2",
  "Roof Plan",
  "Reflected Ceiling Plan",
  "Enlarged Plan",
  "Sections",
  "Details",
  "Schedules",
];

const NOTES = [
  (sheet: string, r: () => number) => `Checked against ${sheet} detail ${1 + Math.floor(r() * 9)}`,
  () => 'Verify with GC, see RFI-12 "slab edge"',
  () => "Field verify dimensions",
  () => "Béton coulé — zone 3; voir note 7",
  (sheet: string) => `Matches ${sheet}, revision B`,
];

export type SeedOptions = {
  userId: string;
  measurements: number;
  name?: string;
  documents?: number;
  pagesPerDocument?: number;
  seed?: number;
  /** Progress lines on stderr. */
  log?: (line: string) => void;
};

export type SeedResult = {
  projectId: string;
  name: string;
  measurements: number;
  conditions: { id: string; name: string }[];
  documents: { id: string; name: string; pages: number; measurements: number }[];
  seconds: number;
};

export function prng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    // xorshift32: fast and good enough for test data.
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

const r2 = (n: number) => Math.round(n * 100) / 100;

/** A geometry of the condition's kind; every geometry type occurs (SPEC §6.6). */
export function shape(type: MeasurementType, rnd: () => number): { geometryType: string; geometry: string; quantity: number } {
  const x = r2(rnd() * 3000);
  const y = r2(rnd() * 2000);
  switch (type) {
    case "linear": {
      if (rnd() < 0.6) {
        const dx = r2(50 + rnd() * 600);
        return {
          geometryType: "line",
          geometry: `{"start":{"x":${x},"y":${y}},"end":{"x":${r2(x + dx)},"y":${y}}}`,
          quantity: r2(dx / 10),
        };
      }
      const n = 3 + Math.floor(rnd() * 4);
      const pts: string[] = [];
      let px = x;
      let py = y;
      for (let i = 0; i < n; i++) {
        pts.push(`{"x":${px},"y":${py}}`);
        px = r2(px + rnd() * 200);
        py = r2(py + (rnd() - 0.5) * 200);
      }
      return { geometryType: "polyline", geometry: `{"points":[${pts.join(",")}]}`, quantity: r2(20 + rnd() * 80) };
    }
    case "area": {
      if (rnd() < 0.5) {
        const w = r2(100 + rnd() * 400);
        const h = r2(100 + rnd() * 300);
        const rotation = rnd() < 0.2 ? `,"rotation":${Math.floor(rnd() * 4) * 90}` : "";
        return {
          geometryType: "rectangle",
          geometry: `{"x":${x},"y":${y},"width":${w},"height":${h}${rotation}}`,
          quantity: r2((w * h) / 100),
        };
      }
      const w = r2(150 + rnd() * 300);
      const h = r2(100 + rnd() * 200);
      const geometry = `{"points":[{"x":${x},"y":${y}},{"x":${r2(x + w)},"y":${y}},{"x":${r2(x + w)},"y":${r2(y + h)}},{"x":${r2(x + w / 2)},"y":${r2(y + h * 1.3)}},{"x":${x},"y":${r2(y + h)}}]}`;
      return { geometryType: "polygon", geometry, quantity: r2(400 + rnd() * 900) };
    }
    case "volume": {
      if (rnd() < 0.7) {
        const radius = r2(20 + rnd() * 40);
        return { geometryType: "circle", geometry: `{"center":{"x":${x},"y":${y}},"radius":${radius}}`, quantity: r2(1 + rnd() * 12) };
      }
      const w = r2(100 + rnd() * 200);
      return {
        geometryType: "polygon",
        geometry: `{"points":[{"x":${x},"y":${y}},{"x":${r2(x + w)},"y":${y}},{"x":${r2(x + w)},"y":${r2(y + w)}},{"x":${x},"y":${r2(y + w)}}]}`,
        quantity: r2(5 + rnd() * 40),
      };
    }
    default:
      return { geometryType: "point", geometry: `{"x":${x},"y":${y}}`, quantity: 1 };
  }
}

/** COPY text format: backslash, tab, newline and CR escaped; null is \N. */
function copyText(v: string | null): string {
  if (v === null) return "\\N";
  return /[\\\t\n\r]/.test(v) ? v.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n").replace(/\r/g, "\\r") : v;
}

const COPY_COLUMNS = "condition_id, page_id, geometry_type, geometry, quantity, unit, is_ai_generated, is_verified, notes, position";
const CHUNK_ROWS = 50_000;

type PageRef = { id: string; sheet: string };

/**
 * Generates measurement rows as COPY text, CHUNK_ROWS lines per string, in
 * import order: documents, pages, then the page's measurements. About one in
 * 2,000 has no page (an unknown page sorts last in exports).
 */
function* measurementChunks(opts: {
  total: number;
  pages: PageRef[];
  conditions: { id: string; spec: ConditionSpec }[];
  rnd: () => number;
}): Generator<{ text: string; rows: number }> {
  const { total, pages, conditions, rnd } = opts;
  const weights = conditions.map((c) => c.spec.weight);
  const weightSum = weights.reduce((a, b) => a + b, 0);
  const pick = () => {
    let t = rnd() * weightSum;
    for (let i = 0; i < conditions.length; i++) {
      t -= weights[i];
      if (t < 0) return conditions[i];
    }
    return conditions[conditions.length - 1];
  };
  const perPage = total / pages.length;
  let lines: string[] = [];
  for (let i = 0; i < total; i++) {
    const page = pages[Math.min(pages.length - 1, Math.floor(i / perPage))];
    const c = pick();
    const g = shape(c.spec.type, rnd);
    const noPage = rnd() < 0.0005;
    const noteRoll = rnd();
    const notes = noteRoll < 0.15 ? NOTES[Math.floor(rnd() * NOTES.length)](page.sheet, rnd) : null;
    lines.push(
      [
        c.id,
        noPage ? "\\N" : page.id,
        g.geometryType,
        copyText(g.geometry),
        String(g.quantity),
        copyText(c.spec.unit),
        rnd() < 0.4 ? "t" : "f",
        rnd() < 0.85 ? "t" : "f",
        copyText(notes),
        String(i),
      ].join("\t"),
    );
    if (lines.length === CHUNK_ROWS) {
      yield { text: lines.join("\n") + "\n", rows: lines.length };
      lines = [];
    }
  }
  if (lines.length) yield { text: lines.join("\n") + "\n", rows: lines.length };
}

/** Looks up a user by email, creating it (sign-up through better-auth) when missing. */
export async function ensureUser(email: string, password?: string): Promise<{ id: string; created: boolean; password?: string }> {
  const { eq } = await import("drizzle-orm");
  const { getDb } = await import("@/db");
  const { users } = await import("@/db/schema");
  const db = await getDb();
  const [existing] = await db.select({ id: users.id }).from(users).where(eq(users.email, email));
  if (existing) return { id: existing.id, created: false };
  const { getAuth } = await import("@/lib/auth");
  const pw = password ?? crypto.randomBytes(12).toString("base64url");
  const auth = await getAuth();
  await auth.api.signUpEmail({ body: { email, password: pw, name: email.split("@")[0] } });
  const [user] = await db.select({ id: users.id }).from(users).where(eq(users.email, email));
  return { id: user.id, created: true, password: password ? undefined : pw };
}

/** Streams COPY text into measurements on whichever driver the app runs on. */
async function copyMeasurements(handle: DbHandle, chunks: Iterable<{ text: string; rows: number }>, onChunk: (rows: number) => void) {
  if (handle.sql) {
    const writable = await handle.sql.unsafe(`copy measurements (${COPY_COLUMNS}) from stdin`).writable();
    async function* source() {
      for (const chunk of chunks) {
        yield Buffer.from(chunk.text, "utf8");
        onChunk(chunk.rows);
      }
    }
    await pipeline(Readable.from(source()), writable);
    return;
  }
  if (!handle.pglite) throw new Error("No database client to copy into.");
  for (const chunk of chunks) {
    await handle.pglite.query(`copy measurements (${COPY_COLUMNS}) from '/dev/blob'`, [], { blob: new Blob([chunk.text]) });
    onChunk(chunk.rows);
  }
}

/** Seeds one project of `measurements` rows for `userId`. */
export async function seedProject(handle: DbHandle, opts: SeedOptions): Promise<SeedResult> {
  const { sql, eq } = await import("drizzle-orm");
  const { conditions, documents, pages, projects } = await import("@/db/schema");
  const started = performance.now();
  const log = opts.log ?? (() => {});
  const db = handle.db;
  const rnd = prng(opts.seed ?? 20_240_611);
  const total = Math.max(0, Math.floor(opts.measurements));
  // Past the eight sets, names and sheet prefixes repeat with a number ("Structural Set 2.pdf", S2-101): bundles take 20.
  const documentCount = Math.max(1, Math.min(100, opts.documents ?? 5));
  // About 2,500 measurements a sheet, like a dense takeoff; at most 100 sheets a set.
  const pagesPerDocument = Math.max(1, opts.pagesPerDocument ?? Math.min(100, Math.ceil(total / 2500 / documentCount)));
  const name = opts.name ?? `Benchmark Tower (${total.toLocaleString("en-US")} measurements)`;
  const now = new Date();

  const projectId = crypto.randomUUID();
  await db.insert(projects).values({
    id: projectId,
    userId: opts.userId,
    name,
    description: "Synthetic project for load and export benchmarks.",
    clientName: "Benchmark Builders LLC",
    address: "1 Performance Way, Portland, OR 97201",
    createdAt: now,
    updatedAt: now,
  });

  try {
    const conditionRows = BENCH_CONDITIONS.map((spec, i) => ({ id: crypto.randomUUID(), spec, sortOrder: i }));
    await db.insert(conditions).values(
      conditionRows.map(({ id, spec, sortOrder }) => ({
        id,
        projectId,
        name: spec.name,
        description: spec.description ?? null,
        scope: spec.scope,
        category: spec.category,
        measurementType: spec.type,
        unit: spec.unit,
        color: spec.color,
        depth: spec.type === "area" && spec.scope === "concrete" ? 6 : null,
        building: "Tower A",
        area: spec.scope === "earthwork" ? "Site" : "Levels 1-2",
        elevation: spec.scope === "concrete" ? `0'-0"` : null,
        sortOrder,
        unitCost: spec.unitCost ?? null,
        overheadPercent: spec.unitCost ? 10 : null,
        profitPercent: spec.unitCost ? 8 : null,
        createdAt: now,
        updatedAt: now,
      })),
    );

    const documentRows = Array.from({ length: documentCount }, (_, position) => {
      const [prefix, docName] = SHEET_PREFIXES[position % SHEET_PREFIXES.length];
      const round = Math.floor(position / SHEET_PREFIXES.length) + 1;
      return {
        id: crypto.randomUUID(),
        prefix: round === 1 ? prefix : `${prefix}${round}`,
        name: round === 1 ? docName : docName.replace(/\.pdf$/, ` ${round}.pdf`),
        position,
      };
    });
    const pageRows: { id: string; documentId: string; pageNumber: number; sheetNumber: string; sheetTitle: string }[] = [];
    for (const d of documentRows) {
      for (let p = 1; p <= pagesPerDocument; p++) {
        pageRows.push({
          id: crypto.randomUUID(),
          documentId: d.id,
          pageNumber: p,
          sheetNumber: `${d.prefix}-${String(100 + p).padStart(3, "0")}`,
          sheetTitle: SHEET_TITLES[(p - 1) % SHEET_TITLES.length],
        });
      }
    }
    await db.insert(documents).values(
      documentRows.map((d) => ({
        id: d.id,
        projectId,
        name: d.name,
        pageCount: pagesPerDocument,
        position: d.position,
        createdAt: now,
        updatedAt: now,
      })),
    );
    for (let i = 0; i < pageRows.length; i += 1000) await db.insert(pages).values(pageRows.slice(i, i + 1000));

    let written = 0;
    let lastLog = performance.now();
    await copyMeasurements(
      handle,
      measurementChunks({
        total,
        pages: pageRows.map((p) => ({ id: p.id, sheet: p.sheetNumber })),
        conditions: conditionRows,
        rnd,
      }),
      (rows) => {
        written += rows;
        if (performance.now() - lastLog > 5000) {
          lastLog = performance.now();
          log(`  ${written.toLocaleString("en-US")} / ${total.toLocaleString("en-US")} measurements`);
        }
      },
    );

    // Costs that agree with the quantities, like an estimator's would.
    await db.execute(sql`
      update conditions c set
        total_cost = round((t.q * c.unit_cost)::numeric, 2),
        material_cost = round((t.q * c.unit_cost * 0.55)::numeric, 2),
        labor_cost = round((t.q * c.unit_cost * 0.30)::numeric, 2),
        equipment_cost = round((t.q * c.unit_cost * 0.10)::numeric, 2),
        subcontract_cost = 0,
        other_cost = round((t.q * c.unit_cost * 0.05)::numeric, 2),
        total_labor_hours = round((t.q * c.unit_cost * 0.30 / 65)::numeric, 1),
        total_with_markup = round((t.q * c.unit_cost * 1.18)::numeric, 2)
      from (select condition_id, sum(quantity) as q from measurements m join conditions c2 on c2.id = m.condition_id
            where c2.project_id = ${projectId} group by condition_id) t
      where c.id = t.condition_id and c.unit_cost is not null`);
    // Fresh statistics for the planner. PostgreSQL's autovacuum would get there
    // eventually; PGlite has no autovacuum, so without this it never would.
    await db.execute(sql`analyze measurements`);
    await db.execute(sql`analyze pages`);
    await db.execute(sql`analyze conditions`);
    await db.execute(sql`analyze documents`);

    const perDocument = new Map<string, number>();
    const counts = await db.execute<{ document_id: string; n: number }>(
      sql`select p.document_id, count(*)::int as n from measurements m join pages p on p.id = m.page_id
          join documents d on d.id = p.document_id where d.project_id = ${projectId} group by p.document_id`,
    );
    const countRows = (Array.isArray(counts) ? counts : (counts as { rows: { document_id: string; n: number }[] }).rows) as {
      document_id: string;
      n: number;
    }[];
    for (const r of countRows) perDocument.set(r.document_id, Number(r.n));

    return {
      projectId,
      name,
      measurements: total,
      conditions: conditionRows.map((c) => ({ id: c.id, name: c.spec.name })),
      documents: documentRows.map((d) => ({ id: d.id, name: d.name, pages: pagesPerDocument, measurements: perDocument.get(d.id) ?? 0 })),
      seconds: (performance.now() - started) / 1000,
    };
  } catch (err) {
    // Leave nothing half-seeded behind.
    await db
      .delete(projects)
      .where(eq(projects.id, projectId))
      .catch(() => {});
    throw err;
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      measurements: { type: "string" },
      email: { type: "string" },
      password: { type: "string" },
      name: { type: "string" },
      documents: { type: "string" },
      "pages-per-document": { type: "string" },
      seed: { type: "string" },
      "database-url": { type: "string" },
      "pglite-dir": { type: "string" },
      "data-dir": { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const usage =
    "Usage: npm run seed -- --measurements N --email E [--password P] [--name NAME] [--documents N] [--pages-per-document N]\n" +
    "                       [--seed N] [--database-url URL | --pglite-dir DIR] [--data-dir DIR] [--json]";
  if (values.help) {
    console.log(usage);
    return;
  }
  const measurements = Number((values.measurements ?? "").replace(/[_,]/g, ""));
  if (!Number.isInteger(measurements) || measurements < 0 || !values.email) {
    console.error(usage);
    process.exitCode = 2;
    return;
  }
  // lib/env reads the environment when first imported: options go in first.
  if (values["database-url"]) process.env.DATABASE_URL = values["database-url"];
  if (values["pglite-dir"]) process.env.PGLITE_DIR = values["pglite-dir"];
  if (values["data-dir"]) process.env.DATA_DIR = values["data-dir"];
  process.env.LOG_LEVEL ??= "warn";

  const { closeDb, getDbHandle } = await import("@/db");
  const handle = await getDbHandle();
  const log = (line: string) => process.stderr.write(line + "\n");
  try {
    const user = await ensureUser(values.email, values.password);
    if (user.created) log(`created user ${values.email}${user.password ? ` with password ${user.password}` : ""}`);
    log(`seeding ${measurements.toLocaleString("en-US")} measurements on ${handle.driver} …`);
    const result = await seedProject(handle, {
      userId: user.id,
      measurements,
      name: values.name,
      documents: values.documents ? Number(values.documents) : undefined,
      pagesPerDocument: values["pages-per-document"] ? Number(values["pages-per-document"]) : undefined,
      seed: values.seed ? Number(values.seed) : undefined,
      log,
    });
    const rate = result.seconds > 0 ? Math.round(measurements / result.seconds) : 0;
    if (values.json) console.log(JSON.stringify({ userId: user.id, email: values.email, driver: handle.driver, ...result }));
    else {
      console.log(`Project "${result.name}" (${result.projectId}) for ${values.email}`);
      console.log(
        `  ${result.documents.length} documents, ${result.documents.reduce((n, d) => n + d.pages, 0)} pages, ${result.conditions.length} conditions`,
      );
      console.log(
        `  ${measurements.toLocaleString("en-US")} measurements in ${result.seconds.toFixed(1)} s (${rate.toLocaleString("en-US")} rows/s)`,
      );
    }
  } finally {
    await closeDb();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.stack : err);
    process.exit(1);
  });
}
