/**
 * `npm run bench`: export throughput and peak memory per format against a
 * raw read-and-write baseline, the same exports end to end through the built
 * app (bench/e2e.ts), and API latency under load, on PostgreSQL and on
 * embedded PGlite, in one run on one machine. See bench/README.md.
 *
 * Options:
 *   --quick             100k measurements only, CSV + Excel, shorter API runs
 *   --sizes 100000,…    measurement counts (default 100000,1000000)
 *   --formats csv,…     formats (default csv,json,ost,excel,pdf; on a project over PDF_MAX_ROWS,
 *                       PDF exports the first conditions that fit under it)
 *   --skip-pg | --skip-pglite | --skip-exports | --skip-api
 *   --skip-content      no content figures (15 chosen columns, PDF with takeoff maps, the SVG route; bench/content.ts)
 *   --skip-schedules    no schedules figure (10,000 due in one minute on PostgreSQL; bench/schedules.ts)
 *   --skip-webhooks     no webhook figure (1,000 exports × 3 endpoints on the embedded default; bench/webhooks.ts)
 *   --skip-bundles      no bundle figure (20 documents × 5 formats vs 100 single exports on PostgreSQL; bench/bundles.ts)
 *   --pages-per-document N  sheets per document of the projects the exports part seeds (default: about 2,500
 *                       measurements a sheet, at most 100; the end-to-end part always seeds 5 × 40, as issue 18 measured)
 *   --skip-e2e          no end-to-end part (bench/e2e.ts: the built app per mode, POST → completed, server RSS)
 *   --e2e-modes m,…     embedded,pg-disk,pg-s3 (default all three; the pg modes need PostgreSQL, embedded not --skip-pglite)
 *   --e2e-sizes n,…     measurement counts of the end-to-end part (default: --sizes)
 *   --e2e-formats f,…   csv,excel,ost,json,pdf (default all; PDF only on projects under PDF_MAX_ROWS)
 *   --e2e-import N      embedded mode: import N measurements through POST /api/projects after its exports and report
 *                       idle RSS after (default the largest e2e size; 0: no import)
 *   --e2e-log-level L   LOG_LEVEL of the app in the end-to-end part (default warn)
 *   --e2e-report        with --skip-e2e: print the end-to-end tables, targets and comparison of the latest
 *                       figures (bench/.data/e2e-latest.json) without measuring
 *   --e2e-poll-ms N     poll interval of GET /api/exports/{id} (default 50; a long one shows what polling costs)
 *   --reuse             keep the seeded databases of the previous run (no reset, no seeding)
 *   --csv-in-database   export children run with EXPORTS_CSV_IN_DATABASE=true (the database writes CSV rows)
 *   --no-build          use .next as it is, even when stale
 *   --profile FORMAT    run that format's export children under --cpu-prof (bench/.data/profiles);
 *                       --profile api runs the app under load that way, --profile e2e the end-to-end servers
 *   --duration S        seconds per API load test (default 10)
 *   --repeat N          run each export and its baseline N times (default 3, --quick 1); report the
 *                       median time and the median peak RSS (every run's figures are in results.json);
 *                       the end-to-end exports likewise
 *
 * --quick makes the end-to-end part one run of every format at 100k. Partial runs add up: the
 * end-to-end tables, targets and the e2e/child comparison use the latest figure of each mode, size
 * and format (bench/.data/e2e-latest.json, exports-latest.json), each shown with when it was measured.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { ensureBuild, runApiBench, type ApiFigures } from "./api-load";
import {
  BENCH_DATA,
  appEnv,
  benchDatabaseUrl,
  fmt,
  postgresReachable,
  redactUrl,
  resetBenchDatabase,
  ROOT,
  runTs,
  table,
  type Target,
} from "./common";
import { contentBench, FIFTEEN_COLUMNS, MAP_PROJECT, type ContentFigures } from "./content";
import {
  compareWithChild,
  E2E_FORMATS,
  E2E_MODES,
  e2eBench,
  e2eChecks,
  mergeChild,
  mergeE2e,
  type ChildFigure,
  type E2eFormat,
  type E2eMode,
  type E2eResults,
} from "./e2e";
import type { ChildResult } from "./export-child";
import { bundlesBench } from "./bundles";
import { schedulesBench } from "./schedules";
import { webhooksBench } from "./webhooks";

const FORMATS = ["csv", "json", "ost", "excel", "pdf"] as const;
type Format = (typeof FORMATS)[number];
const PDF_MAX_ROWS = 250_000;
const BENCH_EMAIL = "bench@example.com";
const MB = 1024 * 1024;

type SeedOut = { userId: string; projectId: string; measurements: number; seconds: number; driver: string };

type ExportFigures = {
  driver: string;
  size: number;
  format: Format;
  rows: number;
  bytes: number;
  seconds: number;
  cpuSeconds?: number;
  rowsPerSecond: number;
  mbPerSecond: number;
  rssIncreaseMb: number;
  hwmIncreaseMb: number | null;
  atPeakMb?: ChildResult["atPeakMb"];
  phases?: ChildResult["phases"];
  baselineSeconds: number;
  baselineCpuSeconds?: number;
  baselineRssIncreaseMb: number;
  baselineAtPeakMb?: ChildResult["atPeakMb"];
  ratio: number;
  status?: string;
  warnings?: string[];
  runsSeconds?: number[];
  baselineRunsSeconds?: number[];
  runsRssIncreaseMb?: number[];
  baselineRunsRssIncreaseMb?: number[];
};

/** The run with the median wall time (the lower middle one for an even count). */
function medianRun(runs: ChildResult[]): ChildResult {
  return [...runs].sort((a, b) => a.seconds - b.seconds)[Math.floor((runs.length - 1) / 2)];
}

