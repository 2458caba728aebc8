import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { Writable } from "node:stream";
import PDFDocument from "pdfkit";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { FONTS_DIR, LATIN_FACE_SCRIPTS, PageBytes, PlainText, releaseWrittenPage, renderPdf } from "@/lib/exports/formats/pdf";
import { currentFont, fontkitFont, pageDictionary } from "@/lib/exports/formats/pdf/pdfkit-internals";
import { ExportCancelledError } from "@/lib/exports/formats/types";
import {
  countingProgress,
  importFixture,
  importNasty,
  NASTY,
  options,
  renderToFile,
  source,
  syntheticSource,
  tempDir,
  type Imported,
} from "../../fixtures/formats-data";
import { readerAvailable } from "../../helpers/file-readers";

// poppler-utils (pdftotext, pdfinfo, pdffonts) reads the files back; without it (and not in CI) only the structural checks run.
const hasPoppler = readerAvailable("pdftotext", ["-v"]);

const text = (file: string, page?: number) =>
  execFileSync("pdftotext", [...(page ? ["-f", String(page), "-l", String(page)] : []), "-layout", file, "-"], { encoding: "utf8" });
const info = (file: string) => execFileSync("pdfinfo", [file], { encoding: "utf8" });
const pageCount = (file: string) => Number(/Pages:\s+(\d+)/.exec(info(file))![1]);
/** Collapses runs of spaces that -layout uses for columns. */
const squash = (s: string) => s.replace(/[ \t]+/g, " ");

function fonts(file: string): { name: string; embedded: boolean }[] {
  return execFileSync("pdffonts", [file], { encoding: "utf8" })
    .split("\n")
    .slice(2)
    .filter(Boolean)
    .map((line) => {
      const cols = line.trim().split(/\s+/);
      // name type… encoding emb sub uni id gen: "emb" is the fifth column from the end.
      return { name: cols[0], embedded: cols[cols.length - 5] === "yes" };
    });
}

