/**
 * End to end (issue 18 part 1): exports timed as a user meets them. The built
 * app (`next start`) runs once per mode — embedded (PGlite + local disk),
 * PostgreSQL + disk, PostgreSQL + an S3-compatible store (s3rver in a process
 * of its own) — on the inline runner, and every export is
 * `POST /api/projects/{id}/export` → `GET /api/exports/{id}` says `completed`,
 * polled every 50 ms with an API key.
 *
 * The server's RSS is the sum over its process tree (Linux /proc), sampled
 * every 50 ms: idle after start, the peak during each export minus the value
 * right before its POST, and idle a few seconds after it completes. Beside
 * each time: the server's CPU time over the export, the export's own
 * created → started → completed timestamps (queue wait and pipeline time, the
 * part the child-process figures measure), the latency of the polls meanwhile
 * (how long the export holds the event loop Next.js shares), and the number
 * of progress writes (each poll that sees a new `updated_at`).
 */
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { postgresCpuMs, processCpuMs, startServer, type Server } from "./api-load";
import { appEnv, BENCH_DATA, benchDatabaseUrl, fmt, freePort, resetBenchDatabase, ROOT, runTs, type Target } from "./common";
import type { E2eSetup, E2eSetupTask } from "./e2e-setup";
import { BENCH_CONDITIONS, prng, shape } from "../scripts/seed";

export const E2E_MODES = ["embedded", "pg-disk", "pg-s3"] as const;
export type E2eMode = (typeof E2E_MODES)[number];
export const E2E_FORMATS = ["csv", "excel", "ost", "json", "pdf"] as const;
export type E2eFormat = (typeof E2E_FORMATS)[number];

const EMAIL = "e2e-bench@example.com";
const DOCUMENTS = 5;
const PAGES_PER_DOCUMENT = 40;
const WARMUP_MEASUREMENTS = 1000;
const SAMPLE_MS = 50;
/** How long after an export completes its "idle after" RSS is read. */
const IDLE_AFTER_MS = 3000;
/** How long the embedded server is left idle before its settled RSS is read: past the database thread's restart after a quiet 30 s window. */
const SETTLE_MS = 45_000;
const EXPORT_TIMEOUT_MS = 15 * 60 * 1000;
/** PROJECT_IMPORT_BODY_LIMIT (lib/takeoff/service.ts): `POST /api/projects` refuses larger bodies with 413. */
const IMPORT_BODY_LIMIT = 64 * 1024 * 1024;
const S3_BUCKET = "bench-e2e";
const MB = 1024 * 1024;

export type E2eOptions = {
  modes: E2eMode[];
  sizes: number[];
  formats: E2eFormat[];
  repeat: number;
  serverUrl: string;
  reuse: boolean;
  /** Embedded mode: measurements to import through `POST /api/projects` after the exports (0: none). */
  importMeasurements: number;
  pdfMaxRows: number;
  /** Poll interval of GET /api/exports/{id} (default 50 ms; a longer one shows what the polls themselves cost). */
  pollMs: number;
  logLevel: string;
  /** Run the app under --cpu-prof; profiles land here when it stops. */
  profileDir?: string;
  log: (line: string) => void;
  logFile: string;
};

export type E2eRun = {
  exportId: string;
  seconds: number;
  /** The POST's own answer time (validation, the PDF cap's row count, the insert). */
  postSeconds: number;
  /** Export row: created → started (queue wait) and started → completed (the pipeline, what the child-process part times). */
  queueSeconds: number | null;
  pipelineSeconds: number | null;
  /** CPU (user + system) of the server's process tree from POST to completed. */
  cpuSeconds: number | null;
  /** CPU of every local `postgres` process meanwhile (the whole server: other work on it counts too). */
  postgresCpuSeconds: number | null;
  /** CPU of the s3rver process meanwhile (pg-s3). */
  storeCpuSeconds: number | null;
  rssBeforeMb: number;
  rssPeakMb: number;
  peakIncreaseMb: number;
  idleAfterMb: number;
  polls: number;
  pollMedianMs: number;
  pollP90Ms: number;
  pollMaxMs: number;
  /** Distinct `updated_at` values the polls saw while it ran: the progress writes (at most one a second, plus steps). */
  progressWrites: number;
  bytes: number;
  records: number;
};

export type E2eFigures = {
  /** When the run that measured it started (runs with --e2e-modes/--e2e-sizes add up; see run.ts). */
  measuredAt?: string;
  mode: E2eMode;
  driver: "pglite" | "postgres";
  storage: "disk" | "s3";
  size: number;
  format: E2eFormat;
  rows: number;
  bytes: number;
  /** Medians over the runs. */
  seconds: number;
  postSeconds: number;
  pipelineSeconds: number | null;
  queueSeconds: number | null;
  cpuSeconds: number | null;
  postgresCpuSeconds: number | null;
  storeCpuSeconds: number | null;
  peakIncreaseMb: number;
  idleAfterMb: number;
  pollMaxMs: number;
  pollP90Ms: number;
  progressWrites: number;
  /** The file behind download_url, fetched once: its bytes, and whether they match file_size. */
  download: { bytes: number; ok: boolean; seconds: number };
  runs: E2eRun[];
};

