// The PGlite directory lock (SPEC §15): a dead owner never holds it — killed and not yet reaped, or its pid reused — and a live one is refused by name.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { acquireDirectoryLock, DirectoryInUseError, parseLock, readProcStat } from "@/db/directory-lock";

const HOLDER = path.resolve("tests/fixtures/lock-holder.ts");
const linux = fs.existsSync("/proc/self/stat");

let root: string;
const children: ChildProcess[] = [];
const pids: number[] = [];
const releases: (() => void)[] = [];

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "dir-lock-"));
});
afterEach(() => {
  for (const r of releases.splice(0)) r();
  for (const pid of pids.splice(0)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const dirFor = (name: string) => path.join(root, name);

/** Resolves with the first stdout line of `child` that starts with `prefix`. */
function lineFrom(child: ChildProcess, prefix: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let stderr = "";
    child.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
    readline.createInterface({ input: child.stdout! }).on("line", (line) => {
      if (line.startsWith(prefix)) resolve(line.slice(prefix.length).trim());
    });
    child.on("exit", (code) => reject(new Error(`child exited (${code}) before "${prefix}"\n${stderr}`)));
  });
}

/** A holder that this test process is the parent of (Node reaps it when it dies). */
async function startHolder(dir: string) {
  const child = spawn(process.execPath, ["--import", "tsx", HOLDER, dir], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  await lineFrom(child, "LOCKED");
  return child;
}

async function waitFor(check: () => boolean, timeoutMs = 10_000) {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.runIf(linux)("PGlite directory lock", () => {
  it("a holder killed with SIGKILL and not yet reaped (a zombie) does not block the next start", async () => {
    const dir = dirFor("zombie");
    // bash starts the holder in the background and becomes `sleep`, which never reaps it.
    const parent = spawn("bash", ["-c", `${process.execPath} --import tsx ${HOLDER} ${dir} & exec sleep 300`], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(parent);
    const holderPid = Number(await lineFrom(parent, "LOCKED"));
    pids.push(holderPid);
    expect(parseLock(fs.readFileSync(`${dir}.lock`, "utf8"))?.pid).toBe(holderPid);

    process.kill(holderPid, "SIGKILL");
    await waitFor(() => readProcStat(holderPid)?.state === "Z");
    // The zombie still answers kill(pid, 0), which the old lock took for a live owner.
    expect(() => process.kill(holderPid, 0)).not.toThrow();

    const started = Date.now();
    releases.push(await acquireDirectoryLock(dir));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(parseLock(fs.readFileSync(`${dir}.lock`, "utf8"))?.pid).toBe(process.pid);
  });

  it("a lock naming a live process that started at another time (a reused pid) is taken over", async () => {
    const dir = dirFor("reused");
    const unrelated = spawn("sleep", ["300"], { stdio: "ignore" });
    children.push(unrelated);
    await waitFor(() => readProcStat(unrelated.pid!) !== null);
    fs.writeFileSync(`${dir}.lock`, JSON.stringify({ pid: unrelated.pid, startTime: "1" }));

    releases.push(await acquireDirectoryLock(dir, { waitMs: 0 }));
    expect(parseLock(fs.readFileSync(`${dir}.lock`, "utf8"))).toEqual({
      pid: process.pid,
      startTime: readProcStat(process.pid)!.startTime,
    });
  });

  it("a lock naming a pid that no longer exists is taken over", async () => {
    const dir = dirFor("gone");
    const child = spawn("true");
    await new Promise((r) => child.on("exit", r));
    fs.writeFileSync(`${dir}.lock`, String(child.pid));
    releases.push(await acquireDirectoryLock(dir, { waitMs: 0 }));
    expect(parseLock(fs.readFileSync(`${dir}.lock`, "utf8"))?.pid).toBe(process.pid);
  });

  it("a live holder is refused after the wait, with a message naming its pid and the way out", async () => {
    const dir = dirFor("live");
    const holder = await startHolder(dir);
    const started = Date.now();
    const err = await acquireDirectoryLock(dir, { waitMs: 500 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DirectoryInUseError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect((err as Error).message).toContain(`already in use by process ${holder.pid}`);
    expect((err as Error).message).toContain("PGLITE_DIR");
    // The holder's lock is untouched.
    expect(parseLock(fs.readFileSync(`${dir}.lock`, "utf8"))?.pid).toBe(holder.pid);
  });

  it("a holder that exits during the wait hands the lock over", async () => {
    const dir = dirFor("exiting");
    const holder = await startHolder(dir);
    setTimeout(() => holder.kill("SIGKILL"), 300);
    releases.push(await acquireDirectoryLock(dir, { waitMs: 10_000 }));
    expect(parseLock(fs.readFileSync(`${dir}.lock`, "utf8"))?.pid).toBe(process.pid);
  });

  it("release removes the lock only while it is still this process's", async () => {
    const dir = dirFor("release");
    const release = await acquireDirectoryLock(dir, { waitMs: 0 });
    release();
    expect(fs.existsSync(`${dir}.lock`)).toBe(false);
    const again = await acquireDirectoryLock(dir, { waitMs: 0 });
    fs.writeFileSync(`${dir}.lock`, JSON.stringify({ pid: 1, startTime: "1" }));
    again();
    expect(fs.existsSync(`${dir}.lock`)).toBe(true);
  });
});

describe("lock file contents", () => {
  it("reads the JSON owner and the bare pid of earlier versions; anything else is no owner", () => {
    expect(parseLock('{"pid":42,"startTime":"777"}')).toEqual({ pid: 42, startTime: "777" });
    expect(parseLock("42\n")).toEqual({ pid: 42, startTime: null });
    expect(parseLock("")).toBeNull();
    expect(parseLock('{"pid":-1}')).toBeNull();
    expect(parseLock("garbage")).toBeNull();
  });
});