describe("PDF export", () => {
  const dir = tempDir();
  let spec: Imported;
  beforeAll(async () => {
    spec = await importFixture();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("is a complete PDF with embedded fonts", async () => {
    const opts = options("pdf");
    const { file, result } = await renderToFile("pdf", await source(spec, opts), opts, dir);
    const bytes = fs.readFileSync(file);
    expect(bytes.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    expect(bytes.subarray(-6).toString("latin1").trim()).toBe("%%EOF");
    expect(bytes.includes("FontFile2")).toBe(true);
    expect(result).toEqual({ records: 5, warnings: [] });
  });

  describe.skipIf(!hasPoppler)("read back with poppler", () => {
    it("prints the SPEC §6.3 report for a project with costs", async () => {
      const opts = options("pdf", { timezone: "America/New_York" });
      const { file } = await renderToFile("pdf", await source(spec, opts), opts, dir);
      const t = squash(text(file));
      expect(t).toContain("Test Construction Project");
      expect(t).toContain("Client: Acme Construction Co.");
      expect(t).toContain("Example project from the specification");
      expect(t).toContain("Project Summary");
      expect(t).toMatch(/Condition Type Unit Quantity Count Unit Cost Total/);
      expect(t).toMatch(/Floor Slab area SF 1,500.00 3 \$5.47 \$9,676.00/);
      expect(t).toMatch(/Continuous Footing linear LF 110.00 2/);
      expect(t).toContain("Project Total (with markup): $9,676.00");
      expect(t).toContain("Condition: Floor Slab");
      expect(t).toContain("Type: area | Unit: SF | Total: 1,500.00");
      expect(t).toContain("Condition: Continuous Footing");
      expect(t).toMatch(/Page Sheet # Geometry Quantity Unit/);
      expect(t).toMatch(/1 S-001 polygon 500.00 SF/);
      expect(t).toMatch(/2 S-002 polyline 70.00 LF/);
      expect(t).toContain("Generated 2025-03-01 09:30:00 UTC-05:00 (America/New_York)");
      expect(t).toContain("11111111-2222-4333-8444-555555555555");
      expect(t).toContain("Page 1 of 1");
      expect(info(file)).toMatch(/Page size:\s+612 x 792 pts \(letter\)/);
    });

    it("leaves out every cost line without include_costs; titles a document export with the document", async () => {
      const opts = options("pdf", { include_costs: false, include_unverified: false, page_size: "a4", orientation: "landscape" });
      const { file } = await renderToFile("pdf", await source(spec, opts, { type: "document" }), opts, dir);
      const t = squash(text(file));
      expect(t.trimStart().startsWith("Structural Set.pdf")).toBe(true);
      expect(t).toContain("Project: Test Construction Project");
      expect(t).not.toContain("$");
      expect(t).not.toContain("Unit Cost");
      expect(t).not.toContain("Project Total");
      expect(t).toMatch(/Floor Slab area SF 1,000.00 2/);
      expect(t).toContain('Source: document "Structural Set.pdf"');
      expect(info(file)).toMatch(/Page size:\s+841.89 x 595.28 pts \(A4\)/);
    });

    it("says No conditions found. for an empty project", async () => {
      const empty = await importFixture({ name: "Empty" });
      const opts = options("pdf");
      const { file, result } = await renderToFile("pdf", await source(empty, opts), opts, dir);
      expect(text(file)).toContain("No conditions found.");
      expect(pageCount(file)).toBe(1);
      expect(result.records).toBe(0);
    });

    it("repeats table headers and puts a page n of N footer on every page", async () => {
      const many = await importFixture({
        name: "Long report",
        conditions: [
          { ref: "a", name: "Floor Slab", measurement_type: "area", unit: "SF" },
          { ref: "b", name: "Walls", measurement_type: "linear", unit: "LF" },
        ],
        documents: [
          {
            name: "D.pdf",
            pages: [1, 2, 3].map((page_number) => ({
              page_number,
              sheet_number: `A-${page_number}`,
              measurements: Array.from({ length: 60 }, (_, i) => ({
                condition: i % 2 ? "b" : "a",
                geometry_type: "point",
                geometry: { x: i, y: i },
                quantity: i,
              })),
            })),
          },
        ],
      });
      const opts = options("pdf");
      const { file, result } = await renderToFile("pdf", await source(many, opts), opts, dir);
      expect(result.records).toBe(180);
      const n = pageCount(file);
      expect(n).toBeGreaterThanOrEqual(4);
      for (let page = 1; page <= n; page++) {
        const t = squash(text(file, page));
        expect(t).toContain(`Page ${page} of ${n}`);
        expect(t).toContain("11111111-2222-4333-8444-555555555555");
        if (page > 1) expect(t).toMatch(/Page Sheet # Geometry Quantity Unit/);
      }
      expect(squash(text(file, 2))).toMatch(/Condition: (Floor Slab|Walls)( \(continued\))?/);
      expect(squash(text(file))).toContain("(continued)");
    });

    it("renders Latin, Greek, Cyrillic, CJK and Hangul with embedded fonts", async () => {
      const nasty = await importNasty();
      const opts = options("pdf");
      const { file, result } = await renderToFile("pdf", await source(nasty, opts), opts, dir);
      const t = squash(text(file));
      expect(t).toContain(`Projekt "Ω" <Σ & Ж> 工程`);
      expect(t).toContain(`Condition: ${NASTY.greek}`);
      expect(t).toContain(`Condition: ${NASTY.cyrillic}`);
      expect(t).toContain(`Condition: ${NASTY.cjk}`);
      expect(t).toContain('Condition: Wall, "Type A" Line 2');
      expect(t).toMatch(/3 =SUM\(A1\) polygon -12.50 SF/);
      expect(t).toContain("-$110.55");
      expect(t).toContain("No measurements here");
      const used = fonts(file);
      expect(used.length).toBeGreaterThanOrEqual(3);
      expect(used.every((f) => f.embedded)).toBe(true);
      expect(used.map((f) => f.name.replace(/^[A-Z]{6}\+/, "")).sort()).toEqual(
        expect.arrayContaining(["NotoSans-Bold", "NotoSans-Regular", "NotoSansSC-Regular", "NotoSansKR-Regular"]),
      );
      expect(result.warnings).toEqual([]);
    });
  });

  describe("memory: no work or objects that grow with the rows", () => {
    /** A pdfkit document with Noto Sans selected, and pdfkit's font object (its EmbeddedFont). */
    function notoSans() {
      const doc = new PDFDocument({ autoFirstPage: false });
      doc.registerFont("latin", fs.readFileSync(path.join(FONTS_DIR, "NotoSans-Regular.ttf")));
      // At size 1000 pdfkit measures in 1/1000 em, as PlainText does.
      doc.font("latin").fontSize(1000);
      const font = currentFont(doc);
      return { doc, font };
    }

    it("sets table text glyph by glyph with pdfkit's widths and kerning, and leaves text that needs shaping to pdfkit", () => {
      const { doc, font } = notoSans();
      const plain = new PlainText(font, LATIN_FACE_SCRIPTS);
      for (const text of ["AV", "1,234.56", 'Wall, "Type A"', "Ωμέγα", "Кирпич", "To Ta", "S-101 polygon SF"]) {
        expect(plain.width(text)).toBeCloseTo(doc.widthOfString(text), 6);
      }
      // A ligature (ffi), a combining accent, a soft hyphen: fontkit's shaping changes these.
      for (const text of ["office", "e\u0301", "Tab\u00ADle"]) expect(plain.width(text)).toBeNull();

      const out = new PageBytes();
      plain.writeTJ("AV", out);
      const tj = Buffer.from(out.take()).toString("latin1").trim();
      const kern = plain.width("AV")! - plain.width("A")! - plain.width("V")!;
      expect(kern).toBeLessThan(0);
      expect(tj).toMatch(new RegExp(`^\\[<[0-9a-f]{4}> ${-kern} <[0-9a-f]{4}>\\]$`));
    });

    it("writes PDF numbers to a hundredth, without trailing zeros", () => {
      const out = new PageBytes();
      for (const n of [0, 12, 12.5, 12.345, -3.001, -0.004, 792, 1234567.891]) {
        out.num(n);
        out.ascii(" ");
      }
      expect(Buffer.from(out.take()).toString("latin1")).toBe("0 12 12.5 12.35 -3 0 792 1234567.89 \n");
    });

    it("shapes text per character pair, not per value: layout work stays the same for 4x the rows", async () => {
      // fontkit's layout() is where shaping every distinct value cost ~70 KB of garbage a row.
      const fontkitPrototype = Object.getPrototypeOf(fontkitFont(notoSans().font)) as { layout: (...args: unknown[]) => unknown };
      const layout = vi.spyOn(fontkitPrototype, "layout");
      const layoutCalls = async (rows: number) => {
        layout.mockClear();
        const sink = new Writable({ write: (_chunk, _enc, callback) => callback() });
        const result = await renderPdf(syntheticSource(rows), options("pdf"), sink, countingProgress());
        expect(result.records).toBe(rows);
        return layout.mock.calls.length;
      };
      try {
        const small = await layoutCalls(2_000);
        const large = await layoutCalls(8_000);
        expect(small).toBeGreaterThan(0);
        expect(large).toBeLessThan(small * 1.1);
      } finally {
        layout.mockRestore();
      }
    });

    it("closes the source when the export stops early, as a for-await loop would", async () => {
      const src = syntheticSource(6_000);
      const rows = src.measurements;
      let closed = false;
      src.measurements = async function* () {
        try {
          yield* rows();
        } finally {
          closed = true;
        }
      };
      const sink = new Writable({ write: (_chunk, _enc, callback) => callback() });
      await expect(renderPdf(src, options("pdf"), sink, countingProgress({ cancelAfter: 1 }))).rejects.toBeInstanceOf(ExportCancelledError);
      expect(closed).toBe(true);
    });

    it("lets go of a page's content and resources once pdfkit has written it", async () => {
      const { doc } = notoSans();
      const file = path.join(dir, "released.pdf");
      const written = new Promise<void>((resolve, reject) =>
        doc.pipe(fs.createWriteStream(file)).on("finish", resolve).on("error", reject),
      );
      doc.addPage();
      doc.fontSize(12).text("First page", 50, 50);
      const first = doc.page;
      releaseWrittenPage(first);
      // Not written yet: nothing is released.
      expect(pageDictionary(first).data).toHaveProperty("Contents");
      doc.addPage();
      doc.fontSize(12).text("Second page", 50, 50);
      releaseWrittenPage(first);
      expect(pageDictionary(first).data).toEqual({});
      doc.end();
      await written;
      if (!hasPoppler) return;
      expect(pageCount(file)).toBe(2);
      expect(text(file, 1)).toContain("First page");
      expect(text(file, 2)).toContain("Second page");
    });
  });
});
