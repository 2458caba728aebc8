import { Writable } from "node:stream";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PIECE_BYTES, TextOutput } from "@/lib/exports/formats/text-output";

function collector() {
  const chunks: Buffer[] = [];
  const out = new Writable({
    write(chunk: Buffer, _enc, callback) {
      chunks.push(Buffer.from(chunk));
      callback();
    },
  });
  return { out, chunks };
}

async function run(parts: { text: string; quoted: boolean }[]) {
  const { out, chunks } = collector();
  const text = new TextOutput(out);
  for (const part of parts) {
    if (part.quoted) text.addQuoted(part.text);
    else text.add(part.text);
    if (text.full) await text.flush();
  }
  await text.end();
  return chunks;
}

const expected = (parts: { text: string; quoted: boolean }[]) =>
  parts.map((p) => (p.quoted ? `"${p.text.replace(/"/g, '""')}"` : p.text)).join("");

describe("TextOutput", () => {
  it("writes exactly the text it is given, in pieces of at most PIECE_BYTES, splitting long texts between whole characters", async () => {
    // Multi-byte and astral characters land on every piece boundary sooner or later.
    const unit = fc.oneof(fc.constantFrom("a", "é", "平", "😀", '"', "\n", ","), fc.string({ unit: "grapheme", maxLength: 3 }));
    const part = fc.record({
      text: fc.oneof(
        fc.array(unit, { maxLength: 40 }).map((a) => a.join("")),
        fc.array(unit, { minLength: 3000, maxLength: 25_000 }).map((a) => a.join("")),
      ),
      quoted: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(part, { maxLength: 30 }), async (parts) => {
        const chunks = await run(parts);
        expect(Buffer.concat(chunks).toString("utf8")).toBe(expected(parts));
        for (const c of chunks) {
          expect(c.length).toBeGreaterThan(0);
          expect(c.length).toBeLessThanOrEqual(PIECE_BYTES);
          // No piece ends inside a character: each decodes on its own.
          expect(Buffer.from(c.toString("utf8"), "utf8").equals(c)).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("fills pieces when the texts added are several kilobytes each", async () => {
    const row = `{"id":"${"x".repeat(36)}","notes":"Plan d'étage – Ω 平面図","geometry":{"points":[${"[1.5,2.25],".repeat(200)}[0,0]]}}`;
    const parts = Array.from({ length: 400 }, () => ({ text: row, quoted: false }));
    const chunks = await run(parts);
    const total = chunks.reduce((n, c) => n + c.length, 0);
    // Full but for the last, and but for up to 3 bytes where the next character did not fit.
    expect(chunks.length).toBeLessThanOrEqual(Math.ceil(total / (PIECE_BYTES - 3)));
  });
});