export type E2eImport = {
  /** The largest body the route accepts, and how many measurements went into each. */
  bodyLimitBytes: number;
  bodies: { bytes: number; measurements: number; seconds: number; status: number; peakIncreaseMb: number }[];
  measurements: number;
  seconds: number;
  rssBeforeMb: number;
  peakMb: number;
  idleAfterMb: number;
  /** Idle RSS SETTLE_MS later (past the database thread's idle restart). */
  idleSettledMb: number;
  note: string;
};

export type E2eModeFigures = {
  measuredAt?: string;
  mode: E2eMode;
  driver: "pglite" | "postgres";
  storage: "disk" | "s3";
  setupSeconds: number | null;
  seeded: { size: number; projectId: string; seconds: number }[];
  startupSeconds: number;
  /** Processes in the server's tree (next start and any child it forks), and their names. */
  processes: string[];
  idleAfterStartMb: number;
  idleAfterWarmupMb: number;
  /** Idle poll latency after the warm-up: the reference for the polls during exports. */
  idlePollMedianMs: number;
  /** Server CPU per status poll when nothing runs: what 20 polls a second take from an export. */
  idlePollCpuMs: number | null;
  idleAfterExportsMb: number;
  /** Idle RSS SETTLE_MS after the last export (embedded: past the database thread's idle restart); null when not waited for. */
  idleSettledMb: number | null;
  import: E2eImport | null;
  error: string | null;
};

export type E2eResults = { modes: E2eModeFigures[]; figures: E2eFigures[] };

// ---------------------------------------------------------------------------
// The server's process tree, from /proc
// ---------------------------------------------------------------------------

let pageSize: number | undefined;
function pageBytes(): number {
  if (pageSize === undefined) {
    try {
      pageSize = Number(execFileSync("getconf", ["PAGESIZE"], { encoding: "utf8" }).trim()) || 4096;
    } catch {
      pageSize = 4096;
    }
  }
  return pageSize;
}

/** The process and its descendants (any thread may have forked them). */
function treePids(root: number): number[] {
  const out = [root];
  for (let i = 0; i < out.length; i++) {
    let tasks: string[];
    try {
      tasks = fs.readdirSync(`/proc/${out[i]}/task`);
    } catch {
      continue;
    }
    for (const t of tasks) {
      try {
        const kids = fs.readFileSync(`/proc/${out[i]}/task/${t}/children`, "utf8").trim();
        if (kids) for (const k of kids.split(/\s+/)) out.push(Number(k));
      } catch {
        // gone meanwhile
      }
    }
  }
  return out;
}

function rssBytes(pid: number): number {
  try {
    return Number(fs.readFileSync(`/proc/${pid}/statm`, "utf8").split(" ")[1]) * pageBytes();
  } catch {
    return 0;
  }
}

function processName(pid: number): string {
  try {
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    return `${pid} ${cmd
      .map((a) => (a.includes("/") ? path.basename(a) : a))
      .join(" ")
      .slice(0, 80)}`;
  } catch {
    return String(pid);
  }
}

/** RSS of a process tree every SAMPLE_MS; `mark()` starts a window whose peak `peak()` returns. */
class TreeSampler {
  private pids: number[];
  private timer: NodeJS.Timeout;
  private samples = 0;
  current = 0;
  private windowPeak = 0;

  constructor(private readonly root: number) {
    this.pids = treePids(root);
    this.sample();
    this.timer = setInterval(() => this.sample(), SAMPLE_MS);
  }

  private sample() {
    // The tree is re-read once a second; RSS every sample.
    if (this.samples++ % 20 === 0) this.pids = treePids(this.root);
    let total = 0;
    for (const pid of this.pids) total += rssBytes(pid);
    this.current = total;
    if (total > this.windowPeak) this.windowPeak = total;
  }

  mark(): number {
    this.sample();
    this.windowPeak = this.current;
    return this.current;
  }

  peak(): number {
    this.sample();
    return this.windowPeak;
  }

  cpuMs(): number | null {
    this.pids = treePids(this.root);
    let total = 0;
    for (const pid of this.pids) {
      const ms = processCpuMs(pid);
      if (ms === null) return null;
      total += ms;
    }
    return total;
  }

  names(): string[] {
    return treePids(this.root).map(processName);
  }

  stop() {
    clearInterval(this.timer);
  }
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
const medianOrNull = (values: (number | null)[]) => (values.some((v) => v === null) ? null : median(values as number[]));
const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1))];
};

type ExportOut = {
  id: string;
  status: string;
  error_message: string | null;
  records_count: number;
  file_size: number | null;
  download_url: string | null;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  updated_at: string;
};

async function getJson<T>(url: string, headers: Record<string, string>): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { headers });
  return { status: res.status, body: (await res.json()) as T };
}

/** Streams the file behind a download URL and counts its bytes (nothing held in memory). */
async function downloadBytes(url: string): Promise<{ bytes: number; status: number; seconds: number }> {
  const t0 = performance.now();
  const res = await fetch(url, { redirect: "follow" });
  let bytes = 0;
  const reader = res.body?.getReader();
  for (;;) {
    const chunk = await reader?.read();
    if (!chunk || chunk.done) break;
    bytes += chunk.value.byteLength;
  }
  return { bytes, status: res.status, seconds: (performance.now() - t0) / 1000 };
}

