// Operations (SPEC §15), against the built app started as operators start it:
// a configuration that cannot serve stops start-up naming the variable, and a
// server killed with SIGKILL — not yet reaped — starts again at once on the
// same data directory and ends the export it was running.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";

const NEXT = path.resolve("node_modules/.bin/next");
const SEED = ["--import", "tsx", path.resolve("scripts/seed.ts")];
const ROUNDS = Number(process.env.E2E_CRASH_ROUNDS ?? 3);
const SECRET = "operations-test-secret-0123456789abcdef";
/** Ports of the servers these tests start, beside the suite's own (E2E_PORT, default 3100). */
const PORT_BASE = Number(process.env.E2E_PORT ?? 3100);

/** The server's environment: only what a deployment would set, nothing from this test process's own configuration. */
function serverEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const keep = ["PATH", "HOME", "LANG", "TMPDIR"];
  const base = Object.fromEntries(keep.filter((k) => process.env[k]).map((k) => [k, process.env[k]!]));
  return { ...base, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", LOG_LEVEL: "warn", ...extra };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts `next start` as a direct child and waits for it to exit; records every HTTP answer it gave meanwhile. */
async function startExpectingExit(port: number, env: Record<string, string>) {
  const child = spawn(NEXT, ["start", "-p", String(port)], { env: serverEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const answers: number[] = [];
  let done = false;
  void exited.then(() => (done = true));
  const timeout = setTimeout(() => child.kill("SIGKILL"), 60_000);
  while (!done) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/health`, { signal: AbortSignal.timeout(1_000) });
      answers.push(res.status);
    } catch {
      // not listening yet, or the request was never answered
    }
    await sleep(100);
  }
  clearTimeout(timeout);
  return { code: await exited, output, answers };
}

async function waitForHealth(port: number, child?: ChildProcess, timeoutMs = 90_000): Promise<Response> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`the server exited (${child.exitCode})`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/health`, { signal: AbortSignal.timeout(5_000) });
      if (res.status === 200 || res.status === 503) return res;
    } catch {
      // starting
    }
    if (Date.now() > until) throw new Error(`no health answer on port ${port} after ${timeoutMs} ms`);
    await sleep(200);
  }
}

/** /proc/PID/stat's state letter, or null when there is no such process. */
function procState(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0] ?? null;
  } catch {
    return null;
  }
}