/** The median (the mean of the middle two for an even count). */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** `informational`: shown for comparison; the target is set for the other database. */
type Check = { target: string; requirement: string; figure: string; pass: boolean | null; informational?: boolean };

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    sizes: { type: "string" },
    formats: { type: "string" },
    "skip-pg": { type: "boolean", default: false },
    "skip-pglite": { type: "boolean", default: false },
    "skip-exports": { type: "boolean", default: false },
    "skip-api": { type: "boolean", default: false },
    "skip-content": { type: "boolean", default: false },
    "skip-schedules": { type: "boolean", default: false },
    "skip-webhooks": { type: "boolean", default: false },
    "skip-bundles": { type: "boolean", default: false },
    "skip-e2e": { type: "boolean", default: false },
    "pages-per-document": { type: "string" },
    "e2e-modes": { type: "string" },
    "e2e-sizes": { type: "string" },
    "e2e-formats": { type: "string" },
    "e2e-import": { type: "string" },
    "e2e-log-level": { type: "string" },
    "e2e-poll-ms": { type: "string" },
    "e2e-report": { type: "boolean", default: false },
    reuse: { type: "boolean", default: false },
    "csv-in-database": { type: "boolean", default: false },
    "no-build": { type: "boolean", default: false },
    profile: { type: "string" },
    duration: { type: "string" },
    repeat: { type: "string" },
  },
});

const sizes = (args.sizes ?? (args.quick ? "100000" : "100000,1000000")).split(",").map((s) => Number(s.replace(/[_,]/g, "")));
const formats = (args.formats ? args.formats.split(",") : args.quick ? ["csv", "excel"] : [...FORMATS]) as Format[];
for (const f of formats) if (!FORMATS.includes(f)) throw new Error(`unknown format ${f}`);
const apiDuration = Number(args.duration ?? (args.quick ? 5 : 10));
// Peak RSS moves by ±5–10 MiB between identical runs (when V8 collects is not up to us), so
// each figure is the median of several runs; a single run could pass or fail the flatness check on luck.
const repeat = Math.max(1, Number(args.repeat ?? (args.quick ? 1 : 3)));
const e2eModes = (args["e2e-modes"] ? args["e2e-modes"].split(",") : [...E2E_MODES]) as E2eMode[];
for (const m of e2eModes) if (!E2E_MODES.includes(m)) throw new Error(`unknown end-to-end mode ${m} (${E2E_MODES.join(", ")})`);
const e2eSizes = args["e2e-sizes"] ? args["e2e-sizes"].split(",").map((s) => Number(s.replace(/[_,]/g, ""))) : sizes;
const e2eFormats = (args["e2e-formats"] ? args["e2e-formats"].split(",") : [...E2E_FORMATS]) as E2eFormat[];
for (const f of e2eFormats) if (!E2E_FORMATS.includes(f)) throw new Error(`unknown format ${f}`);
const e2ePollMs = Number(args["e2e-poll-ms"] ?? 50);
const e2eImport = Number(args["e2e-import"] ?? Math.max(...e2eSizes));
const serverUrl = process.env.BENCH_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";

const runStarted = performance.now();
const runStartedAt = new Date().toISOString();
fs.mkdirSync(BENCH_DATA, { recursive: true });
const logFile = path.join(BENCH_DATA, "bench.log");
fs.writeFileSync(logFile, `bench started ${new Date().toISOString()}\n`);
const log = (line: string) => {
  process.stdout.write(line + "\n");
  fs.appendFileSync(logFile, line + "\n");
};
const elapsed = () => `${((performance.now() - runStarted) / 1000).toFixed(0)} s`;

async function seed(target: Target, dataDir: string, size: number, extraArgs: string[] = []): Promise<SeedOut> {
  const dbArgs = target.driver === "postgres" ? ["--database-url", target.url] : ["--pglite-dir", target.dir];
  const out = await runTs<SeedOut>(
    path.join(ROOT, "scripts", "seed.ts"),
    ["--measurements", String(size), "--email", BENCH_EMAIL, "--data-dir", dataDir, ...dbArgs, ...extraArgs, "--json"],
    appEnv(target, dataDir),
    { logFile },
  );
  return out.result;
}

