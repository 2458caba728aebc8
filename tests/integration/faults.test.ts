/**
 * Faults the export pipeline must survive: the source deleted mid-run, a full
 * disk, and (PostgreSQL) the database connections dropped mid-export.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import Papa from "papaparse";
import { afterEach, describe, expect, it } from "vitest";
import { APPLICATION_NAME, getDbHandle, getDb } from "@/db";
import { projects } from "@/db/schema";
import { appSecret } from "@/lib/auth/secret";
import { env } from "@/lib/env";
import { createDiskStorage, setStorageForTests } from "@/lib/storage";
import { BASE_URL, createTestProject, createTestUser } from "../helpers/app";
import {
  addMeasurements,
  fetchSigned,
  filesIn,
  gatedStorage,
  getExportJson,
  installRunner,
  patchEnv,
  requestExport,
  TestRunner,
  until,
  useTempDiskStorage,
} from "../helpers/export-jobs";

const undo: (() => void)[] = [];
afterEach(() => {
  while (undo.length) undo.pop()!();
  setStorageForTests(undefined);
});

async function settled(user: Awaited<ReturnType<typeof createTestUser>>, id: string) {
  return until(
    async () => {
      const e = await getExportJson(user, id);
      return ["completed", "failed", "cancelled"].includes(e.status) ? e : undefined;
    },
    `export ${id} to settle`,
    60_000,
  );
}

function tryMountTmpfs(sizeKb: number): string | null {
  if (process.getuid?.() !== 0) return null;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "full-disk-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeKb}k`, "tmpfs", dir], { stdio: "ignore" });
    return dir;
  } catch {
    fs.rmSync(dir, { recursive: true, force: true });
    return null;
  }
}

describe("faults during an export", () => {
  it("fails with kind user, not retried, when the project is deleted while the export runs", async () => {
    undo.push(patchEnv({ EXPORTS_RETRY_DELAY_MS: 10 }));
    const runner = installRunner(new TestRunner());
    const disk = useTempDiskStorage();
    undo.push(() => disk.cleanup());
    const gated = gatedStorage(disk);
    setStorageForTests(gated.storage);
    const user = await createTestUser();
    const project = await createTestProject(user);
    await addMeasurements(project, 20_000);

    const created = await requestExport(user, project.documents[0].id, { format: "csv" });
    await gated.uploading;
    // The host application deletes the project out of band while the file is being written.
    await (await getDb()).delete(projects).where(eq(projects.id, project.id));
    gated.open();
    await runner.drain();

    const done = await settled(user, created.body.export_id);
    expect(done).toMatchObject({ status: "failed", error_kind: "user", attempts: 1, download_url: null });
    expect(done.error_message).toMatch(/deleted while the export was running/);
    expect(filesIn(disk.dir)).toEqual([]);
  });

  const mount = tryMountTmpfs(64);
  it.runIf(mount)("fails clearly when the disk is full, leaving no half file", async () => {
    try {
      undo.push(patchEnv({ EXPORTS_RETRY_DELAY_MS: 10 }));
      const runner = installRunner(new TestRunner());
      setStorageForTests(createDiskStorage({ dir: mount!, secret: appSecret(), baseUrl: BASE_URL }));
      const user = await createTestUser();
      const project = await createTestProject(user);
      await addMeasurements(project, 5_000); // ~500 KB of CSV into a 64 KB disk

      const created = await requestExport(user, project.documents[0].id, { format: "csv" });
      await runner.drain();
      const done = await settled(user, created.body.export_id);
      expect(done).toMatchObject({ status: "failed", error_kind: "system", attempts: env.EXPORTS_MAX_ATTEMPTS });
      expect(done.error_message).toMatch(/ENOSPC|no space left/i);
      expect(filesIn(mount!)).toEqual([]);
    } finally {
      execFileSync("umount", [mount!]);
      fs.rmSync(mount!, { recursive: true, force: true });
    }
  });

  it("finishes (or fails cleanly) when the database connections drop mid-export", async (ctx) => {
    const handle = await getDbHandle();
    if (handle.driver !== "postgres") ctx.skip(); // an embedded database has no connection to lose
    undo.push(patchEnv({ EXPORTS_RETRY_DELAY_MS: 10 }));
    const runner = installRunner(new TestRunner());
    const disk = useTempDiskStorage();
    undo.push(() => disk.cleanup());
    const gated = gatedStorage(disk);
    setStorageForTests(gated.storage);
    const user = await createTestUser();
    const project = await createTestProject(user);
    await addMeasurements(project, 20_000);

    const created = await requestExport(user, project.documents[0].id, { format: "csv" });
    await gated.uploading;
    // Kill every connection of this process's pool except the one asking.
    await handle.sql!`select pg_terminate_backend(pid) from pg_stat_activity
      where application_name = ${`${APPLICATION_NAME}:${process.pid}`} and pid <> pg_backend_pid()`;
    gated.open();
    await runner.drain();

    const done = await settled(user, created.body.export_id);
    expect(["completed", "failed"]).toContain(done.status);
    if (done.status === "failed") {
      expect(done.error_message).toBeTruthy();
      expect(filesIn(disk.dir)).toEqual([]);
    } else {
      setStorageForTests(disk); // the gate wrapper does not serve files
      const link = await (await import("../helpers/app")).callRoute("GET", `/api/exports/${done.id}/download?redirect=false`, { as: user });
      const file = await fetchSigned((await link.json()).url);
      const rows = Papa.parse<string[]>((await file.text()).replace(/^\uFEFF/, ""), { skipEmptyLines: true }).data;
      expect(rows.length - 1).toBe(done.records_count);
    }
    const [{ alive }] = await handle.sql!`select 1 as alive`;
    expect(alive).toBe(1);
  });
});