test.describe("start-up configuration", () => {
  const unreachablePg = "postgres://nobody@127.0.0.1:1/none";
  const cases: { name: string; env: Record<string, string>; line: RegExp }[] = [
    {
      name: "DATABASE_URL without APP_SECRET",
      env: { DATABASE_URL: unreachablePg, APP_URL: "https://takeoff.example.com" },
      line: /^ {2}APP_SECRET: required in production/m,
    },
    {
      name: "a short APP_SECRET",
      env: { DATABASE_URL: unreachablePg, APP_SECRET: "too-short" },
      line: /^ {2}APP_SECRET: must be at least 32 characters/m,
    },
    {
      name: "DATABASE_URL without APP_URL",
      env: { DATABASE_URL: unreachablePg, APP_SECRET: SECRET },
      line: /^ {2}APP_URL: required in production/m,
    },
    {
      name: "an S3 key without its secret",
      env: { S3_BUCKET: "exports", S3_ACCESS_KEY_ID: "id" },
      line: /^ {2}S3_SECRET_ACCESS_KEY: required when S3_ACCESS_KEY_ID is set/m,
    },
    {
      name: "an Inngest event key without its signing key",
      env: { INNGEST_EVENT_KEY: "evt" },
      line: /^ {2}INNGEST_SIGNING_KEY: required with INNGEST_EVENT_KEY/m,
    },
  ];

  cases.forEach((c, i) => {
    test(`${c.name}: exits non-zero naming the variable, having answered no request`, async () => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "startup-config-"));
      try {
        const { code, output, answers } = await startExpectingExit(PORT_BASE + 10 + i, { DATA_DIR: dataDir, ...c.env });
        expect(code, output).not.toBe(0);
        expect(output).toContain("Takeoff Exports could not start");
        expect(output).toMatch(c.line);
        expect(answers, "a server that cannot serve answers no request").toEqual([]);
      } finally {
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });

  test("a complete production configuration on PostgreSQL starts; health and sign-up answer 200", async () => {
    const pg = process.env.TEST_DATABASE_URL;
    test.skip(!pg, "TEST_DATABASE_URL is not set");
    const port = PORT_BASE + 20;
    const base = `http://127.0.0.1:${port}`;
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "startup-ok-"));
    const child = spawn(NEXT, ["start", "-p", String(port)], {
      env: serverEnv({ DATABASE_URL: pg!, APP_SECRET: SECRET, APP_URL: base, DATA_DIR: dataDir, SEED_DEMO: "false" }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stderr!.on("data", (c: Buffer) => (output += c.toString()));
    try {
      const health = await waitForHealth(port, child);
      expect(health.status, output).toBe(200);
      expect(await health.json()).toMatchObject({ status: "ok", node: expect.stringMatching(/^\d+\.\d+\.\d+$/), auth: { ok: true } });
      const signUp = await fetch(`${base}/api/auth/sign-up/email`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: base },
        body: JSON.stringify({ email: `ops-${Date.now()}@e2e.test`, password: "e2e-password-1", name: "Ops" }),
      });
      expect(signUp.status, await signUp.clone().text()).toBe(200);
    } finally {
      child.kill("SIGTERM");
      if (child.exitCode === null) await new Promise((r) => child.once("exit", r));
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

test.describe("crash and restart", () => {
  test.skip(!fs.existsSync("/proc/self/stat"), "needs /proc to see a process that is not yet reaped");

  test(`a server killed with SIGKILL mid-export and not yet reaped starts again at once; the export ends (${ROUNDS} rounds)`, async () => {
    test.setTimeout(120_000 + ROUNDS * 120_000);
    const port = PORT_BASE + 30;
    const base = `http://127.0.0.1:${port}`;
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "crash-restart-"));
    const logFile = path.join(dataDir, "server.log");
    const email = "crash@e2e.test";
    const password = "crash-password-1";
    // A project large enough that an Excel export is still running when the server is killed.
    const seeded = execFileSync(
      process.execPath,
      [
        ...SEED,
        "--measurements",
        "60000",
        "--email",
        email,
        "--password",
        password,
        "--pglite-dir",
        path.join(dataDir, "pglite"),
        "--data-dir",
        dataDir,
        "--json",
      ],
      { env: serverEnv({ DATA_DIR: dataDir }), encoding: "utf8" },
    );
    expect(JSON.parse(seeded.trim().split("\n").at(-1)!)).toMatchObject({ driver: "pglite" });

    // Each server runs in a session of its own whose parent is a `sleep` that never reaps it, as
    // when a supervisor's child is re-parented: once killed, it stays a zombie.
    const parents: ChildProcess[] = [];
    const servers: number[] = [];
    const startDetached = async () => {
      const parent = spawn("bash", ["-c", `setsid ${NEXT} start -p ${port} >> ${logFile} 2>&1 & echo $!; exec sleep 3600`], {
        env: serverEnv({ DATA_DIR: dataDir, APP_URL: base, SEED_DEMO: "false", EXPORTS_RETRY_DELAY_MS: "200" }),
        stdio: ["ignore", "pipe", "ignore"],
      });
      parents.push(parent);
      const pid = await new Promise<number>((resolve) => parent.stdout!.once("data", (c: Buffer) => resolve(Number(c.toString().trim()))));
      servers.push(pid);
      return pid;
    };
    const log = () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8").slice(-4000) : "");

    let cookie = "";
    const api = async (method: string, url: string, body?: unknown) => {
      const res = await fetch(`${base}${url}`, {
        method,
        headers: { cookie, origin: base, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, json: (await res.json().catch(() => null)) as Record<string, unknown> | null, res };
    };

    try {
      let pid = await startDetached();
      expect((await waitForHealth(port)).status, log()).toBe(200);
      const signIn = await api("POST", "/api/auth/sign-in/email", { email, password });
      expect(signIn.status).toBe(200);
      cookie = signIn.res.headers
        .getSetCookie()
        .map((c) => c.split(";")[0])
        .join("; ");
      const projects = await api("GET", "/api/projects");
      const projectId = (projects.json!.projects as { id: string }[])[0]!.id;

      for (let round = 1; round <= ROUNDS; round++) {
        const created = await api("POST", `/api/projects/${projectId}/export`, { format: "excel", name: `Crash round ${round}` });
        expect(created.status, JSON.stringify(created.json)).toBe(202);
        const id = created.json!.export_id as string;
        // Kill the server while the export is running.
        for (let i = 0; ; i++) {
          const got = await api("GET", `/api/exports/${id}`);
          if (got.json!.status === "processing" && Number(got.json!.progress) > 0) break;
          expect(i, `round ${round}: the export never got going: ${JSON.stringify(got.json)}`).toBeLessThan(600);
          await sleep(50);
        }
        process.kill(-pid, "SIGKILL");
        for (let i = 0; procState(pid) !== "Z" && procState(pid) !== null; i++) {
          expect(i).toBeLessThan(100);
          await sleep(20);
        }
        expect(procState(pid), "the killed server is a zombie: its parent has not reaped it").toBe("Z");

        pid = await startDetached();
        const health = await waitForHealth(port);
        expect(health.status, `round ${round}: restart refused or unhealthy\n${log()}`).toBe(200);

        // Ended after the restart (the embedded runner takes over what a dead process left processing).
        let final: Record<string, unknown> | null = null;
        for (const until = Date.now() + 90_000; Date.now() < until;) {
          const got = await api("GET", `/api/exports/${id}`);
          if (got.json && ["completed", "failed"].includes(String(got.json.status))) {
            final = got.json;
            break;
          }
          await sleep(250);
        }
        expect(final, `round ${round}: the export never ended after the restart\n${log()}`).not.toBeNull();
      }
    } finally {
      for (const serverPid of servers) {
        try {
          process.kill(-serverPid, "SIGKILL");
        } catch {
          // already gone
        }
      }
      for (const p of parents) p.kill("SIGKILL");
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
