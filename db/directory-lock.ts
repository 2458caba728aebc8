/**
 * One process owns a PGlite directory (PGlite takes no lock of its own, and
 * two instances on one directory corrupt it). A lock file beside the
 * directory names the owner: its pid and, on Linux, its start time (field 22
 * of /proc/PID/stat, in clock ticks since boot).
 *
 * A dead owner never holds the lock, so a crash never blocks the restart
 * (SPEC §15):
 * - an owner that is gone, or a zombie (killed and not yet reaped by its
 *   parent: state Z or X), has released it;
 * - a pid that now belongs to another program (its start time differs from
 *   the recorded one) has released it;
 * - an owner that is exiting right now is waited for, up to `waitMs`.
 * Only a live owner after that wait refuses the start, with a message that
 * names it.
 */
import fs from "node:fs";
import path from "node:path";

/** What the lock file records about its owner. `startTime` is null where /proc is not available. */
export type LockOwner = { pid: number; startTime: string | null };

export type OwnerState = "running" | "gone";

const POLL_MS = 100;

/** Linux: a process's state letter and start time from /proc/PID/stat; null when there is no such process (or no /proc). */
export function readProcStat(pid: number): { state: string; startTime: string } | null {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // "PID (comm) S ppid …": comm may hold spaces and parentheses, so read after the last ')'.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state), so field 22 (starttime) is fields[19].
  const state = fields[0];
  const startTime = fields[19];
  if (!state || !startTime) return null;
  return { state, startTime };
}

const hasProc = (() => {
  try {
    return fs.existsSync(`/proc/${process.pid}/stat`);
  } catch {
    return false;
  }
})();

/** This process as a lock owner. */
export function currentOwner(): LockOwner {
  return { pid: process.pid, startTime: hasProc ? (readProcStat(process.pid)?.startTime ?? null) : null };
}

/** Whether the recorded owner still runs: a zombie, a reused pid or a missing process is "gone". */
export function ownerState(owner: LockOwner): OwnerState {
  if (hasProc) {
    const stat = readProcStat(owner.pid);
    if (!stat) return "gone";
    if (stat.state === "Z" || stat.state === "X" || stat.state === "x") return "gone";
    if (owner.startTime !== null && stat.startTime !== owner.startTime) return "gone";
    return "running";
  }
  try {
    process.kill(owner.pid, 0);
    return "running";
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM" ? "running" : "gone";
  }
}

/** Reads a lock file: `{"pid":…,"startTime":…}`, or a bare pid as written by earlier versions. */
export function parseLock(text: string): LockOwner | null {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return { pid: Number(trimmed), startTime: null };
  try {
    const parsed = JSON.parse(trimmed) as Partial<LockOwner>;
    if (typeof parsed.pid === "number" && Number.isInteger(parsed.pid) && parsed.pid > 0) {
      return { pid: parsed.pid, startTime: typeof parsed.startTime === "string" ? parsed.startTime : null };
    }
  } catch {
    // unreadable: treated as no owner
  }
  return null;
}

export class DirectoryInUseError extends Error {
  constructor(
    readonly dir: string,
    readonly owner: LockOwner,
  ) {
    super(
      `The embedded database at ${dir} is already in use by process ${owner.pid}. ` +
        `PGlite allows one process per directory: stop that process, or set PGLITE_DIR (or DATABASE_URL) for this one.`,
    );
    this.name = "DirectoryInUseError";
  }
}

/**
 * Takes the lock of `dir` (the file `<dir>.lock`), waiting up to `waitMs` for
 * a live owner to exit. Returns the release function (also run on exit).
 */
export async function acquireDirectoryLock(dir: string, opts: { waitMs?: number } = {}): Promise<() => void> {
  const lockPath = `${path.resolve(dir)}.lock`;
  const me = currentOwner();
  const deadline = Date.now() + (opts.waitMs ?? 10_000);
  const text = JSON.stringify(me);

  for (;;) {
    try {
      fs.writeFileSync(lockPath, text, { flag: "wx" });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    let current = "";
    try {
      current = fs.readFileSync(lockPath, "utf8");
    } catch {
      continue; // removed between the two calls: try again
    }
    const owner = parseLock(current);
    const mine = owner?.pid === me.pid;
    if (owner && !mine && ownerState(owner) === "running") {
      if (Date.now() >= deadline) throw new DirectoryInUseError(dir, owner);
      await new Promise((r) => setTimeout(r, POLL_MS));
      continue;
    }
    // A stale lock (or one left by this very process): replace it only if it is still the one
    // we judged, so two processes starting at once cannot both take it over.
    removeIfUnchanged(lockPath, current);
  }

  const release = () => {
    try {
      if (fs.readFileSync(lockPath, "utf8") === text) fs.rmSync(lockPath, { force: true });
    } catch {
      // already gone
    }
  };
  process.once("exit", release);
  return release;
}

function removeIfUnchanged(lockPath: string, judged: string) {
  try {
    if (fs.readFileSync(lockPath, "utf8") === judged) fs.rmSync(lockPath, { force: true });
  } catch {
    // gone already
  }
}