async function child(target: Target, dataDir: string, task: Record<string, unknown>, profile = false): Promise<ChildResult> {
  const nodeFlags = ["--expose-gc"];
  if (profile)
    nodeFlags.push(
      "--cpu-prof",
      `--cpu-prof-dir=${path.join(BENCH_DATA, "profiles")}`,
      `--cpu-prof-name=${target.driver}-${task.format}-${task.mode}-${Date.now()}.cpuprofile`,
    );
  const extra: Record<string, string> = args["csv-in-database"] ? { EXPORTS_CSV_IN_DATABASE: "true" } : {};
  const out = await runTs<ChildResult>(
    path.join(ROOT, "bench", "export-child.ts"),
    [JSON.stringify(task)],
    appEnv(target, dataDir, extra),
    {
      nodeFlags,
      logFile,
    },
  );
  return out.result;
}

async function exportBench(target: Target, dataDir: string): Promise<{ seeds: SeedOut[]; runs: ExportFigures[] }> {
  const seedFile = path.join(BENCH_DATA, `seeded-${target.driver}.json`);
  // Every project seeded so far; a run with --sizes uses some of them and must not forget the others.
  let seeds: SeedOut[] = [];
  if (args.reuse && fs.existsSync(seedFile)) seeds = JSON.parse(fs.readFileSync(seedFile, "utf8")) as SeedOut[];
  const missing = sizes.filter((n) => !seeds.some((s) => s.measurements === n));
  if (missing.length && (!args.reuse || seeds.length === 0)) {
    if (target.driver === "postgres") await resetBenchDatabase(serverUrl);
    else fs.rmSync(target.dir, { recursive: true, force: true });
    fs.rmSync(path.join(dataDir, "exports"), { recursive: true, force: true });
    seeds = [];
  }
  for (const size of sizes.filter((n) => !seeds.some((s) => s.measurements === n))) {
    log(`  seeding ${fmt.n(size)} measurements …`);
    const s = await seed(target, dataDir, size, args["pages-per-document"] ? ["--pages-per-document", args["pages-per-document"]] : []);
    log(`  seeded ${fmt.n(size)} in ${s.seconds.toFixed(1)} s (${fmt.n(size / s.seconds)} rows/s)`);
    seeds.push(s);
  }
  fs.writeFileSync(seedFile, JSON.stringify(seeds, null, 2));

  const runs: ExportFigures[] = [];
  for (const size of sizes) {
    const s = seeds.find((x) => x.measurements === size)!;
    const base = { projectId: s.projectId, userId: s.userId };
    // One untimed pass over the rows, so every timed run (export or baseline) finds the same warm caches.
    const warm = await child(target, dataDir, { ...base, mode: "warmup" });
    log(`  ${fmt.n(size)}: warm-up read ${warm.seconds.toFixed(1)} s`);
    for (const format of formats) {
      // Over its cap, the PDF is measured on as many of the project's conditions as the cap allows.
      const maxRows = format === "pdf" && size > PDF_MAX_ROWS ? PDF_MAX_ROWS : undefined;
      const profile = args.profile === format;
      // Export and baseline alternate, so noise from other work on the machine falls on both.
      const exportRuns: ChildResult[] = [];
      const baselineRuns: ChildResult[] = [];
      for (let i = 0; i < repeat; i++) {
        const run = await child(target, dataDir, { ...base, mode: "export", format, maxRows }, profile);
        exportRuns.push(run);
        baselineRuns.push(
          await child(target, dataDir, {
            ...base,
            mode: "baseline",
            format,
            maxRows,
            bytes: run.bytes,
            scratchDir: path.join(dataDir, "baseline"),
          }),
        );
      }
      const e = medianRun(exportRuns);
      const b = medianRun(baselineRuns);
      const fig: ExportFigures = {
        driver: target.driver,
        size,
        format,
        rows: e.rows,
        bytes: e.bytes,
        seconds: e.seconds,
        cpuSeconds: e.cpuSeconds,
        rowsPerSecond: e.rows / e.seconds,
        mbPerSecond: e.bytes / MB / e.seconds,
        rssIncreaseMb: median(exportRuns.map((r) => r.rssIncreaseMb)),
        hwmIncreaseMb: e.hwmIncreaseMb,
        atPeakMb: e.atPeakMb,
        phases: e.phases,
        baselineSeconds: b.seconds,
        baselineCpuSeconds: b.cpuSeconds,
        baselineRssIncreaseMb: median(baselineRuns.map((r) => r.rssIncreaseMb)),
        baselineAtPeakMb: b.atPeakMb,
        ratio: e.seconds / b.seconds,
        status: e.status,
        warnings: e.warnings,
        ...(repeat > 1
          ? {
              runsSeconds: exportRuns.map((r) => r.seconds),
              baselineRunsSeconds: baselineRuns.map((r) => r.seconds),
              runsRssIncreaseMb: exportRuns.map((r) => r.rssIncreaseMb),
              baselineRunsRssIncreaseMb: baselineRuns.map((r) => r.rssIncreaseMb),
            }
          : {}),
      };
      runs.push(fig);
      log(
        `  ${fmt.n(size)} ${format.padEnd(5)} ${e.rows === size ? "" : `(${fmt.n(e.rows)} rows) `}${fmt.s(e.seconds)} s, ${fmt.n(fig.rowsPerSecond)} rows/s, ${fig.mbPerSecond.toFixed(1)} MB/s, ` +
          `peak RSS +${repeat > 1 ? `${fig.rssIncreaseMb.toFixed(0)} MB (runs ${exportRuns.map((r) => r.rssIncreaseMb.toFixed(0)).join("/")})` : `${fig.rssIncreaseMb.toFixed(0)} MB`} | baseline ${fmt.s(b.seconds)} s → ${fig.ratio.toFixed(2)}×   [${elapsed()}]`,
      );
    }
  }
  return { seeds, runs };
}