/** s3rver in a child process (bench/s3-server.ts); resolves once it listens. */
async function startStore(directory: string, logFile: string): Promise<{ endpoint: string; process: ChildProcess; stop(): Promise<void> }> {
  fs.rmSync(directory, { recursive: true, force: true });
  fs.mkdirSync(directory, { recursive: true });
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join(ROOT, "bench", "s3-server.ts"), JSON.stringify({ directory, bucket: S3_BUCKET })],
    {
      cwd: ROOT,
      env: { ...process.env, TSX_TSCONFIG_PATH: path.join(ROOT, "tsconfig.json") },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const log = fs.createWriteStream(logFile, { flags: "a" });
  child.stderr!.pipe(log, { end: false });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /S3_READY (\{.*\})/.exec(out);
      if (m) resolve((JSON.parse(m[1]) as { port: number }).port);
    });
    child.on("exit", (code) => reject(new Error(`s3rver exited with ${code}; see ${path.relative(ROOT, logFile)}`)));
    setTimeout(() => reject(new Error("s3rver did not start within 30 s")), 30_000).unref();
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    process: child,
    async stop() {
      if (child.exitCode !== null) return;
      const gone = new Promise<void>((r) => child.once("exit", () => r()));
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 5000);
      await gone;
      clearTimeout(t);
    },
  };
}

// ---------------------------------------------------------------------------
// Import bodies: the same kind of project, as JSON for POST /api/projects (SPEC §5.3)
// ---------------------------------------------------------------------------

const NOTES = ['Verify with RFI-12, "as built"', "Per addendum 3, revised", "Ajustar según plano 東棟", "=SUM(A1) leading sign"];

function measurementJson(rnd: () => number): string {
  const weights = BENCH_CONDITIONS.map((c) => c.weight);
  const sum = weights.reduce((a, b) => a + b, 0);
  let t = rnd() * sum;
  let k = 0;
  while (k < BENCH_CONDITIONS.length - 1 && (t -= weights[k]) >= 0) k++;
  const c = BENCH_CONDITIONS[k];
  const g = shape(c.type, rnd);
  const notes = rnd() < 0.15 ? `,"notes":${JSON.stringify(NOTES[Math.floor(rnd() * NOTES.length)])}` : "";
  return (
    `{"condition":"c${k}","geometry_type":"${g.geometryType}","geometry":${g.geometry},"quantity":${g.quantity},` +
    `"unit":"${c.unit}","is_ai_generated":${rnd() < 0.4},"is_verified":${rnd() < 0.85}${notes}}`
  );
}

/** One project import body of `n` measurements on 5 documents × 40 pages, 20 conditions. */
function importBody(n: number, index: number, rnd: () => number): string {
  const conditions = BENCH_CONDITIONS.map((c, k) => ({
    ref: `c${k}`,
    name: c.name,
    description: c.description ?? null,
    scope: c.scope,
    category: c.category,
    measurement_type: c.type,
    unit: c.unit,
    color: c.color,
    building: "Tower A",
    costs: c.unitCost ? { unit_cost: c.unitCost, overhead_percent: 10, profit_percent: 8 } : null,
  }));
  const pages = DOCUMENTS * PAGES_PER_DOCUMENT;
  const perPage = Math.ceil(n / pages);
  const docs: string[] = [];
  let made = 0;
  for (let d = 0; d < DOCUMENTS; d++) {
    const pageTexts: string[] = [];
    for (let p = 1; p <= PAGES_PER_DOCUMENT; p++) {
      const ms: string[] = [];
      for (let i = 0; i < perPage && made < n; i++, made++) ms.push(measurementJson(rnd));
      pageTexts.push(`{"page_number":${p},"sheet_number":"S${d}-${100 + p}","sheet_title":"Plan ${p}","measurements":[${ms.join(",")}]}`);
    }
    docs.push(`{"name":"Set ${d + 1}.pdf","page_count":${PAGES_PER_DOCUMENT},"pages":[${pageTexts.join(",")}]}`);
  }
  return `{"name":"Imported Tower ${index + 1}","client_name":"Benchmark Builders LLC","conditions":${JSON.stringify(conditions)},"documents":[${docs.join(",")}]}`;
}

/** How many measurements fit in one body under the limit (with 3 % to spare). */
function measurementsPerBody(limit: number): number {
  const rnd = prng(5);
  const sample = 5000;
  const bytes = Buffer.byteLength(importBody(sample, 0, rnd));
  const empty = Buffer.byteLength(importBody(0, 0, rnd));
  return Math.floor(((limit * 0.97 - empty) / (bytes - empty)) * sample);
}

// ---------------------------------------------------------------------------
// The part itself
// ---------------------------------------------------------------------------

type Prepared = { target: Target; setup: E2eSetup; setupSeconds: number | null };

