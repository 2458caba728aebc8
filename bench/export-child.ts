/**
 * One measured export, in a process of its own so its peak RSS is its alone.
 * Run by bench/run.ts as `node --expose-gc --import tsx bench/export-child.ts '<json>'`
 * with the database, storage and secrets in the environment.
 *
 * mode "export": createExport (with a runner that does nothing, so the service
 * does not run it inline), then the real pipeline — start, renderAndUpload,
 * finish — timed from start to finish.
 * mode "baseline": the same rows read through the same reader
 * (readExportSource(…), as the pipeline reads them), and `bytes` written to a file on the
 * same disk as they arrive, fsynced at the end — no rendering.
 * mode "warmup": reads every row once, untimed (fills the caches).
 *
 * RSS is sampled every 50 ms; the result is max − the RSS right before the
 * timed part. On Linux the kernel's own peak (VmHWM, reset at that moment) is
 * reported too, as a check on the sampling. Prints one line: BENCH_RESULT {json}.
 */
import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";

export type ChildTask = {
  mode: "export" | "baseline" | "warmup";
  format?: "csv" | "json" | "ost" | "excel" | "pdf";
  projectId: string;
  userId: string;
  /** Baseline: how many bytes to write. */
  bytes?: number;
  /** Baseline: where to write them. */
  scratchDir?: string;
  /**
   * Export only the first conditions (in export order) whose measurements add
   * up to at most this many rows — how a PDF, capped at PDF_MAX_ROWS, is
   * measured on the 1M-row project. Export and baseline pick the same ones.
   */
  maxRows?: number;
  /** Export: options beyond the defaults (e.g. `columns`, `takeoff_maps`; bench/content.ts). */
  options?: Record<string, unknown>;
};

export type ChildResult = {
  mode: ChildTask["mode"];
  format?: string;
  driver: string;
  rows: number;
  bytes: number;
  seconds: number;
  /** CPU time (user + system) of this process over the timed part. */
  cpuSeconds?: number;
  phases?: { start: number; render: number; finish: number };
  rssBaselineMb: number;
  rssPeakMb: number;
  rssIncreaseMb: number;
  /** Kernel high-water mark since the reset, minus the baseline (Linux only). */
  hwmIncreaseMb: number | null;
  /** Increases over the start, at the sample with the highest RSS. */
  atPeakMb?: { heapTotal: number; heapUsed: number; external: number; arrayBuffers: number };
  samples: number;
  status?: string;
  warnings?: string[];
};

const MB = 1024 * 1024;
const SAMPLE_MS = 50;

