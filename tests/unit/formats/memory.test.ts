/**
 * Memory stays flat as exports grow: every format renders a 10× larger source
 * (200,000 rows; PDF 40,000) from the database without its live heap growing
 * beyond a small margin over the smaller run. The heap is measured after a
 * forced GC at batch boundaries, so garbage does not blur the picture.
 * External memory (Buffers, zlib) is freed lazily by V8, so it only gets an
 * absolute bound, far below the size of the files. No timing is asserted.
 *
 * A flat live heap is not enough: garbage promoted to the old generation
 * stays until a full GC, so RSS grew with the row count although nothing was
 * retained. The streaming formats are also rendered without forced GCs, and
 * the old generation must not grow (it grew by 110–150 MB per 200,000 rows
 * before rows were made to die young).
 */
import { Writable } from "node:stream";
import v8 from "node:v8";
import vm from "node:vm";
import { beforeAll, describe, expect, it } from "vitest";
import type { ExportFormat } from "@/db/schema";
import { RENDERERS } from "@/lib/exports/formats";
import type { Progress } from "@/lib/exports/formats/types";
import { options, seedLargeProject, source, type Imported } from "../../fixtures/formats-data";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

const LARGE = 200_000;
const SMALL = 20_000;
const CONDITIONS = 10;
/** Allowed growth of the peak live heap from the small run to the large one. */
const HEAP_MARGIN_MB = 24;
/** Bound on external memory growth in any run (the large files are 10–150 MB). */
const EXTERNAL_BOUND_MB = 64;
/** Bound on the old generation's growth over a 200,000-row render without forced GCs. */
const OLD_GROWTH_BOUND_MB = 24;

/** Renders into a sink that only counts bytes; samples live memory every few batches. */
async function measure(format: ExportFormat, p: Imported, conditionIds?: string[], extra: Record<string, unknown> = {}) {
  const opts = options(format, { ...(conditionIds ? { condition_ids: conditionIds } : {}), ...extra });
  const src = await source(p, opts);
  let bytes = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      cb();
    },
  });
  gc();
  const before = process.memoryUsage();
  let peakHeap = before.heapUsed;
  let peakExternal = before.external;
  let peakRss = before.rss;
  let batches = 0;
  const sample = () => {
    gc();
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakExternal = Math.max(peakExternal, m.external);
    peakRss = Math.max(peakRss, m.rss);
  };
  const progress: Progress = {
    async advance() {
      if (++batches % 5 === 0) sample();
    },
    async step() {},
  };
  const started = performance.now();
  const result = await RENDERERS[format].render(src, opts, sink, progress);
  const seconds = (performance.now() - started) / 1000;
  sample();
  return {
    rows: result.records,
    bytes,
    heapMb: (peakHeap - before.heapUsed) / 1e6,
    externalMb: (peakExternal - before.external) / 1e6,
    peakRssMb: peakRss / 1e6,
    rowsPerSecond: result.records / seconds,
  };
}

function report(format: string, a: Awaited<ReturnType<typeof measure>>, b: Awaited<ReturnType<typeof measure>>) {
  console.info(
    `${format}: ${a.rows} rows heap +${a.heapMb.toFixed(1)} MB; ${b.rows} rows heap +${b.heapMb.toFixed(1)} MB, ` +
      `external +${b.externalMb.toFixed(1)} MB, peak RSS ${b.peakRssMb.toFixed(0)} MB (incl. the in-memory database), ` +
      `${(b.bytes / 1e6).toFixed(1)} MB written, ${b.rowsPerSecond.toFixed(0)} rows/s`,
  );
  expect(b.heapMb).toBeLessThan(a.heapMb + HEAP_MARGIN_MB);
  expect(b.externalMb).toBeLessThan(EXTERNAL_BOUND_MB);
}

/**
 * Renders without forcing any GC and samples how far the old generation
 * grows: rows that die young never get there. (Garbage that does get there
 * stays until a full GC, so RSS grows with the row count even though the live
 * heap does not.) Only the peak is asserted, not how V8 times its collections.
 */
async function oldGenerationGrowth(format: ExportFormat, p: Imported) {
  const opts = options(format);
  const src = await source(p, opts);
  const sink = new Writable({
    write(_chunk: Buffer, _enc, cb) {
      cb();
    },
  });
  const oldUsed = () =>
    v8
      .getHeapSpaceStatistics()
      .reduce((sum, s) => (s.space_name === "old_space" || s.space_name === "large_object_space" ? sum + s.space_used_size : sum), 0);
  gc();
  const before = oldUsed();
  let peak = before;
  const progress: Progress = {
    async advance() {
      peak = Math.max(peak, oldUsed());
    },
    async step() {},
  };
  const result = await RENDERERS[format].render(src, opts, sink, progress);
  peak = Math.max(peak, oldUsed());
  return { rows: result.records, growthMb: (peak - before) / 1e6 };
}

describe("memory stays bounded", () => {
  let large: Imported;
  let small: Imported;
  beforeAll(async () => {
    large = await seedLargeProject(LARGE, { conditionCount: CONDITIONS, pageCount: 40 });
    small = await seedLargeProject(SMALL, { conditionCount: CONDITIONS, pageCount: 40 });
  }, 240_000);

  it.each(["csv", "json", "ost", "excel"] as const)(
    "%s: 200,000 rows need no more memory than 20,000",
    async (format) => {
      const a = await measure(format, small);
      const b = await measure(format, large);
      expect(a.rows).toBe(SMALL);
      expect(b.rows).toBe(LARGE);
      report(format, a, b);
    },
    240_000,
  );

  it.each(["csv", "json", "ost"] as const)(
    "%s: rows die young instead of piling up in the old generation",
    async (format) => {
      const { rows, growthMb } = await oldGenerationGrowth(format, large);
      expect(rows).toBe(LARGE);
      console.info(`${format}: old generation +${growthMb.toFixed(1)} MB at most over ${rows} rows`);
      expect(growthMb).toBeLessThan(OLD_GROWTH_BOUND_MB);
    },
    240_000,
  );

  it("pdf: 40,000 rows need no more memory than 4,000", async () => {
    const per = LARGE / CONDITIONS;
    const a = await measure(
      "pdf",
      small,
      small.conditions.slice(0, 2).map((c) => c.id),
    );
    const b = await measure(
      "pdf",
      large,
      large.conditions.slice(0, 2).map((c) => c.id),
    );
    expect(a.rows).toBe((SMALL / CONDITIONS) * 2);
    expect(b.rows).toBe(per * 2);
    report("pdf", a, b);
  }, 240_000);

  // SPEC §12.4: map pages hold one drawing page's geometry at a time (here 40 pages of 100, then of 1,000 shapes).
  it("pdf with takeoff maps: 40,000 rows need no more memory than 4,000", async () => {
    const ids = (p: Imported) => p.conditions.slice(0, 2).map((c) => c.id);
    const a = await measure("pdf", small, ids(small), { takeoff_maps: true });
    const b = await measure("pdf", large, ids(large), { takeoff_maps: true });
    expect(b.rows).toBe((LARGE / CONDITIONS) * 2);
    report("pdf+maps", a, b);
  }, 240_000);
});