function checks(runs: ExportFigures[], api: ApiFigures[], content: ContentFigures): Check[] {
  const out: Check[] = [];
  const big = Math.max(...sizes);
  const small = Math.min(...sizes);
  const find = (driver: string, size: number, format: Format) =>
    runs.find((r) => r.driver === driver && r.size === size && r.format === format);
  const drivers = [...new Set(runs.map((r) => r.driver))];
  const label = (d: string) => (d === "postgres" ? "PostgreSQL" : "PGlite");

  for (const d of drivers) {
    for (const format of ["csv", "json", "ost"] as const) {
      const r = find(d, big, format);
      if (!r) continue;
      out.push({
        target: `${format.toUpperCase()} export (${fmt.n(big)}, ${label(d)})`,
        requirement: "≤ 2.5× baseline; peak RSS increase ≤ 200 MB",
        figure: `${r.ratio.toFixed(2)}× (${fmt.s(r.seconds)} s vs ${fmt.s(r.baselineSeconds)} s); +${r.rssIncreaseMb.toFixed(1)} MiB`,
        pass: r.ratio <= 2.5 && r.rssIncreaseMb <= 200,
        informational: d !== "postgres",
      });
    }
    const x = find(d, big, "excel");
    if (x) {
      out.push({
        target: `Excel export (${fmt.n(big)}, ${label(d)})`,
        requirement: "≤ 25 s; peak RSS increase ≤ 300 MB",
        figure: `${fmt.s(x.seconds)} s; +${x.rssIncreaseMb.toFixed(1)} MiB`,
        pass: x.seconds <= 25 && x.rssIncreaseMb <= 300,
        informational: d !== "postgres",
      });
    }
    const p = find(d, 100_000, "pdf");
    if (p) {
      out.push({
        target: `PDF export, 100k (${label(d)})`,
        requirement: "≤ 15 s; peak RSS increase ≤ 300 MB",
        figure: `${fmt.s(p.seconds)} s; +${p.rssIncreaseMb.toFixed(1)} MiB`,
        pass: p.seconds <= 15 && p.rssIncreaseMb <= 300,
        informational: d !== "postgres",
      });
    }
    if (big !== small) {
      for (const format of FORMATS) {
        const a = find(d, small, format);
        const b = find(d, big, format);
        if (!a || !b) continue;
        const factor = b.rssIncreaseMb / Math.max(1, a.rssIncreaseMb);
        out.push({
          target: `${format.toUpperCase()} memory flat in rows (${label(d)})`,
          // PDF: the larger run is its capped subset of the bigger project.
          requirement: `${fmt.n(b.rows)}-row peak ≤ 1.5× ${fmt.n(a.rows)}-row peak`,
          figure: `+${b.rssIncreaseMb.toFixed(1)} MiB vs +${a.rssIncreaseMb.toFixed(1)} MiB (${factor.toFixed(2)}×)`,
          pass: factor <= 1.5,
        });
      }
    }
  }
  for (const c of content.columns) {
    const d = find(c.driver, c.size, c.format);
    if (!d) continue;
    out.push({
      target: `${c.format === "csv" ? "CSV" : "Excel"} with ${c.columns} columns chosen (${fmt.n(c.size)}, ${label(c.driver)})`,
      requirement: c.columns === FIFTEEN_COLUMNS.length ? "≤ 1.3× the default layout" : "(no target: coordinates and ids, for comparison)",
      figure:
        `${(c.seconds / d.seconds).toFixed(2)}× (${fmt.s(c.seconds)} s vs ${fmt.s(d.seconds)} s; ` +
        `CPU ${d.cpuSeconds ? (c.cpuSeconds / d.cpuSeconds).toFixed(2) : "–"}×; ${(c.bytes / d.bytes).toFixed(2)}× the bytes)`,
      pass: c.columns === FIFTEEN_COLUMNS.length ? c.seconds / d.seconds <= 1.3 : null,
    });
  }
  for (const m of content.maps) {
    out.push({
      target: `PDF with takeoff maps, ${fmt.n(m.rows)} rows on ${m.pages} pages (${label(m.driver)})`,
      requirement: "≤ 10 s; peak RSS increase ≤ 300 MB",
      figure: `${fmt.s(m.seconds)} s; +${m.rssIncreaseMb.toFixed(1)} MiB`,
      pass: m.seconds <= 10 && m.rssIncreaseMb <= 300,
    });
  }
  for (const v of content.svg) {
    out.push({
      target: `GET /api/pages/{id}/takeoff.svg, ${fmt.n(v.shapes)} shapes (${label(v.driver)})`,
      requirement: "≤ 150 ms server time (median)",
      figure: `median ${v.median_ms} ms (min ${v.min_ms}, CPU ${v.cpu_median_ms} ms)`,
      pass: v.median_ms <= 150,
    });
  }
  for (const a of api) {
    out.push({
      target: `GET /api/exports?limit=20 (${label(a.driver)})`,
      requirement: `p99 ≤ 50 ms and ≥ 500 req/s at ${a.list.connections} connections`,
      figure: `p99 ${a.list.latencyMs.p99} ms, ${a.list.requestsPerSecond.toFixed(0)} req/s`,
      pass: a.list.latencyMs.p99 <= 50 && a.list.requestsPerSecond >= 500,
    });
  }
  for (const a of api) {
    out.push({
      target: `${fmt.n(a.postToCompleted.rows)}-row CSV, POST → completed (${label(a.driver)})`,
      requirement: a.driver === "pglite" ? "≤ 500 ms (embedded)" : "(no target; for comparison)",
      figure: `median ${a.postToCompleted.medianMs.toFixed(0)} ms`,
      pass: a.driver === "pglite" ? a.postToCompleted.medianMs <= 500 : null,
    });
  }
  return out;
}

