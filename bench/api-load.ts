/**
 * API latency and throughput of the built app (`next start`): prepares the
 * database (bench/api-setup.ts), starts the server on a free port, and runs
 * autocannon against it with an API key — 32 connections, ~10 s per endpoint —
 * then times POST → completed for a 1,000-measurement CSV export by polling
 * GET /api/exports/{id} every 10 ms.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import autocannon, { type Result } from "autocannon";
import type { ApiSetup } from "./api-setup";
import { appEnv, freePort, ROOT, runTs, tail, type Target } from "./common";

export type LoadFigures = {
  connections: number;
  seconds: number;
  requests: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  statusCodes: Record<string, number>;
  errors: number;
  timeouts: number;
  /** CPU time per request of the app's process, and of PostgreSQL's processes when the server runs on this machine (Linux /proc). */
  cpuMsPerRequest: { app: number | null; postgres: number | null };
};

export type ApiFigures = {
  driver: string;
  setupSeconds: number;
  startupSeconds: number;
  exportsForUser: number;
  exportsTotal: number;
  list: LoadFigures;
  get: LoadFigures;
  create: LoadFigures & { created: number; deduplicated: number };
  postToCompleted: { rows: number; runsMs: number[]; medianMs: number; p90Ms: number };
  explain: ApiSetup["explain"];
};

export type ApiOptions = {
  connections: number;
  duration: number;
  timingRuns: number;
  log: (line: string) => void;
  logFile: string;
  /** Run the app under --cpu-prof; the profile is written to this folder when it stops. */
  profileDir?: string;
};

// ---------------------------------------------------------------------------
// Build
// ---------------------------------------------------------------------------

const SOURCE_ENTRIES = [
  "app",
  "components",
  "lib",
  "db",
  "inngest",
  "public",
  "assets",
  "instrumentation.ts",
  "next.config.js",
  "postcss.config.mjs",
  "package.json",
  "package-lock.json",
  "tsconfig.json",
];

function newestMtime(entry: string): number {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(entry);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const child of fs.readdirSync(entry)) newest = Math.max(newest, newestMtime(path.join(entry, child)));
  return newest;
}

/** Runs `next build` when .next is missing or older than any source file. Returns the build's seconds (0 when fresh). */
export async function ensureBuild(
  log: (line: string) => void,
  logFile: string,
): Promise<{ built: boolean; seconds: number; reason: string }> {
  const buildId = path.join(ROOT, ".next", "BUILD_ID");
  const builtAt = fs.existsSync(buildId) ? fs.statSync(buildId).mtimeMs : 0;
  const sources = Math.max(...SOURCE_ENTRIES.map((e) => newestMtime(path.join(ROOT, e))));
  if (builtAt && builtAt >= sources) return { built: false, seconds: 0, reason: "up to date" };
  const reason = builtAt ? "sources changed since the last build" : "no build yet";
  log(`  next build (${reason}) …`);
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, "node_modules", "next", "dist", "bin", "next"), "build"], {
      cwd: ROOT,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      fs.appendFileSync(logFile, `--- next build\n${out}`);
      if (code === 0) resolve();
      else reject(new Error(`next build failed (${code}):\n${tail(out, 40)}`));
    });
  });
  return { built: true, seconds: (performance.now() - started) / 1000, reason };
}

// ---------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------

export type Server = { url: string; process: ChildProcess; stop(): Promise<void> };