async function prepare(driver: "pglite" | "postgres", opts: E2eOptions): Promise<Prepared> {
  const seededFile = path.join(BENCH_DATA, `e2e-seeded-${driver}.json`);
  const setupDir = path.join(BENCH_DATA, driver === "pglite" ? "e2e-embedded" : "e2e-pg");
  let target: Target;
  if (driver === "pglite") target = { driver, dir: path.join(setupDir, "pglite") };
  else {
    target = { driver, url: benchDatabaseUrl(opts.serverUrl, "_e2e").url };
  }
  if (opts.reuse && fs.existsSync(seededFile)) {
    const setup = JSON.parse(fs.readFileSync(seededFile, "utf8")) as E2eSetup;
    if (opts.sizes.every((s) => setup.projects.some((p) => p.size === s))) {
      opts.log(`  reusing the ${driver} database seeded earlier (${path.relative(ROOT, seededFile)})`);
      return { target, setup, setupSeconds: null };
    }
  }
  if (driver === "pglite") fs.rmSync(setupDir, { recursive: true, force: true });
  else await resetBenchDatabase(opts.serverUrl, "_e2e");
  fs.mkdirSync(setupDir, { recursive: true });
  opts.log(
    `  seeding ${opts.sizes.map((s) => fmt.n(s)).join(" + ")} measurements (${DOCUMENTS} documents × ${PAGES_PER_DOCUMENT} pages) on ${driver} …`,
  );
  const task: E2eSetupTask = {
    sizes: opts.sizes,
    email: EMAIL,
    documents: DOCUMENTS,
    pagesPerDocument: PAGES_PER_DOCUMENT,
    warmupMeasurements: WARMUP_MEASUREMENTS,
  };
  const out = await runTs<E2eSetup>(path.join(ROOT, "bench", "e2e-setup.ts"), [JSON.stringify(task)], appEnv(target, setupDir), {
    logFile: opts.logFile,
  });
  fs.writeFileSync(seededFile, JSON.stringify(out.result, null, 2));
  opts.log(
    `  seeded in ${out.result.seconds.toFixed(1)} s (${out.result.projects.map((p) => `${fmt.n(p.size)}: ${p.seconds.toFixed(1)} s`).join(", ")})`,
  );
  return { target, setup: out.result, setupSeconds: out.result.seconds };
}

type Ctx = {
  server: Server;
  auth: Record<string, string>;
  sampler: TreeSampler;
  storePid: number | null;
  measurePostgres: boolean;
  pollMs: number;
};

async function runExport(ctx: Ctx, projectId: string, format: E2eFormat): Promise<{ run: E2eRun; downloadUrl: string | null }> {
  const { server, auth, sampler } = ctx;
  const rssBefore = sampler.mark();
  const cpu0 = sampler.cpuMs();
  const pg0 = ctx.measurePostgres ? postgresCpuMs() : null;
  const store0 = ctx.storePid ? processCpuMs(ctx.storePid) : null;
  const t0 = performance.now();
  const res = await fetch(`${server.url}/api/projects/${projectId}/export`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ format }),
  });
  const created = (await res.json()) as { export_id?: string };
  if (res.status !== 202 || !created.export_id) throw new Error(`POST ${format} export answered ${res.status}: ${JSON.stringify(created)}`);
  const id = created.export_id;
  const postSeconds = (performance.now() - t0) / 1000;
  const polls: number[] = [];
  const updates = new Set<string>();
  let done: ExportOut;
  for (;;) {
    const p0 = performance.now();
    const { status, body } = await getJson<ExportOut>(`${server.url}/api/exports/${id}`, auth);
    const latency = performance.now() - p0;
    polls.push(latency);
    if (status !== 200) throw new Error(`GET /api/exports/${id} answered ${status}`);
    if (body.status === "processing") updates.add(body.updated_at);
    if (body.status === "completed") {
      done = body;
      break;
    }
    if (body.status === "failed" || body.status === "cancelled")
      throw new Error(`${format} export ${id} ${body.status}: ${body.error_message}`);
    if (performance.now() - t0 > EXPORT_TIMEOUT_MS)
      throw new Error(`${format} export ${id} did not complete within ${EXPORT_TIMEOUT_MS / 60000} min`);
    await sleep(Math.max(0, ctx.pollMs - latency));
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu1 = sampler.cpuMs();
  const pg1 = ctx.measurePostgres ? postgresCpuMs() : null;
  const store1 = ctx.storePid ? processCpuMs(ctx.storePid) : null;
  const peak = sampler.peak();
  await sleep(IDLE_AFTER_MS);
  const idleAfter = sampler.mark();
  const t = (s: string | null) => (s ? new Date(s).getTime() : null);
  const createdAt = t(done.created_at);
  const startedAt = t(done.started_at);
  const completedAt = t(done.completed_at);
  const delta = (a: number | null, b: number | null) => (a === null || b === null ? null : (b - a) / 1000);
  const run: E2eRun = {
    exportId: id,
    seconds,
    postSeconds,
    queueSeconds: delta(createdAt, startedAt),
    pipelineSeconds: delta(startedAt, completedAt),
    cpuSeconds: delta(cpu0, cpu1),
    postgresCpuSeconds: delta(pg0, pg1),
    storeCpuSeconds: delta(store0, store1),
    rssBeforeMb: rssBefore / MB,
    rssPeakMb: peak / MB,
    peakIncreaseMb: (peak - rssBefore) / MB,
    idleAfterMb: idleAfter / MB,
    polls: polls.length,
    pollMedianMs: median(polls),
    pollP90Ms: percentile(polls, 90),
    pollMaxMs: Math.max(...polls),
    progressWrites: updates.size,
    bytes: done.file_size ?? 0,
    records: done.records_count,
  };
  return { run, downloadUrl: done.download_url };
}

