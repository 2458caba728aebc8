/**
 * Memory stays flat as exports grow: every format renders a 10× larger source
 * (200,000 rows; PDF 40,000) from the database without its live memory
 * growing beyond a small margin over the smaller run. "Live" is heap plus
 * external memory (Buffers, zlib) measured after a forced GC at batch
 * boundaries, so garbage does not blur the picture. No timing is asserted.
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
/** Allowed growth of peak live memory from the small run to the large one. */
const MARGIN_MB = 24;

const live = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
};

/** Renders into a sink that only counts bytes; samples live memory every few batches. */
async function measure(format: ExportFormat, p: Imported, conditionIds?: string[]) {
  const opts = options(format, conditionIds ? { condition_ids: conditionIds } : {});
  const src = await source(p, opts);
  let bytes = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      cb();
    },
  });
  gc();
  const before = live();
  let peak = before;
  let peakRss = 0;
  let batches = 0;
  const progress: Progress = {
    async advance() {
      if (++batches % 8 === 0) {
        gc();
        peak = Math.max(peak, live());
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
      }
    },
    async step() {},
  };
  const started = performance.now();
  const result = await RENDERERS[format].render(src, opts, sink, progress);
  const seconds = (performance.now() - started) / 1000;
  return { rows: result.records, bytes, growthMb: (peak - before) / 1e6, peakRssMb: peakRss / 1e6, rowsPerSecond: result.records / seconds };
}

describe("memory stays bounded", () => {
  let large: Imported;
  let small: Imported;
  beforeAll(async () => {
    large = await seedLargeProject(LARGE, { conditionCount: CONDITIONS, pageCount: 40 });
    small = await seedLargeProject(SMALL, { conditionCount: CONDITIONS, pageCount: 40 });
  }, 120_000);

  it.each(["csv", "json", "ost", "excel"] as const)("%s: 200,000 rows need no more memory than 20,000", async (format) => {
    const a = await measure(format, small);
    const b = await measure(format, large);
    console.info(
      `${format}: ${SMALL} rows +${a.growthMb.toFixed(1)} MB, ${LARGE} rows +${b.growthMb.toFixed(1)} MB live ` +
        `(peak RSS ${b.peakRssMb.toFixed(0)} MB, ${(b.bytes / 1e6).toFixed(1)} MB written, ${b.rowsPerSecond.toFixed(0)} rows/s)`,
    );
    expect(a.rows).toBe(SMALL);
    expect(b.rows).toBe(LARGE);
    expect(b.growthMb).toBeLessThan(a.growthMb + MARGIN_MB);
  });

  it("pdf: 40,000 rows need no more memory than 4,000", async () => {
    const per = LARGE / CONDITIONS;
    const a = await measure("pdf", small, small.conditions.slice(0, 2).map((c) => c.id));
    const b = await measure("pdf", large, large.conditions.slice(0, 2).map((c) => c.id));
    console.info(
      `pdf: ${a.rows} rows +${a.growthMb.toFixed(1)} MB, ${b.rows} rows +${b.growthMb.toFixed(1)} MB live ` +
        `(peak RSS ${b.peakRssMb.toFixed(0)} MB, ${(b.bytes / 1e6).toFixed(1)} MB written, ${b.rowsPerSecond.toFixed(0)} rows/s)`,
    );
    expect(a.rows).toBe((SMALL / CONDITIONS) * 2);
    expect(b.rows).toBe(per * 2);
    expect(b.growthMb).toBeLessThan(a.growthMb + MARGIN_MB);
  });
});
