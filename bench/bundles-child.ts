/**
 * The bundle benchmark's measured work, in a process of its own (run by
 * bench/bundles.ts as `node --expose-gc --import tsx bench/bundles-child.ts '<json>'`):
 *
 * mode "singles": every document × format of the project as a single export
 *   through the real pipeline (createExport with a runner that does nothing,
 *   then start → renderAndUpload → finish onto local disk), one after
 *   another; the figure is the sum of their start-to-finish times.
 * mode "bundle": the same documents × formats as one bundle (createBundle,
 *   then the same three stages), timed the same way, with its peak RSS
 *   increase (sampled every 50 ms, max − the RSS right before start).
 *
 * Prints one line: BENCH_RESULT {json}.
 */
export type BundleTask = { mode: "singles" | "bundle"; userId: string; documentIds: string[]; formats: string[] };

export type BundleChildResult = {
  mode: BundleTask["mode"];
  driver: string;
  files: number;
  rows: number;
  bytes: number;
  seconds: number;
  cpuSeconds: number;
  /** Singles: each export's seconds, in document × format order. */
  perExport?: number[];
  rssIncreaseMb?: number;
  status?: string;
};

const MB = 1024 * 1024;

function sampleRss() {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage().rss);
      return (peak - baseline) / MB;
    },
  };
}

async function main() {
  const task = JSON.parse(process.argv[2] ?? "{}") as BundleTask;
  const { getDbHandle, closeDb } = await import("@/db");
  const handle = await getDbHandle();
  // The services enqueue on the process-wide runner: a no-op one keeps them from running inline.
  (globalThis as { __takeoffRunner?: unknown }).__takeoffRunner = {
    kind: "inline",
    enqueue: async () => {},
    cancel: async () => {},
    stop: async () => {},
  };
  const { createExport } = await import("@/lib/exports/services");
  const { createBundle } = await import("@/lib/exports/bundles/create");
  const { BundleCreateBodySchema } = await import("@/lib/exports/bundles/schemas");
  const { CreateExportBodySchema } = await import("@/lib/exports/schemas");
  const pipeline = await import("@/lib/exports/pipeline");
  const { getStorage } = await import("@/lib/storage");
  await import("@/lib/exports/formats");

  async function run(id: string) {
    const t0 = performance.now();
    if (!(await pipeline.start(id))) throw new Error("export was not claimed");
    const file = await pipeline.renderAndUpload(id);
    const done = await pipeline.finish(id, file);
    const seconds = (performance.now() - t0) / 1000;
    await getStorage()
      .delete(file.fileKey)
      .catch(() => {});
    return { seconds, rows: file.records, bytes: file.fileSize, done };
  }

  const cpu0 = process.cpuUsage();
  let result: BundleChildResult;
  if (task.mode === "singles") {
    const perExport: number[] = [];
    let rows = 0;
    let bytes = 0;
    for (const documentId of task.documentIds) {
      for (const format of task.formats) {
        const created = await createExport({
          userId: task.userId,
          source: { type: "document", id: documentId },
          body: CreateExportBodySchema.parse({ format, name: `Single ${format} ${documentId}` }),
        });
        const r = await run(created.body.export_id);
        if (!r.done) throw new Error(`single export ${created.body.export_id} did not complete`);
        perExport.push(r.seconds);
        rows += r.rows;
        bytes += r.bytes;
      }
    }
    result = {
      mode: "singles",
      driver: handle.driver,
      files: perExport.length,
      rows,
      bytes,
      seconds: perExport.reduce((a, b) => a + b, 0),
      cpuSeconds: 0,
      perExport,
    };
  } else {
    const created = await createBundle({
      userId: task.userId,
      body: BundleCreateBodySchema.parse({
        source: { type: "documents", ids: task.documentIds },
        formats: task.formats,
        name: `Bundle ${Date.now()}`,
      }),
    });
    const sampler = sampleRss();
    const r = await run(created.body.export_id);
    const rssIncreaseMb = sampler.stop();
    result = {
      mode: "bundle",
      driver: handle.driver,
      files: task.documentIds.length * task.formats.length,
      rows: r.rows,
      bytes: r.bytes,
      seconds: r.seconds,
      cpuSeconds: 0,
      rssIncreaseMb,
      status: r.done ? "completed" : "not finished",
    };
  }
  const cpu = process.cpuUsage(cpu0);
  result.cpuSeconds = (cpu.user + cpu.system) / 1e6;
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
  await closeDb();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
