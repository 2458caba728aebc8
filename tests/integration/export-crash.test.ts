// Killing the embedded server mid-export never leaves the export processing (SPEC §7): a restart on the same PGlite directory finishes it.
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import Papa from "papaparse";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseLock } from "@/db/directory-lock";
import { isEmbedded } from "@/lib/env";
import { filesIn } from "../helpers/export-jobs";

const CHILD = path.resolve("tests/fixtures/export-crash-child.ts");
const EXTRA_MEASUREMENTS = 100_000;
const ROWS = EXTRA_MEASUREMENTS + 5; // plus the SPEC example's five

type State = Record<string, unknown> & { phase: string };

let root: string;
const children: ChildProcess[] = [];

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "export-crash-"));
});

afterAll(() => {
  // Only when a failed assertion left one running.
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  fs.rmSync(root, { recursive: true, force: true });
});

/** The app process: its own PGlite directory and exports directory under `root`, nothing shared with this test process. */
function startApp(args: string[]) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PGLITE_DIR: path.join(root, "pglite"),
    EXPORTS_DIR: path.join(root, "exports"),
    DATA_DIR: root,
    LOG_LEVEL: "error",
    SEED_DEMO: "false",
  };
  delete env.DATABASE_URL;
  delete env.TEST_DATABASE_URL;
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, ...args], {
    cwd: process.cwd(),
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  const states: State[] = [];
  const waiters: { match: (s: State) => boolean; resolve: (s: State) => void }[] = [];
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  readline.createInterface({ input: child.stdout! }).on("line", (line) => {
    if (!line.startsWith("STATE ")) return;
    const state = JSON.parse(line.slice(6)) as State;
    states.push(state);
    for (const w of waiters.filter((w) => w.match(state))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(state);
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );

  /** The first state (already seen or still to come) that matches, or a rejection naming what the child said when it exits first. */
  // Generous: opening PGlite alone takes seconds, and the rest of the suite runs beside this test.
  function waitFor(match: (s: State) => boolean, timeoutMs = 120_000): Promise<State> {
    const seen = states.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`child: timed out; last state ${JSON.stringify(states.at(-1))}\n${stderr}`)),
        timeoutMs,
      );
      waiters.push({ match, resolve: (s) => (clearTimeout(timer), resolve(s)) });
      void exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`child exited (${code ?? signal}) before the expected state; last ${JSON.stringify(states.at(-1))}\n${stderr}`));
      });
    });
  }
  return { child: child as ChildProcess, waitFor, exited, stderr: () => stderr };
}

function isAlive(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!isEmbedded)("an embedded app killed mid-export", () => {
  it("finishes the export after a restart on the same PGlite directory; the stale lock does not block it", async () => {
    const first = startApp(["start", String(EXTRA_MEASUREMENTS)]);
    const running = await first.waitFor((s) => s.phase === "running" && s.status === "processing" && Number(s.records) > 0);
    expect(Number(running.records)).toBeLessThan(ROWS);
    first.child.kill("SIGKILL");
    expect((await first.exited).signal).toBe("SIGKILL");

    // The dead process's lock is still there.
    const lockPath = path.join(root, "pglite.lock");
    const owner = parseLock(fs.readFileSync(lockPath, "utf8"))!.pid;
    expect(owner).toBe(first.child.pid);
    expect(isAlive(owner)).toBe(false);

    const second = startApp(["recover"]);
    const recovered = await second.waitFor((s) => s.phase === "recovered");
    expect(await second.exited).toEqual({ code: 0, signal: null });

    expect(recovered).toMatchObject({ id: running.id, status: "completed", attempts: 2, records: ROWS, rowsTotal: ROWS, error: null });
    expect(recovered.events).toEqual(["created", "started", "retried", "started", "completed"]);
    expect(fs.existsSync(lockPath)).toBe(false);

    // The file is whole: size and checksum as recorded, every row there when read back by an independent CSV parser.
    const exportsDir = path.join(root, "exports");
    const bytes = fs.readFileSync(path.join(exportsDir, String(recovered.fileKey)));
    expect(bytes.length).toBe(recovered.fileSize);
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(recovered.checksum);
    const rows = Papa.parse<string[]>(bytes.toString("utf8").replace(/^\uFEFF/, ""), { skipEmptyLines: true }).data;
    expect(rows).toHaveLength(ROWS + 1);
    expect(rows[0][0]).toBe("Condition");
    expect(rows.filter((r) => r[0] === "Floor Slab")).toHaveLength(EXTRA_MEASUREMENTS + 3);
    expect(rows.at(-1)![0]).toBe("Continuous Footing");

    // Only the finished object is under a key (the killed upload's temp file is dot-prefixed, outside the key space).
    expect(filesIn(exportsDir).filter((f) => !path.basename(f).startsWith("."))).toEqual([recovered.fileKey]);
  }, 240_000);
});
