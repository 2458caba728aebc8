/**
 * GET /api/pages/{id}/takeoff.svg for a page of 10,000 shapes (every geometry
 * type, 20 conditions): server time of the route handler — authentication by
 * API key, the owner-scoped reads and the drawing — measured in-process,
 * min, median and p90 of repeated calls after a warm-up, and the process's
 * CPU time per call (which stays meaningful on a busy machine). Target: ≤ 150 ms
 * (SPEC §12.4, issue 17).
 *
 *   npx tsx --tsconfig tsconfig.json bench/takeoff-map.ts             # PostgreSQL (BENCH_DATABASE_URL, database takeoff_bench_map)
 *   npx tsx --tsconfig tsconfig.json bench/takeoff-map.ts --pglite    # embedded PGlite in memory
 *
 * The PostgreSQL database `takeoff_bench_map` is created when missing and
 * emptied by the migrations' fresh user each run (nothing else is touched).
 */
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { APP_SECRET, BENCH_DATA } from "./common";

const SHAPES = Number(process.env.BENCH_MAP_SHAPES ?? 10_000);
const RUNS = Number(process.env.BENCH_MAP_RUNS ?? 30);
const pglite = process.argv.includes("--pglite");

async function prepareDatabaseUrl(): Promise<string> {
  const base = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  const [exists] = await admin`select 1 from pg_database where datname = 'takeoff_bench_map'`;
  if (!exists) await admin.unsafe("create database takeoff_bench_map");
  await admin.end();
  const url = new URL(base);
  url.pathname = "/takeoff_bench_map";
  return url.toString();
}

function geometryOf(i: number) {
  const x = (i % 100) * 12 + 1e5; // away from the origin, as real sheets in drawing units often are
  const y = Math.floor(i / 100) * 12 + 1e5;
  switch (i % 6) {
    case 0:
      return {
        type: "polygon",
        geometry: {
          points: [
            { x, y },
            { x: x + 10, y },
            { x: x + 10, y: y + 8 },
            { x, y: y + 10 },
          ],
        },
      };
    case 1:
      return { type: "rectangle", geometry: { x, y, width: 10, height: 6, rotation: (i % 90) - 45 } };
    case 2:
      return { type: "line", geometry: { start: { x, y }, end: { x: x + 10, y: y + 10 } } };
    case 3:
      return {
        type: "polyline",
        geometry: {
          points: [
            { x, y },
            { x: x + 5, y: y + 8 },
            { x: x + 10, y },
            { x: x + 10, y: y + 10 },
          ],
        },
      };
    case 4:
      return { type: "circle", geometry: { center: { x: x + 5, y: y + 5 }, radius: 4 } };
    default:
      return { type: "point", geometry: { x: x + 5, y: y + 5 } };
  }
}

async function main() {
  Object.assign(process.env, {
    NODE_ENV: "production",
    LOG_LEVEL: "warn",
    APP_SECRET,
    APP_URL: "http://localhost:3000",
    SEED_DEMO: "false",
    DATA_DIR: path.join(BENCH_DATA, "takeoff-map"),
    ...(pglite ? { PGLITE_DIR: "memory://", DATABASE_URL: "" } : { DATABASE_URL: await prepareDatabaseUrl() }),
  });
  const { getDb, closeDb } = await import("@/db");
  const { getAuth } = await import("@/lib/auth");
  const { importProject } = await import("@/lib/takeoff/import");
  const { ProjectImportSchema } = await import("@/lib/takeoff/schemas");
  const { GET } = await import("@/app/api/pages/[id]/takeoff.svg/route");

  const db = await getDb();
  const auth = await getAuth();
  const email = `bench-map-${Date.now()}@bench.test`;
  const signUp = await auth.api.signUpEmail({ body: { email, password: "bench-password-1", name: "Bench" } });
  const key = await auth.api.createApiKey({ body: { name: "bench", userId: signUp.user.id } });
  const body = ProjectImportSchema.parse({
    name: "Map bench",
    conditions: Array.from({ length: 20 }, (_, c) => ({
      ref: `c${c}`,
      name: `Condition ${c} <&>`,
      measurement_type: "area",
      unit: "SF",
      color: `#${((c * 2654435761) >>> 8).toString(16).padStart(6, "0").slice(0, 6)}`,
    })),
    documents: [
      {
        name: "Bench.pdf",
        pages: [
          {
            page_number: 1,
            sheet_number: "A-101",
            sheet_title: "Big plan",
            measurements: Array.from({ length: SHAPES }, (_, i) => {
              const g = geometryOf(i);
              return { condition: `c${i % 20}`, geometry_type: g.type, geometry: g.geometry, quantity: 1 + (i % 7) };
            }),
          },
        ],
      },
    ],
  });
  const imported = await importProject(db, signUp.user.id, body);
  const pageId = imported.project.documents[0].pages[0].id;

  const call = async () => {
    const req = new Request(`http://localhost:3000/api/pages/${pageId}/takeoff.svg`, { headers: { authorization: `Bearer ${key.key}` } });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const res = await GET(req, { params: Promise.resolve({ id: pageId }) });
    const text = await res.text();
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    if (res.status !== 200) throw new Error(`${res.status} ${text.slice(0, 200)}`);
    return { ms, cpuMs: (cpu.user + cpu.system) / 1000, bytes: text.length };
  };
  for (let i = 0; i < 5; i++) await call();
  const times: number[] = [];
  const cpu: number[] = [];
  let bytes = 0;
  for (let i = 0; i < RUNS; i++) {
    const r = await call();
    times.push(r.ms);
    cpu.push(r.cpuMs);
    bytes = r.bytes;
  }
  times.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
  const result = {
    database: pglite ? "pglite" : "postgres",
    shapes: SHAPES,
    runs: RUNS,
    svg_bytes: bytes,
    min_ms: +times[0].toFixed(1),
    median_ms: +q(0.5).toFixed(1),
    p90_ms: +q(0.9).toFixed(1),
    // The app process's CPU per request (user + system): stays meaningful when other work shares the machine.
    cpu_median_ms: +cpu[Math.floor(cpu.length / 2)].toFixed(1),
    target_ms: 150,
    load_average: os.loadavg().map((l) => +l.toFixed(2)),
  };
  console.log(`BENCH_RESULT ${JSON.stringify(result)}`);
  await closeDb();
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
