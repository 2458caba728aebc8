/**
 * Before/after for GET /api/exports?limit=20 on a shared machine: one
 * database prepared once (bench/api-setup.ts), then builds of the app started
 * in turn — alternating, several rounds — each warmed up for 3 s and loaded
 * with autocannon (32 connections). Beside p50/p99/max and req/s it prints the
 * CPU ms per request of the app's process tree, of the PostgreSQL backends of
 * the database it uses and of autocannon itself: latency moves with whatever
 * else the machine runs, CPU per request much less.
 *
 *   npx tsx --tsconfig tsconfig.json bench/api-compare.ts --mode postgres|pglite \
 *     --variant 'before|/tmp/before' --variant 'after|.' [--variant 'semi16|.|--max-semi-space-size=16'] \
 *     [--rounds 3] [--duration 10] [--reuse] [--profile]
 *
 * A variant is `name|app directory|node flags|start script`: the directory
 * holds a built app (`.next`, and node_modules or a link to them; a copy of
 * `.next` from an older commit beside links to this tree's other entries is
 * enough); the start script defaults to `next start`, or is a file run with
 * node there (a cluster wrapper). PostgreSQL uses `…_api_compare` beside the
 * benchmark's database (see bench/README.md) and empties it unless --reuse.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import type { ApiSetup } from "./api-setup";
import { appEnv, BENCH_DATA, benchDatabaseUrl, freePort, resetBenchDatabase, ROOT, runTs, type Target } from "./common";

const { values: args } = parseArgs({
  options: {
    mode: { type: "string", default: "postgres" },
    duration: { type: "string", default: "10" },
    rounds: { type: "string", default: "3" },
    variant: { type: "string", multiple: true },
    connections: { type: "string", default: "32" },
    reuse: { type: "boolean", default: false },
    profile: { type: "boolean", default: false },
  },
});

const OUT = path.join(BENCH_DATA, "api-compare");
const SERVER_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const TICKS_PER_SECOND = 100;

type Proc = { pid: number; ppid: number; comm: string };

function processes(): Proc[] {
  const out: Proc[] = [];
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      out.push({ pid: Number(d), ppid: Number(fields[1]), comm: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")) });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function cpuMs(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** CPU ms of a process and all its descendants (a cluster's workers). */
function treeCpuMs(root: number): number {
  const children = new Map<number, number[]>();
  for (const p of processes()) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  let total = 0;
  for (const stack = [root]; stack.length;) {
    const pid = stack.pop()!;
    total += cpuMs(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}

/** CPU ms of the PostgreSQL backends connected to one database (their command line names it). */
function backendCpuMs(database: string): number {
  let total = 0;
  for (const p of processes()) {
    if (p.comm !== "postgres") continue;
    try {
      if (fs.readFileSync(`/proc/${p.pid}/cmdline`, "utf8").split(" ").includes(database)) total += cpuMs(p.pid);
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

type Variant = { name: string; dir: string; nodeFlags: string[]; script: string };

function parseVariant(spec: string): Variant {
  const [name, dir = ".", flags = "", script = ""] = spec.split("|");
  return { name, dir: path.resolve(dir), nodeFlags: flags ? flags.split(" ") : [], script };
}

async function startApp(v: Variant, env: NodeJS.ProcessEnv) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const profile = args.profile ? ["--cpu-prof", `--cpu-prof-dir=${path.join(OUT, "profiles", v.name)}`] : [];
  const entry = v.script ? path.join(v.dir, v.script) : path.join(v.dir, "node_modules", "next", "dist", "bin", "next");
  const child = spawn(
    process.execPath,
    [...profile, ...v.nodeFlags, entry, ...(v.script ? [] : ["start"]), "-p", String(port), "-H", "127.0.0.1"],
    { cwd: v.dir, env: { ...env, APP_URL: url, NEXT_TELEMETRY_DISABLED: "1" }, stdio: ["ignore", "pipe", "pipe"] },
  );
  const log = fs.createWriteStream(path.join(OUT, `server-${v.name}.log`), { flags: "a" });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  let exited = false;
  child.on("exit", () => (exited = true));
  const stop = async () => {
    if (exited) return;
    const gone = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await gone;
    clearTimeout(timer);
  };
  for (const deadline = Date.now() + 120_000; ;) {
    if (exited) throw new Error(`${v.name} exited; see ${path.relative(ROOT, OUT)}/server-${v.name}.log`);
    try {
      if ((await fetch(`${url}/api/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${v.name} did not become healthy within 120 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { url, pid: child.pid!, stop };
}

async function main() {
  const variants = (args.variant ?? ["current|."]).map(parseVariant);
  const dataDir = path.join(OUT, args.mode!);
  const database = benchDatabaseUrl(SERVER_URL, "_api_compare");
  const target: Target =
    args.mode === "postgres" ? { driver: "postgres", url: database.url } : { driver: "pglite", dir: path.join(dataDir, "pglite") };
  const env = appEnv(target, dataDir);
  const setupFile = path.join(OUT, `setup-${args.mode}.json`);
  let setup: ApiSetup;
  if (args.reuse && fs.existsSync(setupFile)) setup = JSON.parse(fs.readFileSync(setupFile, "utf8")) as ApiSetup;
  else {
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.mkdirSync(dataDir, { recursive: true });
    if (target.driver === "postgres") await resetBenchDatabase(SERVER_URL, "_api_compare");
    setup = (await runTs<ApiSetup>(path.join(ROOT, "bench", "api-setup.ts"), [], env)).result;
    fs.writeFileSync(setupFile, JSON.stringify(setup));
  }
  const headers = { authorization: `Bearer ${setup.apiKey}` };
  const loadavg = () => fs.readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  console.log(`${args.mode}: ${variants.map((v) => v.name).join(" / ")}, load average ${loadavg()}`);

  for (let round = 0; round < Number(args.rounds); round++) {
    for (const v of round % 2 ? [...variants].reverse() : variants) {
      const app = await startApp(v, env);
      try {
        const url = `${app.url}/api/exports?limit=20`;
        await autocannon({ url, connections: Number(args.connections), duration: 3, headers });
        const own0 = process.cpuUsage();
        const app0 = treeCpuMs(app.pid);
        const pg0 = target.driver === "postgres" ? backendCpuMs(database.name) : 0;
        const r = await autocannon({ url, connections: Number(args.connections), duration: Number(args.duration), headers, timeout: 30 });
        const n = r.requests.total;
        const own = process.cpuUsage(own0);
        const perRequest = (ms: number) => Number((ms / n).toFixed(2));
        const row = {
          rps: Math.round(r.requests.average),
          p50: r.latency.p50,
          p99: r.latency.p99,
          max: r.latency.max,
          appCpu: perRequest(treeCpuMs(app.pid) - app0),
          pgCpu: target.driver === "postgres" ? perRequest(backendCpuMs(database.name) - pg0) : null,
          loadCpu: perRequest((own.user + own.system) / 1000),
          non2xx: r.non2xx,
        };
        console.log(`round ${round} ${v.name.padEnd(10)} ${JSON.stringify(row)}  load ${loadavg()}`);
      } finally {
        await app.stop();
      }
    }
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
