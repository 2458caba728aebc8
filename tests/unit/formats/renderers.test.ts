import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { EXPORT_FORMATS } from "@/db/schema";
import { FORMAT_CATALOGUE, RENDERERS } from "@/lib/exports/formats";
import { PIECE_BYTES } from "@/lib/exports/formats/text-output";
import { ExportCancelledError } from "@/lib/exports/formats/types";
import { countingProgress, options, syntheticSource } from "../../fixtures/formats-data";

/** A writable that accepts data slowly (one chunk per timer tick) and records how much ever waited in its buffer. */
function slowSink(opts: { failAfterBytes?: number } = {}) {
  let bytes = 0;
  let maxBuffered = 0;
  const chunks: Buffer[] = [];
  const sink = new Writable({
    highWaterMark: 64 * 1024,
    write(chunk: Buffer, _enc, callback) {
      bytes += chunk.length;
      chunks.push(chunk);
      if (opts.failAfterBytes !== undefined && bytes > opts.failAfterBytes) {
        setTimeout(() => callback(new Error("upload failed")), 1);
        return;
      }
      setTimeout(callback, 0);
    },
  });
  const write = sink.write.bind(sink);
  sink.write = ((...args: Parameters<Writable["write"]>) => {
    const ok = write(...args);
    maxBuffered = Math.max(maxBuffered, sink.writableLength);
    return ok;
  }) as Writable["write"];
  return {
    sink,
    get bytes() {
      return bytes;
    },
    get maxBuffered() {
      return maxBuffered;
    },
    text: () => Buffer.concat(chunks).toString("utf8"),
    chunkSizes: () => chunks.map((c) => c.length),
  };
}

describe("format catalogue", () => {
  it("lists every format with its file type and options from the schemas", () => {
    expect(Object.keys(RENDERERS).sort()).toEqual([...EXPORT_FORMATS].sort());
    expect(FORMAT_CATALOGUE.map((f) => [f.id, f.label, f.extension, f.content_type])).toEqual([
      ["csv", "CSV", "csv", "text/csv; charset=utf-8"],
      ["excel", "Excel", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"],
      ["pdf", "PDF", "pdf", "application/pdf"],
      ["json", "JSON", "json", "application/json"],
      ["ost", "OST XML", "xml", "application/xml"],
    ]);
    for (const f of FORMAT_CATALOGUE) {
      expect(f.description.length).toBeGreaterThan(10);
      expect(f.options.map((o) => o.key)).toEqual(
        expect.arrayContaining(["include_unverified", "include_costs", "condition_ids", "timezone"]),
      );
      for (const o of f.options) expect(o.description.length).toBeGreaterThan(5);
    }
    const csv = FORMAT_CATALOGUE.find((f) => f.id === "csv")!;
    expect(csv.options.find((o) => o.key === "bom")).toMatchObject({ type: "boolean", default: true });
    expect(csv.options.find((o) => o.key === "delimiter")).toMatchObject({ type: "string", default: ",", enum: [",", ";", "\t", "tab"] });
    expect(csv.options.find((o) => o.key === "condition_ids")).toMatchObject({ type: "array", items: { type: "string", format: "uuid" } });
    expect(csv.options.find((o) => o.key === "include_costs")).toMatchObject({ type: "boolean", default: true });
    expect(csv.options.find((o) => o.key === "timezone")).toMatchObject({ type: "string", default: "UTC" });
    const pdf = FORMAT_CATALOGUE.find((f) => f.id === "pdf")!;
    expect(pdf.options.find((o) => o.key === "page_size")).toMatchObject({ default: "letter", enum: ["letter", "a4"] });
    expect(pdf.options.find((o) => o.key === "orientation")).toMatchObject({ default: "portrait", enum: ["portrait", "landscape"] });
    expect(FORMAT_CATALOGUE.find((f) => f.id === "json")!.options.find((o) => o.key === "pretty")).toMatchObject({ default: true });
    expect(FORMAT_CATALOGUE.find((f) => f.id === "excel")!.options.map((o) => o.key)).not.toContain("bom");
  });
});

describe.each(EXPORT_FORMATS)("%s renderer", (format) => {
  const rows = format === "pdf" ? 3_000 : 12_000;

  it("waits for a slow output instead of buffering the file", async () => {
    const sink = slowSink();
    const progress = countingProgress();
    const result = await RENDERERS[format].render(syntheticSource(rows, { costs: true }), options(format), sink.sink, progress);
    expect(result.records).toBe(rows);
    expect(progress.rows).toBe(rows);
    expect(sink.sink.writableFinished).toBe(true);
    // At most about one batch may wait in the sink, however large the file.
    expect(sink.bytes).toBeGreaterThan(150_000);
    expect(sink.maxBuffered).toBeLessThan(Math.min(2_500_000, sink.bytes / 2));
    if (format === "json") expect(JSON.parse(sink.text()).summary.totalMeasurements).toBe(rows);
  });

  it("stops with ExportCancelledError when progress reports a cancellation", async () => {
    const sink = slowSink();
    const progress = countingProgress({ cancelAfter: 1 });
    await expect(RENDERERS[format].render(syntheticSource(rows), options(format), sink.sink, progress)).rejects.toBeInstanceOf(
      ExportCancelledError,
    );
    expect(progress.rows).toBeLessThan(rows);
  });

  it("fails instead of hanging when the output breaks", async () => {
    const sink = slowSink({ failAfterBytes: 50_000 });
    sink.sink.on("error", () => {});
    await expect(RENDERERS[format].render(syntheticSource(rows), options(format), sink.sink, countingProgress())).rejects.toThrow();
  });
});

describe.each(["csv", "json", "ost"] as const)("%s renderer output", (format) => {
  it("is handed over in pieces of at most 64 KB, never a batch-sized string", async () => {
    const sink = slowSink();
    await RENDERERS[format].render(syntheticSource(12_000), options(format), sink.sink, countingProgress());
    const sizes = sink.chunkSizes();
    expect(sink.bytes).toBeGreaterThan(10 * PIECE_BYTES);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(PIECE_BYTES);
    // Pieces are filled, not a row or two each.
    expect(sizes.length).toBeLessThan((sink.bytes / PIECE_BYTES) * 1.2 + 10);
  });

  if (format === "json") {
    it("writes exactly what JSON.stringify writes, pretty or compact, across batches and conditions", async () => {
      for (const pretty of [true, false]) {
        const sink = slowSink();
        await RENDERERS.json.render(syntheticSource(5_001, { costs: true }), options("json", { pretty }), sink.sink, countingProgress());
        const text = sink.text();
        const data: unknown = JSON.parse(text);
        expect(text).toBe(pretty ? `${JSON.stringify(data, null, 2)}\n` : JSON.stringify(data));
      }
    });
  }
});
