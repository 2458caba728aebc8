import { test } from "vitest";
import fs from "node:fs";
import { options, countingProgress } from "../../fixtures/formats-data";
import { RENDERERS } from "@/lib/exports/formats";
import type { ExportSource, SourceMeasurement } from "@/lib/exports/formats/types";

const N = Number(process.env.PERF_N ?? 200000);
function fake(n: number): ExportSource {
  const conds = [0, 1, 2, 3].map((i) => ({ id: `c${i}`, name: `Condition ${i}`, description: null, scope: null, category: null, measurementType: "area" as const, unit: "SF", color: null, sortOrder: i, costs: null, totalQuantity: 1, measurementCount: n / 4 }));
  async function* gen(): AsyncGenerator<SourceMeasurement[]> {
    for (let c = 0; c < 4; c++) for (let s = 0; s < n / 4; s += 2000) {
      const b: SourceMeasurement[] = [];
      for (let i = s; i < Math.min(n / 4, s + 2000); i++) b.push({ id: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`, conditionId: `c${c}`, documentId: "d", pageNumber: i % 50, sheetNumber: `A-${i % 50}`, sheetTitle: "t", geometryType: "polygon", geometry: { points: [{ x: i, y: 0 }, { x: i + 10, y: 0 }, { x: i + 10, y: 10 }, { x: i, y: 10 }] }, quantity: 100 + (i % 1000) / 8, unit: "SF", isVerified: true, isAiGenerated: false, notes: i % 5 ? null : `Note ${i}` });
      yield b;
    }
  }
  return { exportId: "x", type: "project", generatedAt: new Date(), project: { id: "p", name: "P", description: null, clientName: null, address: null }, document: null, conditions: conds, rowsTotal: n, measurements: gen, measurementsByPage: gen };
}
test("synth", async () => {
  for (const f of (process.env.PERF_FORMATS ?? "csv,excel,pdf,json,ost").split(",")) {
    const o = options(f as never);
    const out = fs.createWriteStream(`/tmp/synth.${f}`);
    let peak = 0; const base = process.memoryUsage().heapUsed;
    const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().heapUsed); }, 20);
    const t0 = Date.now();
    await RENDERERS[f as "csv"].render(fake(f === "pdf" ? N / 4 : N), o, out, countingProgress());
    clearInterval(timer);
    const ms = Date.now() - t0;
    console.log(f, ms, "ms", Math.round((f === "pdf" ? N / 4 : N) / (ms / 1000)), "rows/s heap base", Math.round(base / 1e6), "peak", Math.round(peak / 1e6));
  }
}, 600000);
