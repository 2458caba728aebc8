import { Writable } from "node:stream";
import zlib from "node:zlib";
import { describe, expect, it, vi } from "vitest";
import { CHUNK_BYTES, POOLED_CHUNKS, ZipWriter } from "@/lib/exports/formats/xlsx-zip";

/** Reads a whole archive back through its central directory: name → content (checked against its CRC). */
function unzip(zip: Buffer): Map<string, string> {
  const end = zip.length - 22;
  expect(zip.readUInt32LE(end)).toBe(0x06054b50);
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const files = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50);
    const crc = zip.readUInt32LE(at + 16);
    const compressed = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const offset = zip.readUInt32LE(at + 42);
    const name = zip.toString("utf8", at + 46, at + 46 + nameLength);
    expect(zip.readUInt32LE(offset)).toBe(0x04034b50);
    // Version, flags (bit 3: sizes in a data descriptor), method, time and date as in the directory.
    expect(zip.subarray(offset + 4, offset + 14).equals(zip.subarray(at + 6, at + 16))).toBe(true);
    expect(zip.readUInt16LE(offset + 6) & 0x08).toBe(0x08);
    expect(zip.toString("utf8", offset + 30, offset + 30 + zip.readUInt16LE(offset + 26))).toBe(name);
    const dataStart = offset + 30 + zip.readUInt16LE(offset + 26) + zip.readUInt16LE(offset + 28);
    const content = zlib.inflateRawSync(zip.subarray(dataStart, dataStart + compressed));
    expect(content.length).toBe(size);
    expect(zlib.crc32(content)).toBe(crc);
    files.set(name, content.toString("utf8"));
    at += 46 + nameLength;
  }
  return files;
}

/** An output that takes its time with every chunk, so the compressor's queue fills and the writer has to wait. */
function slowSink(chunks: Buffer[], delayMs = 1) {
  return new Writable({
    highWaterMark: 16 * 1024,
    write(chunk: Buffer, _encoding, callback) {
      // A copy: the test must not depend on the writer leaving a chunk alone once it is written.
      chunks.push(Buffer.from(chunk));
      setTimeout(callback, delayMs);
    },
  });
}

/** Rows of text that differ from row to row, so a reused buffer read too early would show up in the content. */
function rowText(i: number): string {
  return `<row r="${i}"><c r="A${i}"><v>${(i * 7919) % 104729}</v></c><c r="B${i}" t="inlineStr"><is><t>Ärger ✓ ${i.toString(36)}</t></is></c></row>`;
}

describe("ZipWriter", () => {
  it("never has more text buffers than its pool when the compressor falls behind and every batch is small", async () => {
    const chunks: Buffer[] = [];
    const zip = new ZipWriter(slowSink(chunks, 2), { date: new Date("2026-01-02T03:04:05Z"), level: 9 });
    const entry = await zip.openEntry("xl/worksheets/sheet1.xml");
    const allocations = vi.spyOn(Buffer, "allocUnsafeSlow");
    let expected = "";
    // Batches of ~150 KB, each handed over in a buffer of its own (as settle() does once per batch of rows).
    for (let batch = 0, i = 1; batch < 120; batch++) {
      let text = "";
      while (text.length < 150 * 1024) text += rowText(i++);
      entry.append(text);
      expected += text;
      entry.flush();
      await entry.ready();
    }
    const taken = allocations.mock.calls.filter(([size]) => size === CHUNK_BYTES).length;
    allocations.mockRestore();
    expect(taken).toBeLessThanOrEqual(POOLED_CHUNKS);
    await zip.closeEntry();
    await zip.finish();
    expect(unzip(Buffer.concat(chunks)).get("xl/worksheets/sheet1.xml")).toBe(expected);
  });

  it("streams entries through reused buffers and reads back byte for byte, with backpressure", async () => {
    const chunks: Buffer[] = [];
    const out = slowSink(chunks);
    const zip = new ZipWriter(out, { date: new Date("2026-01-02T03:04:05Z"), level: 5 });

    // Enough text for many pooled buffers, appended in pieces like a sheet's rows.
    let expected = "";
    const entry = await zip.openEntry("xl/worksheets/sheet1.xml");
    let piece = "";
    for (let i = 1; i <= 120_000; i++) {
      const row = rowText(i);
      piece += row;
      expected += row;
      if (piece.length >= 16 * 1024) {
        entry.append(piece);
        piece = "";
      }
      if (i % 500 === 0) {
        entry.flush();
        await entry.ready();
      }
    }
    entry.append(piece);
    // One text bigger than a pooled buffer goes through as bytes of its own.
    const big = "x".repeat(CHUNK_BYTES + 10);
    entry.append(big);
    expected += big;
    await zip.closeEntry();
    expect(expected.length).toBeGreaterThan(8 * CHUNK_BYTES);

    await zip.addEntry("docProps/app.xml", "<Properties/>");
    await zip.finish();

    const files = unzip(Buffer.concat(chunks));
    expect([...files.keys()]).toEqual(["xl/worksheets/sheet1.xml", "docProps/app.xml"]);
    expect(files.get("xl/worksheets/sheet1.xml") === expected).toBe(true);
    expect(files.get("docProps/app.xml")).toBe("<Properties/>");
  });

  it("fails ready() and the entry when the output dies, instead of waiting forever", async () => {
    const out = new Writable({
      highWaterMark: 1024,
      write(_chunk, _encoding, callback) {
        // Never completes: the output is stuck until it is destroyed.
        void callback;
      },
    });
    // As in the pipeline, the output's owner listens for its errors.
    out.on("error", () => {});
    const zip = new ZipWriter(out, { date: new Date(), level: 1 });
    // The local header fits in the output's buffer, so opening does not wait.
    const entry = await zip.openEntry("a.xml");
    let waiting: Promise<void> | null = null;
    for (let i = 0; i < 10_000 && !waiting; i++) {
      entry.append(rowText(i).repeat(50));
      entry.flush();
      const ready = entry.ready();
      // ready() is pending once the compressor's queue is full.
      const settled = await Promise.race([
        ready.then(
          () => true,
          () => true,
        ),
        new Promise((r) => setTimeout(() => r(false), 5)),
      ]);
      if (!settled) waiting = ready;
    }
    expect(waiting).not.toBeNull();
    // A second caller waits on the same promise.
    const alsoWaiting = entry.ready();
    out.destroy(new Error("storage went away"));
    await expect(waiting).rejects.toThrow("storage went away");
    await expect(alsoWaiting).rejects.toThrow("storage went away");
    await expect(zip.closeEntry()).rejects.toThrow();
  });
});
