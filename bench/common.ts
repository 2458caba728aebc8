/** Helpers the benchmark scripts share: child processes, environments, databases, formatting. */
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "..");
export const BENCH_DATA = path.join(ROOT, "bench", ".data");
export const APP_SECRET = "bench-secret-bench-secret-bench-secret-0123456789";

export type Target = { driver: "postgres"; url: string } | { driver: "pglite"; dir: string };

/** Variables of lib/env.ts that must not leak from the caller's shell into a benchmark process. */
const APP_VARS =
  /^(DATABASE_URL|DATABASE_POOL_SIZE|PGLITE_DIR|DATA_DIR|EXPORTS_DIR|S3_.*|INNGEST_.*|EXPORTS?_.*|PDF_MAX_ROWS|TEST_FAULTS|SEED_DEMO|APP_URL|APP_SECRET|LOG_LEVEL|NODE_ENV)$/;

/** The environment of a process working on `target`, with storage on local disk under `dataDir`. */
export function appEnv(target: Target, dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !APP_VARS.test(k)));
  return {
    ...base,
    NODE_ENV: "production",
    LOG_LEVEL: "warn",
    APP_SECRET,
    SEED_DEMO: "false",
    DATA_DIR: dataDir,
    EXPORTS_DIR: path.join(dataDir, "exports"),
    ...(target.driver === "postgres" ? { DATABASE_URL: target.url } : { PGLITE_DIR: target.dir }),
    ...extra,
  };
}

export type ChildRun<T> = { result: T; stderr: string; seconds: number };

/**
 * Runs a TypeScript file in a fresh Node process (tsx loader) and returns the
 * JSON after its `BENCH_RESULT ` line. Node flags (e.g. --cpu-prof) go first.
 */
export function runTs<T>(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  opts: { nodeFlags?: string[]; logFile?: string } = {},
): Promise<ChildRun<T>> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(opts.nodeFlags ?? []), "--import", "tsx", script, ...args], {
      cwd: ROOT,
      env: { ...env, TSX_TSCONFIG_PATH: path.join(ROOT, "tsconfig.json") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (opts.logFile) fs.appendFileSync(opts.logFile, `--- ${script} ${args.join(" ")}\n${stdout}${stderr}`);
      // Bench children mark their result; the seed CLI prints a bare JSON line with --json.
      const lines = stdout.split("\n");
      const marked = lines.find((l) => l.startsWith("BENCH_RESULT "));
      const json = marked ? marked.slice("BENCH_RESULT ".length) : lines.findLast((l) => l.startsWith("{"));
      if (code !== 0 || !json) {
        reject(new Error(`${path.relative(ROOT, script)} exited with ${code}:\n${tail(stderr || stdout, 30)}`));
        return;
      }
      resolve({ result: JSON.parse(json) as T, stderr, seconds: (performance.now() - started) / 1000 });
    });
  });
}

export function tail(text: string, lines: number): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * The benchmark's own database on the server of BENCH_DATABASE_URL: the URL's
 * database when its name contains "bench", else `takeoff_bench` on that
 * server (the API test uses a second one, with `_api` appended). Any other
 * database (the test suite's `test`, the app's own) is never touched.
 */
export function benchDatabaseUrl(serverUrl: string, suffix = ""): { url: string; adminUrl: string; name: string } {
  const u = new URL(serverUrl);
  const given = decodeURIComponent(u.pathname.replace(/^\//, ""));
  const name = (given.includes("bench") ? given : "takeoff_bench") + suffix;
  const admin = new URL(serverUrl);
  admin.pathname = "/postgres";
  const bench = new URL(serverUrl);
  bench.pathname = `/${encodeURIComponent(name)}`;
  return { url: bench.toString(), adminUrl: admin.toString(), name };
}

/** Creates the benchmark database when missing and empties it (it belongs to the benchmark alone). */
export async function resetBenchDatabase(serverUrl: string, suffix = ""): Promise<string> {
  const { default: postgres } = await import("postgres");
  const { url, adminUrl, name } = benchDatabaseUrl(serverUrl, suffix);
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    const [exists] = await admin`select 1 as ok from pg_database where datname = ${name}`;
    if (!exists) await admin.unsafe(`create database "${name.replace(/"/g, '""')}"`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe("drop schema if exists drizzle cascade; drop schema if exists public cascade; create schema public;");
  } finally {
    await sql.end({ timeout: 5 });
  }
  return url;
}

export async function postgresReachable(serverUrl: string): Promise<string | null> {
  const { default: postgres } = await import("postgres");
  const sql = postgres(benchDatabaseUrl(serverUrl).adminUrl, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    await sql`select 1`;
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    await sql.end({ timeout: 2 }).catch(() => {});
  }
}

export function redactUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = "***";
  return u.toString();
}

export const fmt = {
  n: (v: number, digits = 0) => v.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }),
  s: (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)),
};

/** A plain-text table (markdown-compatible). */
export function table(head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [line(cells[0]), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...cells.slice(1).map(line)].join("\n");
}