async function main() {
  log(
    `Takeoff Exports benchmark — ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${fmt.n(os.totalmem() / MB / 1024, 1)} GB, Node ${process.version}`,
  );
  log(
    `sizes ${sizes.map((s) => fmt.n(s)).join(", ")}; formats ${formats.join(", ")}; load average at start ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );

  const targets: { target: Target; dataDir: string }[] = [];
  if (!args["skip-pg"]) {
    const problem = await postgresReachable(serverUrl);
    if (problem)
      log(`PostgreSQL at ${redactUrl(serverUrl)} is not reachable (${problem}); skipping it. Set BENCH_DATABASE_URL or pass --skip-pg.`);
    else {
      const { url } = benchDatabaseUrl(serverUrl);
      targets.push({ target: { driver: "postgres", url }, dataDir: path.join(BENCH_DATA, "postgres") });
    }
  }
  if (!args["skip-pglite"]) {
    const dataDir = path.join(BENCH_DATA, "pglite");
    targets.push({ target: { driver: "pglite", dir: path.join(dataDir, "pglite") }, dataDir });
  }

  // The build comes first: when it fails, the run says so at once and still measures the exports.
  let build: Awaited<ReturnType<typeof ensureBuild>> | null = null;
  let buildError: string | null = null;
  const drivers = new Set(targets.map((t) => t.target.driver));
  const runE2e = !args["skip-e2e"] && e2eModes.some((m) => drivers.has(m === "embedded" ? "pglite" : "postgres"));
  if ((!args["skip-api"] || runE2e) && targets.length) {
    log(`\n== Build`);
    try {
      build = args["no-build"] ? { built: false, seconds: 0, reason: "--no-build" } : await ensureBuild(log, logFile);
      log(build.built ? `  built in ${build.seconds.toFixed(0)} s` : `  .next is ${build.reason}`);
    } catch (err) {
      buildError = err instanceof Error ? err.message : String(err);
      log(`  ${buildError}\n  The API and end-to-end parts are skipped.`);
    }
  }

  const runs: ExportFigures[] = [];
  const content: ContentFigures = { columns: [], maps: [], svg: [] };
  const seeds: Record<string, SeedOut[]> = {};
  if (!args["skip-exports"]) {
    for (const { target, dataDir } of targets) {
      log(`\n== Exports on ${target.driver}${target.driver === "postgres" ? ` (${redactUrl(target.url)})` : ""}`);
      const r = await exportBench(target, dataDir);
      seeds[target.driver] = r.seeds;
      runs.push(...r.runs);
      if (!args["skip-content"]) {
        const project = r.seeds.filter((x) => sizes.includes(x.measurements)).sort((a, b) => b.measurements - a.measurements)[0];
        log(`-- content (SPEC §12) on ${target.driver}`);
        const c = await contentBench({ target, dataDir, project, repeat, reuse: args.reuse, child, seed, log, logFile });
        content.columns.push(...c.columns);
        content.maps.push(...c.maps);
        content.svg.push(...c.svg);
        log(`  [${elapsed()}]`);
      }
    }
  }

  // End to end through the built app (bench/e2e.ts), after the child-process figures it is compared with.
  let e2e: E2eResults | null = null;
  if (runE2e && build) {
    const modes = e2eModes.filter((m) => drivers.has(m === "embedded" ? "pglite" : "postgres"));
    log(`\n== End to end (${modes.join(", ")}; ${e2eSizes.map((n) => fmt.n(n)).join(", ")}; ${e2eFormats.join(", ")})`);
    e2e = await e2eBench({
      modes,
      sizes: e2eSizes,
      formats: e2eFormats,
      repeat,
      serverUrl,
      reuse: args.reuse,
      importMeasurements: e2eImport,
      pdfMaxRows: PDF_MAX_ROWS,
      pollMs: e2ePollMs,
      logLevel: args["e2e-log-level"] ?? "warn",
      profileDir: args.profile === "e2e" ? path.join(BENCH_DATA, "profiles") : undefined,
      log,
      logFile,
    });
    log(`  [${elapsed()}]`);
  }
  // Runs of some modes, sizes or formats add up (bench/.data/e2e-latest.json, exports-latest.json): the tables,
  // targets and comparison cover the latest figure of each, and say when each was measured.
  const childFigures: ChildFigure[] = mergeChild(runs, runStartedAt);
  const e2eAll = e2e ? mergeE2e(e2e, runStartedAt) : args["e2e-report"] ? mergeE2e({ modes: [], figures: [] }, runStartedAt) : null;
  const e2eChecksList = e2eAll ? e2eChecks(e2eAll) : [];
  const comparison = e2eAll ? compareWithChild(e2eAll, childFigures) : [];

  const api: ApiFigures[] = [];
  let apiError: string | null = null;
  if (!args["skip-api"] && targets.length && build) {
    log(`\n== API under load`);
    for (const { target } of targets) {
      log(`-- ${target.driver}`);
      // A database of its own, so the export benchmark's million-row projects do not bloat the app's start-up.
      const apiTarget: Target =
        target.driver === "postgres"
          ? { driver: "postgres", url: await resetBenchDatabase(serverUrl, "_api") }
          : { driver: "pglite", dir: path.join(BENCH_DATA, "api-pglite", "pglite") };
      try {
        api.push(
          await runApiBench(apiTarget, path.join(BENCH_DATA, `api-${target.driver}`), {
            connections: 32,
            duration: apiDuration,
            timingRuns: 10,
            log,
            logFile,
            profileDir: args.profile === "api" ? path.join(BENCH_DATA, "profiles") : undefined,
          }),
        );
      } catch (err) {
        apiError = `${target.driver}: ${err instanceof Error ? err.message : String(err)}`;
        log(`  API benchmark failed: ${apiError}`);
      }
      log(`  [${elapsed()}]`);
    }
  }

  // Schedules (SPEC §13.3), PostgreSQL only: bench/schedules.ts.
  let schedules: Awaited<ReturnType<typeof schedulesBench>> | null = null;
  if (!args["skip-schedules"] && targets.some((t) => t.target.driver === "postgres")) {
    log(`\n== Schedules on postgres`);
    schedules = await schedulesBench({ serverUrl, log, logFile });
    log(`  [${elapsed()}]`);
  }

  // Bundles (SPEC §14.3), PostgreSQL only: bench/bundles.ts.
  let bundles: Awaited<ReturnType<typeof bundlesBench>> | null = null;
  if (!args["skip-bundles"] && targets.some((t) => t.target.driver === "postgres")) {
    log(`\n== Bundles on postgres`);
    bundles = await bundlesBench({ serverUrl, repeat: Math.min(repeat, 2), log, logFile });
    log(`  [${elapsed()}]`);
  }

  // Webhook fan-out (SPEC §14.1) on the embedded default: bench/webhooks.ts.
  let webhooks: Awaited<ReturnType<typeof webhooksBench>> | null = null;
  if (!args["skip-webhooks"] && !args["skip-pglite"]) {
    log(`\n== Webhooks on pglite`);
    webhooks = await webhooksBench({ log, logFile });
    log(`  [${elapsed()}]`);
  }

  const totalSeconds = (performance.now() - runStarted) / 1000;
  const checkList = [...checks(runs, api, content), ...(schedules?.checks ?? []), ...(bundles?.checks ?? []), ...(webhooks?.checks ?? [])];
  const results = {
    generatedAt: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      memoryGb: os.totalmem() / MB / 1024,
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
    },
    loadAverageAtEnd: os.loadavg(),
    options: { sizes, formats, apiDuration, repeat, quick: args.quick, reuse: args.reuse },
    seeds,
    exports: runs,
    content: { ...content, fifteenColumns: FIFTEEN_COLUMNS, mapProject: MAP_PROJECT },
    schedules: schedules?.figures ?? null,
    webhooks: webhooks?.figures ?? null,
    bundles: bundles?.figures ?? null,
    e2e: e2eAll
      ? {
          options: e2e
            ? {
                modes: e2e.modes.map((m) => m.mode),
                sizes: e2eSizes,
                formats: e2eFormats,
                repeat,
                importMeasurements: e2eImport,
                pollMs: e2ePollMs,
              }
            : "--e2e-report: figures of earlier runs only",
          thisRun: e2e,
          // With earlier runs' figures for what this one left out (measuredAt says which).
          merged: e2eAll,
          checks: e2eChecksList,
          comparison,
        }
      : null,
    api: api.map((a) => ({ ...a })),
    build,
    errors: { build: buildError, api: apiError, e2e: e2e?.modes.filter((m) => m.error).map((m) => `${m.mode}: ${m.error}`) ?? [] },
    checks: checkList,
    totalSeconds,
  };
  fs.writeFileSync(path.join(ROOT, "bench", "results.json"), JSON.stringify(results, null, 2) + "\n");

  if (runs.length) {
    log(
      `\n## Exports (wall time start → finish through the real pipeline; CPU s = the export process's own; baseline = same reader + same bytes to disk)\n`,
    );
    log(
      table(
        [
          "db",
          "project",
          "rows",
          "format",
          "size MiB",
          "wall s",
          "CPU s",
          "rows/s",
          "MiB/s",
          repeat > 1 ? `peak RSS +MiB (median of ${repeat})` : "peak RSS +MiB",
          "baseline s",
          "× baseline",
        ],
        runs.map((r) => [
          r.driver,
          fmt.n(r.size),
          fmt.n(r.rows),
          r.format,
          (r.bytes / MB).toFixed(1),
          fmt.s(r.seconds),
          r.cpuSeconds === undefined ? "–" : fmt.s(r.cpuSeconds),
          fmt.n(r.rowsPerSecond),
          r.mbPerSecond.toFixed(1),
          r.rssIncreaseMb.toFixed(0),
          fmt.s(r.baselineSeconds),
          r.ratio.toFixed(2),
        ]),
      ),
    );
  }
  if (e2eAll) printE2e(e2eAll, e2eChecksList, comparison);
  if (api.length) {
    log(`\n## API (${api[0].list.connections} connections, ${apiDuration} s each; API key auth)\n`);
    const rows: (string | number)[][] = [];
    for (const a of api) {
      for (const [name, f] of [
        ["GET /api/exports?limit=20", a.list],
        ["GET /api/exports/{id}", a.get],
        ["POST /api/documents/{id}/export", a.create],
      ] as const) {
        const cpu = f.cpuMsPerRequest;
        rows.push([
          a.driver,
          name,
          f.requestsPerSecond.toFixed(0),
          f.latencyMs.p50,
          f.latencyMs.p99,
          cpu.app === null ? "–" : cpu.app.toFixed(1),
          cpu.postgres === null ? "–" : cpu.postgres.toFixed(1),
          Object.entries(f.statusCodes)
            .map(([c, n]) => `${c}×${n}`)
            .join(" ") + (f.errors ? ` errors×${f.errors}` : ""),
        ]);
      }
    }
    log(table(["db", "endpoint", "req/s", "p50 ms", "p99 ms", "app CPU ms/req", "PostgreSQL CPU ms/req", "responses"], rows));
    for (const a of api)
      log(
        `${a.driver}: POST → completed (${a.postToCompleted.rows}-row CSV): median ${a.postToCompleted.medianMs.toFixed(0)} ms, p90 ${a.postToCompleted.p90Ms.toFixed(0)} ms`,
      );
  }
  log(`\n## Targets (MB = MiB, 2^20 bytes; "(yes)"/"(no)": the target is set for PostgreSQL, PGlite shown for comparison)\n`);
  log(
    table(
      ["target", "requirement", "figure", "pass"],
      checkList.map((c) => [
        c.target,
        c.requirement,
        c.figure,
        c.pass === null ? "–" : c.informational ? (c.pass ? "(yes)" : "(no)") : c.pass ? "yes" : "NO",
      ]),
    ),
  );
  for (const a of api) {
    if (a.driver !== "postgres") continue;
    log(`\n## EXPLAIN (PostgreSQL, ${fmt.n(a.exportsForUser)} exports of the user, ${fmt.n(a.exportsTotal)} in all)`);
    for (const e of a.explain) log(`\n${e.name}:\n${e.plan.map((l) => `  ${l}`).join("\n")}`);
  }
  if (buildError || apiError) {
    log(`\nAPI part incomplete: ${buildError ?? apiError}`);
    process.exitCode = 1;
  }
  for (const m of e2e?.modes ?? [])
    if (m.error) {
      log(`\nEnd-to-end part incomplete: ${m.mode}: ${m.error}`);
      process.exitCode = 1;
    }
  log(
    `\nTotal ${(totalSeconds / 60).toFixed(1)} min; load average at end ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}. Figures in bench/results.json, logs in bench/.data/.`,
  );
}