async function importProjects(ctx: Ctx, total: number, opts: E2eOptions): Promise<E2eImport> {
  const { server, auth, sampler } = ctx;
  let limit = IMPORT_BODY_LIMIT;
  let perBody = measurementsPerBody(limit);
  const notes: string[] = [];
  if (perBody < total)
    notes.push(
      `one body may be at most ${fmt.n(limit / MB)} MiB (PROJECT_IMPORT_BODY_LIMIT), about ${fmt.n(perBody)} measurements; ` +
        `${fmt.n(total)} were imported as ${Math.ceil(total / perBody)} projects, one request each`,
    );
  const rnd = prng(17);
  const rssBefore = sampler.mark();
  let overallPeak = rssBefore;
  const bodies: E2eImport["bodies"] = [];
  const started = performance.now();
  let imported = 0;
  for (let i = 0; imported < total; i++) {
    const n = Math.min(perBody, total - imported);
    const body = importBody(n, i, rnd);
    const bytes = Buffer.byteLength(body);
    const before = sampler.mark();
    const t0 = performance.now();
    const res = await fetch(`${server.url}/api/projects`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body,
    });
    const answer = await res.text();
    const seconds = (performance.now() - t0) / 1000;
    const peak = sampler.peak();
    overallPeak = Math.max(overallPeak, peak);
    bodies.push({ bytes, measurements: n, seconds, status: res.status, peakIncreaseMb: (peak - before) / MB });
    opts.log(
      `  import ${i + 1}: ${fmt.n(n)} measurements, ${(bytes / MB).toFixed(1)} MiB → ${res.status} in ${fmt.s(seconds)} s, peak RSS +${((peak - before) / MB).toFixed(0)} MiB`,
    );
    if (res.status === 413 && perBody > 1000) {
      // The limit is lower than this script believes: halve and go on.
      limit = Math.floor(limit / 2);
      perBody = measurementsPerBody(limit);
      notes.push(`413 at ${(bytes / MB).toFixed(1)} MiB; bodies halved to ${fmt.n(perBody)} measurements`);
      continue;
    }
    if (res.status !== 201) throw new Error(`POST /api/projects answered ${res.status}: ${answer.slice(0, 300)}`);
    imported += n;
  }
  const seconds = (performance.now() - started) / 1000;
  await sleep(IDLE_AFTER_MS * 2);
  const idleAfter = sampler.mark();
  await sleep(SETTLE_MS);
  const idleSettled = sampler.mark();
  return {
    bodyLimitBytes: limit,
    bodies,
    measurements: imported,
    seconds,
    rssBeforeMb: rssBefore / MB,
    peakMb: overallPeak / MB,
    idleAfterMb: idleAfter / MB,
    idleSettledMb: idleSettled / MB,
    note: notes.join("; "),
  };
}