function readHwmKb(): number | null {
  try {
    const status = fs.readFileSync("/proc/self/status", "utf8");
    const m = /VmHWM:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

function resetHwm(): boolean {
  try {
    // "5" resets the peak RSS counter (Documentation/filesystems/proc.rst).
    fs.writeFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}

function startSampler() {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const start = process.memoryUsage();
  const baseline = start.rss;
  const hwmReset = resetHwm();
  let peak = baseline;
  // Where the memory is, at the RSS peak: V8 heap, external (e.g. Buffers), array buffers (incl. PGlite's WASM memory).
  let atPeak = start;
  let samples = 0;
  const sample = () => {
    const m = process.memoryUsage();
    samples++;
    if (m.rss > peak) {
      peak = m.rss;
      atPeak = m;
    }
  };
  const timer = setInterval(sample, SAMPLE_MS);
  return {
    stop() {
      clearInterval(timer);
      sample();
      const hwm = hwmReset ? readHwmKb() : null;
      return {
        rssBaselineMb: baseline / MB,
        rssPeakMb: peak / MB,
        rssIncreaseMb: (peak - baseline) / MB,
        hwmIncreaseMb: hwm === null ? null : (hwm * 1024 - baseline) / MB,
        atPeakMb: {
          heapTotal: (atPeak.heapTotal - start.heapTotal) / MB,
          heapUsed: (atPeak.heapUsed - start.heapUsed) / MB,
          external: (atPeak.external - start.external) / MB,
          arrayBuffers: (atPeak.arrayBuffers - start.arrayBuffers) / MB,
        },
        samples,
      };
    },
  };
}

/** The first conditions of the project, in export order, with at most `maxRows` measurements together. */
async function conditionSubset(db: import("@/db").Db, projectId: string, maxRows: number): Promise<string[]> {
  const { asc, count, eq } = await import("drizzle-orm");
  const { conditions, measurements } = await import("@/db/schema");
  const rows = await db
    .select({ id: conditions.id, n: count(measurements.id) })
    .from(conditions)
    .leftJoin(measurements, eq(measurements.conditionId, conditions.id))
    .where(eq(conditions.projectId, projectId))
    .groupBy(conditions.id, conditions.sortOrder)
    .orderBy(asc(conditions.sortOrder), asc(conditions.id));
  const picked: string[] = [];
  let total = 0;
  for (const r of rows) {
    if (total + r.n > maxRows) break;
    picked.push(r.id);
    total += r.n;
  }
  if (picked.length === 0) throw new Error(`the first condition alone has more than ${maxRows} measurements`);
  return picked;
}

async function main() {
  const task = JSON.parse(process.argv[2] ?? "{}") as ChildTask;
  const { getDbHandle, closeDb } = await import("@/db");
  const handle = await getDbHandle();
  const { env } = await import("@/lib/env");
  const { CreateExportBodySchema, normaliseOptions } = await import("@/lib/exports/schemas");
  const { readExportSource } = await import("@/lib/exports/source");
  const conditionIds = task.maxRows ? await conditionSubset(handle.db, task.projectId, task.maxRows) : undefined;

  if (task.mode === "export") {
    const format = task.format!;
    // The service enqueues on the process-wide runner: a no-op one keeps it from running inline.
    (globalThis as { __takeoffRunner?: unknown }).__takeoffRunner = {
      kind: "inline",
      enqueue: async () => {},
      cancel: async () => {},
      stop: async () => {},
    };
    const { createExport } = await import("@/lib/exports/services");
    const pipeline = await import("@/lib/exports/pipeline");
    const { getStorage } = await import("@/lib/storage");
    const { exports } = await import("@/db/schema");
    const { and, eq, inArray } = await import("drizzle-orm");
    // Load the renderers before the baseline so module code is not counted as export memory.
    await import("@/lib/exports/formats");

    // A crashed earlier run may have left an export of this user active; an identical request would be de-duplicated onto it.
    await handle.db
      .update(exports)
      .set({ status: "cancelled", progressStep: "Cancelled" })
      .where(and(eq(exports.userId, task.userId), inArray(exports.status, ["pending", "processing"])));
    const created = await createExport({
      userId: task.userId,
      source: { type: "project", id: task.projectId },
      body: CreateExportBodySchema.parse({
        format,
        name: `Benchmark ${format} export`,
        options: { ...task.options, ...(conditionIds ? { condition_ids: conditionIds } : {}) },
      }),
    });
    const id = created.body.export_id;

    const sampler = startSampler();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const claimed = await pipeline.start(id);
    if (!claimed) throw new Error("export was not claimed");
    const t1 = performance.now();
    const file = await pipeline.renderAndUpload(id);
    const t2 = performance.now();
    const done = await pipeline.finish(id, file);
    const t3 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    const mem = sampler.stop();
    const [row] = await handle.db.select().from(exports).where(eq(exports.id, id));

    const result: ChildResult = {
      mode: "export",
      format,
      driver: handle.driver,
      rows: file.records,
      bytes: file.fileSize,
      seconds: (t3 - t0) / 1000,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      phases: { start: (t1 - t0) / 1000, render: (t2 - t1) / 1000, finish: (t3 - t2) / 1000 },
      ...mem,
      status: done ? row?.status : "not finished",
      warnings: file.warnings,
    };
    // The file has done its job; a million-row export is hundreds of MB.
    await getStorage()
      .delete(file.fileKey)
      .catch(() => {});
    process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
    await closeDb();
    return;
  }

  // Baseline and warm-up: the export's reader, with default options, as a project export.
  const normalised = normaliseOptions("csv", conditionIds ? { condition_ids: conditionIds } : undefined);
  if (!normalised.success) throw new Error("default options did not validate");
  const input = {
    exportId: "00000000-0000-4000-8000-000000000000",
    userId: task.userId,
    type: "project" as const,
    projectId: task.projectId,
    documentId: null,
    options: normalised.data,
    generatedAt: new Date(),
  };

  // Rows are read as the pipeline reads them (readExportSource: a connection of their own, batches sized for the driver).
  if (task.mode === "warmup") {
    const t0 = performance.now();
    const rows = await readExportSource(input, async (source) => {
      let n = 0;
      for await (const batch of source.measurements()) n += batch.length;
      return n;
    });
    process.stdout.write(
      `BENCH_RESULT ${JSON.stringify({ mode: "warmup", driver: handle.driver, rows, bytes: 0, seconds: (performance.now() - t0) / 1000, rssBaselineMb: 0, rssPeakMb: 0, rssIncreaseMb: 0, hwmIncreaseMb: null, samples: 0 } satisfies ChildResult)}\n`,
    );
    await closeDb();
    return;
  }

  const bytes = Math.max(0, Math.floor(task.bytes ?? 0));
  const dir = task.scratchDir ?? path.join(env.DATA_DIR, "baseline");
  await fsp.mkdir(dir, { recursive: true });
  const file = path.join(dir, `baseline-${process.pid}.bin`);
  const block = Buffer.alloc(1024 * 1024, 0x61);

  const sampler = startSampler();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const out = fs.createWriteStream(file, { highWaterMark: 64 * 1024 });
  const opened = new Promise<void>((resolve, reject) => out.once("open", () => resolve()).once("error", reject));
  let rows = 0;
  let written = 0;
  const writeUpTo = async (target: number) => {
    while (written < target) {
      const n = Math.min(block.length, target - written);
      written += n;
      if (!out.write(n === block.length ? block : block.subarray(0, n))) await new Promise<void>((r) => out.once("drain", () => r()));
    }
  };
  await readExportSource(input, async (source) => {
    for await (const batch of source.measurements()) {
      rows += batch.length;
      // Bytes in step with the rows, as a streaming renderer would write them.
      await writeUpTo(source.rowsTotal > 0 ? Math.floor((bytes * rows) / source.rowsTotal) : 0);
    }
  });
  await writeUpTo(bytes);
  await opened;
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  // The disk store fsyncs before it reports a file as stored; so does the baseline.
  const fh = await fsp.open(file, "r+");
  await fh.sync();
  await fh.close();
  const t1 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  const mem = sampler.stop();
  await fsp.rm(file, { force: true });

  const result: ChildResult = {
    mode: "baseline",
    format: task.format,
    driver: handle.driver,
    rows,
    bytes: written,
    seconds: (t1 - t0) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    ...mem,
  };
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
  await closeDb();
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