function printE2e(e2e: E2eResults, checkList: ReturnType<typeof e2eChecks>, comparison: ReturnType<typeof compareWithChild>) {
  const opt = (v: number | null) => (v === null ? "–" : fmt.s(v));
  // Figures from earlier runs (partial runs add up) carry their time; this run's are marked "now".
  const when = (at?: string) => (!at || at === runStartedAt ? "now" : at.slice(5, 16).replace("T", " "));
  log(
    `\n## End to end (POST /api/projects/{id}/export → GET /api/exports/{id} says completed, polled every ${e2ePollMs} ms; median of ${repeat}; ` +
      `pipeline = the export's started → completed; server CPU = the next start process tree's; RSS = that tree's)\n`,
  );
  log(
    table(
      [
        "mode",
        "project",
        "format",
        "MiB",
        "seconds",
        "POST s",
        "queue s",
        "pipeline s",
        "server CPU s",
        "peak RSS +MiB",
        "idle after MiB",
        "polls p90/max ms",
        "progress writes",
        "measured",
      ],
      e2e.figures.map((f) => [
        f.mode,
        fmt.n(f.size),
        f.format,
        (f.bytes / MB).toFixed(1),
        fmt.s(f.seconds),
        f.postSeconds === undefined ? "–" : f.postSeconds.toFixed(2),
        f.queueSeconds === null ? "–" : f.queueSeconds.toFixed(2),
        opt(f.pipelineSeconds),
        opt(f.cpuSeconds) + (f.storeCpuSeconds !== null ? ` (+s3rver ${fmt.s(f.storeCpuSeconds)})` : ""),
        f.peakIncreaseMb.toFixed(0),
        f.idleAfterMb.toFixed(0),
        `${f.pollP90Ms.toFixed(0)}/${f.pollMaxMs.toFixed(0)}`,
        f.progressWrites,
        when(f.measuredAt),
      ]),
    ),
  );
  log(`\n## Server memory per mode (RSS of the whole process tree, MiB)\n`);
  log(
    table(
      [
        "mode",
        "start s",
        "processes",
        "status poll ms (CPU ms)",
        "idle after start",
        "after warm-up",
        "after the exports",
        "after import",
        "import",
        "measured",
      ],
      e2e.modes.map((m) => [
        m.mode,
        m.startupSeconds.toFixed(1),
        m.processes.length,
        `${m.idlePollMedianMs.toFixed(1)} (${m.idlePollCpuMs?.toFixed(1) ?? "–"})`,
        m.idleAfterStartMb.toFixed(0),
        m.idleAfterWarmupMb.toFixed(0),
        m.idleAfterExportsMb.toFixed(0),
        m.import ? m.import.idleAfterMb.toFixed(0) : "–",
        m.import
          ? `${fmt.n(m.import.measurements)} measurements in ${m.import.bodies.length} request(s), ${fmt.s(m.import.seconds)} s, peak ${m.import.peakMb.toFixed(0)} MiB` +
            (m.import.note ? `; ${m.import.note}` : "")
          : m.error
            ? `failed: ${m.error.split("\n")[0]}`
            : "–",
        when(m.measuredAt),
      ]),
    ),
  );
  log(`\n## End-to-end targets (issue 18)\n`);
  log(
    table(
      ["target", "requirement", "figure", "met"],
      checkList.map((c) => [c.target, c.requirement, c.figure, c.pass === null ? "–" : c.pass ? "met" : "NOT MET"]),
    ),
  );
  log(
    `\n## End to end vs child process (the child-process export part's figures; ratio = e2e / child wall time, flagged > 1.3×; ` +
      `pipeline = the server's started → completed / child; CPU = server tree CPU / child CPU)\n`,
  );
  log(
    comparison.length
      ? table(
          [
            "mode",
            "project",
            "format",
            "e2e s",
            "child s",
            "e2e/child",
            "pipeline/child",
            "CPU e2e/child",
            "peak RSS + e2e/child MiB",
            "",
            "measured e2e / child",
          ],
          comparison.map((c) => [
            c.mode,
            fmt.n(c.size),
            c.format,
            fmt.s(c.e2eSeconds),
            fmt.s(c.childSeconds),
            `${c.ratio.toFixed(2)}×`,
            c.pipelineRatio === null ? "–" : `${c.pipelineRatio.toFixed(2)}×`,
            c.cpuRatio === null ? "–" : `${c.cpuRatio.toFixed(2)}×`,
            `${c.peakRssE2eMb.toFixed(0)} / ${c.peakRssChildMb.toFixed(0)}`,
            c.flagged ? "> 1.3×" : "",
            `${when(c.e2eMeasuredAt)} / ${when(c.childMeasuredAt)}`,
          ]),
        )
      : "(no child-process figures of the same driver, size and format to compare with)",
  );
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
