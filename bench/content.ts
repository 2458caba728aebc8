/**
 * The content figures of SPEC §12 in `npm run bench` (issue 17):
 *
 * - chosen columns: CSV and Excel of the largest project with 15 columns
 *   picked, against the same format with its default layout (target ≤ 1.3×);
 * - takeoff maps: a PDF with `takeoff_maps` of 100,000 measurements on 200
 *   drawing pages (target ≤ 10 s, peak RSS increase ≤ 300 MB);
 * - the SVG route for a page of 10,000 shapes (bench/takeoff-map.ts; target
 *   ≤ 150 ms server time).
 *
 * Each export runs in its own process through the real pipeline, as the
 * format figures do (bench/export-child.ts), `repeat` times, median reported.
 */
import fs from "node:fs";
import path from "node:path";
import { COLUMN_IDS } from "@/lib/exports/formats/columns";
import { BENCH_DATA, ROOT, runTs, type Target } from "./common";
import type { ChildResult, ChildTask } from "./export-child";

/**
 * 15 of the catalogue's 22 columns (lib/exports/formats/columns.ts), as an
 * estimating sheet picks them: where each row came from, what it is and how
 * much. Coordinates and ids are what integrators pick, and they change what
 * the file holds rather than how fast a column is written: `ALL_COLUMNS`
 * measures them (Excel, no target; its default layout has neither).
 */
export const FIFTEEN_COLUMNS = [
  "document",
  "sheet_number",
  "sheet_title",
  "page",
  "condition",
  "category",
  "building",
  "area",
  "geometry_type",
  "quantity",
  "unit",
  "verified",
  "notes",
  "elevation",
  "scope",
] as const;

const ALL_COLUMNS = COLUMN_IDS;

export const MAP_PROJECT = { measurements: 100_000, documents: 2, pagesPerDocument: 100 } as const;

type SeedOut = { userId: string; projectId: string; measurements: number };

export type ColumnsFigure = {
  driver: string;
  size: number;
  format: "csv" | "excel";
  columns: number;
  seconds: number;
  cpuSeconds: number;
  runs: number[];
  rssIncreaseMb: number;
  bytes: number;
};
export type MapFigure = {
  driver: string;
  rows: number;
  pages: number;
  seconds: number;
  runs: number[];
  rssIncreaseMb: number;
  bytes: number;
};
export type SvgFigure = { driver: string; shapes: number; min_ms: number; median_ms: number; p90_ms: number; cpu_median_ms: number };
export type ContentFigures = { columns: ColumnsFigure[]; maps: MapFigure[]; svg: SvgFigure[] };

export type ContentDeps = {
  target: Target;
  dataDir: string;
  /** The largest project the format figures were measured on. */
  project: SeedOut;
  repeat: number;
  reuse: boolean;
  child: (target: Target, dataDir: string, task: ChildTask) => Promise<ChildResult>;
  seed: (target: Target, dataDir: string, size: number, extraArgs: string[]) => Promise<SeedOut>;
  log: (line: string) => void;
  logFile: string;
};

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

async function measure(deps: ContentDeps, task: ChildTask) {
  const runs: ChildResult[] = [];
  for (let i = 0; i < deps.repeat; i++) {
    const r = await deps.child(deps.target, deps.dataDir, task);
    if (r.status !== "completed") throw new Error(`${task.format} export ended ${r.status}`);
    runs.push(r);
  }
  return {
    seconds: median(runs.map((r) => r.seconds)),
    runs: runs.map((r) => r.seconds),
    rssIncreaseMb: median(runs.map((r) => r.rssIncreaseMb)),
    cpuSeconds: median(runs.map((r) => r.cpuSeconds ?? 0)),
    rows: runs[0].rows,
    bytes: runs[0].bytes,
  };
}

/** The 200-page project of the map figure, seeded once per database (kept with --reuse). */
async function mapProject(deps: ContentDeps): Promise<SeedOut> {
  const file = path.join(BENCH_DATA, `seeded-map-${deps.target.driver}.json`);
  if (deps.reuse && fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, "utf8")) as SeedOut;
  deps.log(
    `  seeding ${MAP_PROJECT.measurements.toLocaleString("en-US")} measurements on ${MAP_PROJECT.documents * MAP_PROJECT.pagesPerDocument} pages …`,
  );
  const s = await deps.seed(deps.target, deps.dataDir, MAP_PROJECT.measurements, [
    "--documents",
    String(MAP_PROJECT.documents),
    "--pages-per-document",
    String(MAP_PROJECT.pagesPerDocument),
  ]);
  fs.writeFileSync(file, JSON.stringify(s));
  return s;
}

export async function contentBench(deps: ContentDeps): Promise<ContentFigures> {
  const { target, project, log } = deps;
  const out: ContentFigures = { columns: [], maps: [], svg: [] };
  const base = { projectId: project.projectId, userId: project.userId, mode: "export" as const };

  const variants = [
    { format: "csv", columns: FIFTEEN_COLUMNS },
    { format: "excel", columns: FIFTEEN_COLUMNS },
    { format: "excel", columns: ALL_COLUMNS },
  ] as const;
  for (const { format, columns } of variants) {
    const m = await measure(deps, { ...base, format, options: { columns: [...columns] } });
    out.columns.push({ driver: target.driver, size: project.measurements, format, columns: columns.length, ...m });
    log(
      `  ${format.padEnd(5)} with ${columns.length} columns: ${m.seconds.toFixed(2)} s (runs ${m.runs.map((s) => s.toFixed(2)).join("/")}), ` +
        `CPU ${m.cpuSeconds.toFixed(2)} s, peak RSS +${m.rssIncreaseMb.toFixed(0)} MB, ${(m.bytes / 1024 / 1024).toFixed(1)} MiB`,
    );
  }

  const mp = await mapProject(deps);
  const maps = await measure(deps, {
    projectId: mp.projectId,
    userId: mp.userId,
    mode: "export",
    format: "pdf",
    options: { takeoff_maps: true },
  });
  const pages = MAP_PROJECT.documents * MAP_PROJECT.pagesPerDocument;
  out.maps.push({
    driver: target.driver,
    rows: maps.rows,
    pages,
    seconds: maps.seconds,
    runs: maps.runs,
    rssIncreaseMb: maps.rssIncreaseMb,
    bytes: maps.bytes,
  });
  log(
    `  PDF with takeoff maps, ${maps.rows.toLocaleString("en-US")} rows on ${pages} pages: ${maps.seconds.toFixed(2)} s (runs ${maps.runs.map((s) => s.toFixed(2)).join("/")}), ` +
      `peak RSS +${maps.rssIncreaseMb.toFixed(0)} MB, ${(maps.bytes / 1024 / 1024).toFixed(1)} MiB`,
  );

  // The SVG route in a process of its own, on a database of its own (see bench/takeoff-map.ts).
  const svgEnv: NodeJS.ProcessEnv = { ...process.env };
  const svgArgs: string[] = [];
  if (target.driver === "pglite") svgArgs.push("--pglite");
  else svgEnv.BENCH_DATABASE_URL = target.url;
  const svg = await runTs<SvgFigure & { database: string }>(path.join(ROOT, "bench", "takeoff-map.ts"), svgArgs, svgEnv, {
    logFile: deps.logFile,
  });
  out.svg.push({ ...svg.result, driver: target.driver });
  log(
    `  SVG of a page with ${svg.result.shapes.toLocaleString("en-US")} shapes: median ${svg.result.median_ms} ms (min ${svg.result.min_ms}, p90 ${svg.result.p90_ms}; CPU ${svg.result.cpu_median_ms} ms)`,
  );
  return out;
}