export async function startServer(env: NodeJS.ProcessEnv, port: number, logFile: string, profileDir?: string): Promise<Server> {
  const url = `http://127.0.0.1:${port}`;
  const nodeFlags = profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn(
    process.execPath,
    [...nodeFlags, path.join(ROOT, "node_modules", "next", "dist", "bin", "next"), "start", "-p", String(port), "-H", "127.0.0.1"],
    {
      cwd: ROOT,
      env: { ...env, APP_URL: url, NEXT_TELEMETRY_DISABLED: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const log = fs.createWriteStream(logFile, { flags: "a" });
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  let exited: number | null = null;
  child.on("exit", (code) => (exited = code ?? -1));

  const stop = async () => {
    if (exited !== null) return;
    const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await gone;
    clearTimeout(timer);
  };

  const deadline = Date.now() + 120_000;
  for (;;) {
    if (exited !== null) throw new Error(`next start exited with ${exited}; see ${path.relative(ROOT, logFile)}`);
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the app did not become healthy within 120 s; see ${path.relative(ROOT, logFile)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, process: child, stop };
}

// ---------------------------------------------------------------------------
// Load
// ---------------------------------------------------------------------------

// ---------------------------------------------------------------------------
// CPU accounting (Linux): where the time of a request goes, independent of what else the machine runs.
// ---------------------------------------------------------------------------

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** utime + stime of a process in ms, or null when /proc is not there. */
export function processCpuMs(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond();
  } catch {
    return null;
  }
}

/** CPU ms of every process called `postgres` (the server and its backends), or null without /proc. */
export function postgresCpuMs(): number | null {
  let dirs: string[];
  try {
    dirs = fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  } catch {
    return null;
  }
  let total = 0;
  let found = false;
  for (const d of dirs) {
    try {
      if (fs.readFileSync(`/proc/${d}/comm`, "utf8").trim() !== "postgres") continue;
      const ms = processCpuMs(Number(d));
      if (ms !== null) {
        total += ms;
        found = true;
      }
    } catch {
      // gone meanwhile
    }
  }
  return found ? total : null;
}

function figures(r: Result, connections: number, cpu: LoadFigures["cpuMsPerRequest"]): LoadFigures {
  const statusCodes: Record<string, number> = {};
  for (const [code, v] of Object.entries(r.statusCodeStats ?? {})) statusCodes[code] = Number(v.count);
  return {
    connections,
    seconds: r.duration,
    requests: r.requests.total,
    requestsPerSecond: r.requests.average,
    latencyMs: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max, mean: r.latency.mean },
    statusCodes,
    errors: r.errors,
    timeouts: r.timeouts,
    cpuMsPerRequest: cpu,
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

async function postToCompleted(url: string, headers: Record<string, string>, documentId: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${url}/api/documents/${documentId}/export`, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body: JSON.stringify({ format: "csv" }),
  });
  const body = (await res.json()) as { export_id?: string; error?: unknown };
  if (res.status !== 202 || !body.export_id) throw new Error(`POST export answered ${res.status}: ${JSON.stringify(body)}`);
  for (;;) {
    const r = await fetch(`${url}/api/exports/${body.export_id}`, { headers });
    const e = (await r.json()) as { status: string; error_message?: string };
    if (e.status === "completed") return performance.now() - t0;
    if (e.status === "failed" || e.status === "cancelled") throw new Error(`export ${body.export_id} ${e.status}: ${e.error_message}`);
    if (performance.now() - t0 > 60_000) throw new Error(`export ${body.export_id} did not complete within 60 s`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function runApiBench(target: Target, dataDir: string, opts: ApiOptions): Promise<ApiFigures> {
  const { log } = opts;
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true });
  // Creations are throttled by neither the active-export limit nor the per-minute one; the runner still runs them (2 at a time).
  const env = appEnv(target, dataDir, { EXPORTS_MAX_ACTIVE_PER_USER: "10000", EXPORTS_CREATE_PER_MINUTE: "100000" });

  log(`  preparing the database (API key, 10,000 exports of the user, 20,000 of others) …`);
  const setup = await runTs<ApiSetup>(path.join(ROOT, "bench", "api-setup.ts"), [], env, { logFile: opts.logFile });
  const s = setup.result;

  const started = performance.now();
  const server = await startServer(
    env,
    await freePort(),
    path.join(path.dirname(opts.logFile), `server-${target.driver}.log`),
    opts.profileDir,
  );
  const startupSeconds = (performance.now() - started) / 1000;
  log(`  app up at ${server.url} in ${startupSeconds.toFixed(1)} s`);
  const auth = { authorization: `Bearer ${s.apiKey}` };

  try {
    const pid = server.process.pid!;
    const measurePostgres =
      target.driver === "postgres" && ["localhost", "127.0.0.1", "::1", "[::1]"].includes(new URL(target.url).hostname);
    const run = async (name: string, o: Parameters<typeof autocannon>[0], duration = opts.duration) => {
      const app0 = processCpuMs(pid);
      const pg0 = measurePostgres ? postgresCpuMs() : null;
      const r = await autocannon({
        connections: opts.connections,
        duration,
        timeout: 30,
        ...o,
        headers: { ...auth, ...(o.headers ?? {}) },
      });
      const app1 = processCpuMs(pid);
      const pg1 = measurePostgres ? postgresCpuMs() : null;
      const per = (a: number | null, b: number | null) =>
        a === null || b === null || r.requests.total === 0 ? null : (b - a) / r.requests.total;
      const f = figures(r, opts.connections, { app: per(app0, app1), postgres: per(pg0, pg1) });
      if (duration >= opts.duration) {
        const cpu = f.cpuMsPerRequest;
        log(
          `  ${name}: ${f.requestsPerSecond.toFixed(0)} req/s, p50 ${f.latencyMs.p50} ms, p99 ${f.latencyMs.p99} ms, status ${JSON.stringify(f.statusCodes)}` +
            `${f.errors ? `, ${f.errors} errors` : ""}${cpu.app !== null ? `; CPU/request: app ${cpu.app.toFixed(1)} ms${cpu.postgres !== null ? `, PostgreSQL ${cpu.postgres.toFixed(1)} ms` : ""}` : ""}`,
        );
      }
      return f;
    };

    const listUrl = `${server.url}/api/exports?limit=20`;
    const getUrl = `${server.url}/api/exports/${s.completedExportId}`;
    // Warm-up: route bundles load and JIT on first use.
    await run("warm-up list", { url: listUrl }, 2);
    await run("warm-up get", { url: getUrl }, 2);
    const list = await run("GET /api/exports?limit=20", { url: listUrl });
    const get = await run("GET /api/exports/{id}", { url: getUrl });

    // POST → completed before the creation load, whose exports would queue ahead of it.
    log(`  POST → completed, ${s.timingDocumentRows}-row CSV, ${opts.timingRuns} runs …`);
    await postToCompleted(server.url, auth, s.timingDocumentId); // warm-up
    const runsMs: number[] = [];
    for (let i = 0; i < opts.timingRuns; i++) runsMs.push(await postToCompleted(server.url, auth, s.timingDocumentId));
    log(`  POST → completed: median ${median(runsMs).toFixed(0)} ms (runs: ${runsMs.map((v) => v.toFixed(0)).join(", ")})`);

    // Creation load: every request asks for a different condition subset, so none is an identical in-flight duplicate.
    const ids = s.loadConditionIds;
    let n = 0;
    const createUrl = `${server.url}/api/documents/${s.loadDocumentId}/export`;
    const create = await run("POST /api/documents/{id}/export", {
      url: createUrl,
      requests: [
        {
          method: "POST",
          path: `/api/documents/${s.loadDocumentId}/export`,
          headers: { ...auth, "content-type": "application/json" },
          setupRequest: (req) => {
            n++;
            // The bits of n (from 1): a different non-empty subset for each of the first 2^20 − 1 requests.
            const subset = ids.filter((_, i) => (n >> i) & 1);
            return { ...req, body: JSON.stringify({ format: "csv", options: { condition_ids: subset }, name: `Load ${n}` }) };
          },
        },
      ],
    });

    return {
      driver: s.driver,
      setupSeconds: setup.seconds,
      startupSeconds,
      exportsForUser: s.exportsForUser,
      exportsTotal: s.exportsTotal,
      list,
      get,
      create: { ...create, created: create.statusCodes["202"] ?? 0, deduplicated: create.statusCodes["200"] ?? 0 },
      postToCompleted: { rows: s.timingDocumentRows, runsMs, medianMs: median(runsMs), p90Ms: percentile(runsMs, 90) },
      explain: s.explain,
    };
  } finally {
    await server.stop();
  }
}