export async function e2eBench(opts: E2eOptions): Promise<E2eResults> {
  const { log } = opts;
  const results: E2eResults = { modes: [], figures: [] };
  const prepared = new Map<string, Prepared>();

  for (const mode of opts.modes) {
    const driver = mode === "embedded" ? "pglite" : "postgres";
    const storage = mode === "pg-s3" ? "s3" : "disk";
    log(`-- ${mode} (${driver === "pglite" ? "PGlite" : "PostgreSQL"} + ${storage === "s3" ? "s3rver" : "local disk"})`);
    const modeFig: E2eModeFigures = {
      mode,
      driver,
      storage,
      setupSeconds: null,
      seeded: [],
      startupSeconds: 0,
      processes: [],
      idleAfterStartMb: 0,
      idleAfterWarmupMb: 0,
      idlePollMedianMs: 0,
      idlePollCpuMs: null,
      idleAfterExportsMb: 0,
      idleSettledMb: null,
      import: null,
      error: null,
    };
    results.modes.push(modeFig);
    let server: Server | null = null;
    let store: Awaited<ReturnType<typeof startStore>> | null = null;
    let sampler: TreeSampler | null = null;
    try {
      // The two PostgreSQL modes share one seeded database.
      let p = prepared.get(driver);
      if (!p) {
        p = await prepare(driver, opts);
        prepared.set(driver, p);
      } else log(`  same database as the other PostgreSQL mode`);
      modeFig.setupSeconds = p.setupSeconds;
      modeFig.seeded = p.setup.projects;

      const dataDir = path.join(BENCH_DATA, `e2e-${mode}`);
      if (mode !== "embedded") {
        fs.rmSync(dataDir, { recursive: true, force: true });
        fs.mkdirSync(dataDir, { recursive: true });
      }
      let extra: Record<string, string> = {};
      if (storage === "s3") {
        store = await startStore(path.join(BENCH_DATA, "e2e-s3rver"), path.join(BENCH_DATA, "s3rver.log"));
        extra = {
          S3_BUCKET,
          S3_ENDPOINT: store.endpoint,
          S3_FORCE_PATH_STYLE: "true",
          S3_REGION: "us-east-1",
          S3_ACCESS_KEY_ID: "S3RVER",
          S3_SECRET_ACCESS_KEY: "S3RVER",
        };
      }
      // The embedded mode keeps its files beside its PGlite directory, as the app does under DATA_DIR.
      const serverDataDir = mode === "embedded" ? path.dirname((p.target as { dir: string }).dir) : dataDir;
      const env = appEnv(p.target, serverDataDir, {
        EXPORTS_MAX_ACTIVE_PER_USER: "1000",
        EXPORTS_CREATE_PER_MINUTE: "10000",
        LOG_LEVEL: opts.logLevel,
        ...extra,
      });
      const t0 = performance.now();
      server = await startServer(env, await freePort(), path.join(BENCH_DATA, `server-e2e-${mode}.log`), opts.profileDir);
      modeFig.startupSeconds = (performance.now() - t0) / 1000;
      sampler = new TreeSampler(server.process.pid!);
      const auth = { authorization: `Bearer ${p.setup.apiKey}` };
      const ctx: Ctx = {
        server,
        auth,
        sampler,
        storePid: store?.process.pid ?? null,
        pollMs: opts.pollMs,
        measurePostgres:
          driver === "postgres" && ["localhost", "127.0.0.1", "::1", "[::1]"].includes(new URL((p.target as { url: string }).url).hostname),
      };

      // A warm-up request, then idle.
      for (let i = 0; i < 3; i++) await getJson(`${server.url}/api/exports?limit=1`, auth);
      await sleep(2000);
      modeFig.idleAfterStartMb = sampler.mark() / MB;
      modeFig.processes = sampler.names();
      log(
        `  app up in ${modeFig.startupSeconds.toFixed(1)} s; ${modeFig.processes.length} process(es) in its tree; idle RSS after start ${modeFig.idleAfterStartMb.toFixed(0)} MiB`,
      );

      // Every format once on a small project: route code loaded, JIT warm, the runner's first job behind it.
      for (const format of opts.formats) await runExport(ctx, p.setup.warmupProjectId, format);
      // The status poll of the last warm-up export, as the timed runs send it.
      const [last] = (await getJson<{ exports: { id: string }[] }>(`${server.url}/api/exports?limit=1`, auth)).body.exports;
      const idle: number[] = [];
      const idleCpu0 = sampler.cpuMs();
      for (let i = 0; i < 50; i++) {
        const t = performance.now();
        await getJson(`${server.url}/api/exports/${last.id}`, auth);
        idle.push(performance.now() - t);
      }
      const idleCpu1 = sampler.cpuMs();
      modeFig.idlePollCpuMs = idleCpu0 === null || idleCpu1 === null ? null : (idleCpu1 - idleCpu0) / idle.length;
      modeFig.idlePollMedianMs = median(idle);
      modeFig.idleAfterWarmupMb = sampler.mark() / MB;
      log(
        `  warm-up exports done; idle RSS ${modeFig.idleAfterWarmupMb.toFixed(0)} MiB; idle status poll ${modeFig.idlePollMedianMs.toFixed(1)} ms, ${modeFig.idlePollCpuMs?.toFixed(1) ?? "–"} ms server CPU`,
      );

      for (const size of opts.sizes) {
        const project = p.setup.projects.find((x) => x.size === size)!;
        for (const format of opts.formats) {
          if (format === "pdf" && size > opts.pdfMaxRows) continue;
          const runs: E2eRun[] = [];
          let downloadUrl: string | null = null;
          for (let i = 0; i < opts.repeat; i++) {
            const r = await runExport(ctx, project.projectId, format);
            runs.push(r.run);
            downloadUrl ??= r.downloadUrl;
          }
          // The file must be there and whole, or a broken export would look fast.
          const first = runs[0];
          const download = downloadUrl ? await downloadBytes(downloadUrl) : { bytes: 0, status: 0, seconds: 0 };
          const ok = download.status === 200 && download.bytes > 0 && download.bytes === first.bytes;
          if (!ok)
            throw new Error(
              `${mode} ${fmt.n(size)} ${format}: the download gave ${download.status} with ${download.bytes} bytes, the export says ${first.bytes}`,
            );
          const sorted = [...runs].sort((a, b) => a.seconds - b.seconds);
          const mid = sorted[Math.floor((sorted.length - 1) / 2)];
          const fig: E2eFigures = {
            mode,
            driver,
            storage,
            size,
            format,
            rows: mid.records,
            bytes: mid.bytes,
            seconds: median(runs.map((r) => r.seconds)),
            postSeconds: median(runs.map((r) => r.postSeconds)),
            pipelineSeconds: medianOrNull(runs.map((r) => r.pipelineSeconds)),
            queueSeconds: medianOrNull(runs.map((r) => r.queueSeconds)),
            cpuSeconds: medianOrNull(runs.map((r) => r.cpuSeconds)),
            postgresCpuSeconds: medianOrNull(runs.map((r) => r.postgresCpuSeconds)),
            storeCpuSeconds: medianOrNull(runs.map((r) => r.storeCpuSeconds)),
            peakIncreaseMb: median(runs.map((r) => r.peakIncreaseMb)),
            idleAfterMb: median(runs.map((r) => r.idleAfterMb)),
            pollMaxMs: Math.max(...runs.map((r) => r.pollMaxMs)),
            pollP90Ms: median(runs.map((r) => r.pollP90Ms)),
            progressWrites: median(runs.map((r) => r.progressWrites)),
            download: { bytes: download.bytes, ok, seconds: download.seconds },
            runs,
          };
          results.figures.push(fig);
          log(
            `  ${fmt.n(size)} ${format.padEnd(5)} ${fmt.s(fig.seconds)} s (pipeline ${fig.pipelineSeconds === null ? "–" : fmt.s(fig.pipelineSeconds)} s, ` +
              `server CPU ${fig.cpuSeconds === null ? "–" : fmt.s(fig.cpuSeconds)} s${fig.storeCpuSeconds !== null ? `, s3rver CPU ${fmt.s(fig.storeCpuSeconds)} s` : ""}), ` +
              `peak RSS +${fig.peakIncreaseMb.toFixed(0)} MiB, idle after ${fig.idleAfterMb.toFixed(0)} MiB, polls p90 ${fig.pollP90Ms.toFixed(0)} / max ${fig.pollMaxMs.toFixed(0)} ms, ` +
              `${fig.progressWrites} progress writes; ${(fig.bytes / MB).toFixed(1)} MiB downloaded whole` +
              (opts.repeat > 1 ? ` (runs ${runs.map((r) => fmt.s(r.seconds)).join("/")})` : ""),
          );
        }
      }
      modeFig.idleAfterExportsMb = sampler.mark() / MB;
      if (mode === "embedded" && results.figures.some((f) => f.mode === mode && f.size === MILLION)) {
        // The embedded database thread gives its memory back after a quiet 30 s window (db/pglite-thread.ts).
        await sleep(SETTLE_MS);
        modeFig.idleSettledMb = sampler.mark() / MB;
        log(
          `  idle RSS ${SETTLE_MS / 1000} s after the last export: ${modeFig.idleSettledMb.toFixed(0)} MiB (${modeFig.idleAfterExportsMb.toFixed(0)} MiB at once)`,
        );
      }

      if (mode === "embedded" && opts.importMeasurements > 0) {
        log(`  importing ${fmt.n(opts.importMeasurements)} measurements through POST /api/projects …`);
        modeFig.import = await importProjects(ctx, opts.importMeasurements, opts);
        log(
          `  imported in ${fmt.s(modeFig.import.seconds)} s; peak RSS ${modeFig.import.peakMb.toFixed(0)} MiB; idle RSS after ${modeFig.import.idleAfterMb.toFixed(0)} MiB, ${SETTLE_MS / 1000} s later ${modeFig.import.idleSettledMb.toFixed(0)} MiB` +
            (modeFig.import.note ? ` (${modeFig.import.note})` : ""),
        );
      }
    } catch (err) {
      modeFig.error = err instanceof Error ? err.message : String(err);
      log(`  ${mode} failed: ${modeFig.error}`);
    } finally {
      sampler?.stop();
      await server?.stop();
      await store?.stop();
    }
  }
  return results;
}

// ---------------------------------------------------------------------------
// Targets (issue 18) and the comparison with the child-process figures
// ---------------------------------------------------------------------------

export type E2eCheck = { target: string; requirement: string; figure: string; pass: boolean | null };

const MILLION = 1_000_000;
const HUNDRED_K = 100_000;

export function e2eChecks(r: E2eResults): E2eCheck[] {
  const out: E2eCheck[] = [];
  const find = (mode: E2eMode, size: number, format: E2eFormat) =>
    r.figures.find((f) => f.mode === mode && f.size === size && f.format === format);
  const time = (mode: E2eMode, size: number, limit: number, label: string) => {
    const f = find(mode, size, "csv");
    if (f)
      out.push({ target: `CSV ${label}, ${mode}`, requirement: `≤ ${limit} s`, figure: `${fmt.s(f.seconds)} s`, pass: f.seconds <= limit });
  };
  time("embedded", MILLION, 7, "1M");
  time("pg-disk", MILLION, 4, "1M");
  time("embedded", HUNDRED_K, 0.8, "100k");
  for (const format of ["excel", "ost", "json"] as const) {
    const e = find("embedded", MILLION, format);
    const p = find("pg-disk", MILLION, format);
    if (e && p)
      out.push({
        target: `${format === "excel" ? "Excel" : format.toUpperCase()} 1M, embedded vs PostgreSQL + disk`,
        requirement: "≤ 1.5×",
        figure: `${(e.seconds / p.seconds).toFixed(2)}× (${fmt.s(e.seconds)} s vs ${fmt.s(p.seconds)} s)`,
        pass: e.seconds / p.seconds <= 1.5,
      });
  }
  for (const s of r.figures.filter((f) => f.mode === "pg-s3")) {
    const d = find("pg-disk", s.size, s.format);
    if (!d) continue;
    out.push({
      target: `S3 vs disk, ${fmt.n(s.size)} ${s.format}`,
      requirement: "≤ 1.3×",
      figure: `${(s.seconds / d.seconds).toFixed(2)}× (${fmt.s(s.seconds)} s vs ${fmt.s(d.seconds)} s)`,
      pass: s.seconds / d.seconds <= 1.3,
    });
  }
  for (const f of r.figures.filter((x) => x.size === MILLION))
    out.push({
      target: `Peak RSS increase, 1M ${f.format}, ${f.mode}`,
      requirement: "≤ 200 MB",
      figure: `+${f.peakIncreaseMb.toFixed(0)} MiB`,
      pass: f.peakIncreaseMb <= 200,
    });
  const big = r.figures.filter((f) => f.mode === "embedded" && f.size === MILLION);
  const settled = r.modes.find((m) => m.mode === "embedded" && !m.error)?.idleSettledMb ?? null;
  if (big.length) {
    const worst = Math.max(...big.map((f) => f.idleAfterMb));
    out.push({
      target: "Embedded idle RSS after a 1M export",
      requirement: "≤ 400 MB",
      figure:
        settled === null
          ? `${worst.toFixed(0)} MiB (the highest ${IDLE_AFTER_MS / 1000} s after any 1M export)`
          : `${settled.toFixed(0)} MiB ${SETTLE_MS / 1000} s after the last (${worst.toFixed(0)} MiB at most ${IDLE_AFTER_MS / 1000} s after one)`,
      pass: (settled ?? worst) <= 400,
    });
  }
  const emb = r.modes.find((m) => m.mode === "embedded" && !m.error);
  if (emb?.import)
    out.push({
      target: `Embedded idle RSS after a ${fmt.n(emb.import.measurements)}-measurement import`,
      requirement: "(reported, issue 18 part 4)",
      figure: `${emb.import.idleAfterMb.toFixed(0)} MiB, ${SETTLE_MS / 1000} s later ${emb.import.idleSettledMb?.toFixed(0) ?? "–"} MiB (after start ${emb.idleAfterStartMb.toFixed(0)} MiB)`,
      pass: null,
    });
  return out;
}

/** What the child-process part (bench/run.ts exportBench) measured, per driver, size and format. */
export type ChildFigure = {
  driver: string;
  size: number;
  format: string;
  rows: number;
  seconds: number;
  cpuSeconds?: number;
  rssIncreaseMb: number;
  measuredAt?: string;
};

export type E2eComparison = {
  mode: E2eMode;
  size: number;
  format: E2eFormat;
  e2eSeconds: number;
  childSeconds: number;
  ratio: number;
  /** The export's own started → completed in the server, against the child's start → finish. */
  pipelineRatio: number | null;
  cpuRatio: number | null;
  peakRssE2eMb: number;
  peakRssChildMb: number;
  flagged: boolean;
  e2eMeasuredAt?: string;
  childMeasuredAt?: string;
};

export function compareWithChild(r: E2eResults, child: ChildFigure[]): E2eComparison[] {
  const out: E2eComparison[] = [];
  for (const f of r.figures) {
    const c = child.find((x) => x.driver === f.driver && x.size === f.size && x.format === f.format && x.rows === x.size);
    if (!c) continue;
    const ratio = f.seconds / c.seconds;
    out.push({
      mode: f.mode,
      size: f.size,
      format: f.format,
      e2eSeconds: f.seconds,
      childSeconds: c.seconds,
      ratio,
      pipelineRatio: f.pipelineSeconds === null ? null : f.pipelineSeconds / c.seconds,
      cpuRatio: f.cpuSeconds === null || !c.cpuSeconds ? null : f.cpuSeconds / c.cpuSeconds,
      peakRssE2eMb: f.peakIncreaseMb,
      peakRssChildMb: c.rssIncreaseMb,
      flagged: ratio > 1.3,
      e2eMeasuredAt: f.measuredAt,
      childMeasuredAt: c.measuredAt,
    });
  }
  return out;
}

// ---------------------------------------------------------------------------
// Partial runs add up: figures of modes, sizes and formats not run this time come from earlier runs.
// ---------------------------------------------------------------------------

const LATEST_E2E = path.join(BENCH_DATA, "e2e-latest.json");
const LATEST_CHILD = path.join(BENCH_DATA, "exports-latest.json");

function readJsonFile<T>(file: string): T | null {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as T;
  } catch {
    return null;
  }
}

/** This run's end-to-end figures over the latest earlier ones of the same mode, size and format; saved for the next run. */
export function mergeE2e(run: E2eResults, measuredAt: string): E2eResults {
  const earlier = readJsonFile<E2eResults>(LATEST_E2E) ?? { modes: [], figures: [] };
  const mine = run.figures.map((f) => ({ ...f, measuredAt }));
  const modes = run.modes.map((m) => ({ ...m, measuredAt }));
  const merged: E2eResults = {
    modes: [...earlier.modes.filter((m) => !modes.some((x) => x.mode === m.mode)), ...modes].sort(
      (a, b) => E2E_MODES.indexOf(a.mode) - E2E_MODES.indexOf(b.mode),
    ),
    figures: [
      ...earlier.figures.filter((f) => !mine.some((x) => x.mode === f.mode && x.size === f.size && x.format === f.format)),
      ...mine,
    ].sort(
      (a, b) =>
        E2E_MODES.indexOf(a.mode) - E2E_MODES.indexOf(b.mode) ||
        a.size - b.size ||
        E2E_FORMATS.indexOf(a.format) - E2E_FORMATS.indexOf(b.format),
    ),
  };
  fs.writeFileSync(LATEST_E2E, JSON.stringify(merged, null, 2));
  return merged;
}

/** Likewise for the child-process export figures the comparison needs. */
export function mergeChild(run: ChildFigure[], measuredAt: string): ChildFigure[] {
  const earlier = readJsonFile<ChildFigure[]>(LATEST_CHILD) ?? [];
  const mine = run.map((f) => ({ ...f, measuredAt }));
  const merged = [
    ...earlier.filter((f) => !mine.some((x) => x.driver === f.driver && x.size === f.size && x.format === f.format)),
    ...mine,
  ];
  fs.writeFileSync(LATEST_CHILD, JSON.stringify(merged, null, 2));
  return merged;
}
