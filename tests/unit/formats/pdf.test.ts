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
  SECOND_DOCUMENT,
  source,
  syntheticSource,
  tempDir,
  twoDocumentProject,
  UNICODE_CONDITION,
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

describe.skipIf(!hasPoppler)("PDF breakdown and group_by (SPEC §12.3), read back with poppler", () => {
  const dir = tempDir();
  let two: Imported;
  beforeAll(async () => {
    two = await importFixture(twoDocumentProject());
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("prints the breakdown by sheet after the Project Summary, with a Total row equal to the condition totals", async () => {
    const opts = options("pdf", { breakdown: "sheet", orientation: "landscape" });
    const { file } = await renderToFile("pdf", await source(two, opts), opts, dir);
    const t = squash(text(file));
    const at = t.indexOf("Quantities by sheet");
    expect(at).toBeGreaterThan(t.indexOf("Project Total (with markup)"));
    expect(at).toBeLessThan(t.indexOf("Condition: Floor Slab"));
    const table = t.slice(at, t.indexOf("Condition: Floor Slab"));
    expect(table).toMatch(/Document Page Sheet # Floor Slab \(SF\) Continuous Footing \(LF\)/);
    expect(table).toContain(`${UNICODE_CONDITION} (LF)`);
    // Rows in document then page order; an empty cell where a condition has nothing.
    expect(table).toMatch(/Structural Set\.pdf 1 S-001 1,000\.00 40\.00\n/);
    expect(table).toMatch(/Structural Set\.pdf 2 S-002 500\.00 70\.00\n/);
    expect(table).toMatch(new RegExp(`${SECOND_DOCUMENT.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} 1 A-101 125\\.50 5\\.00\\n`));
    // Total = the Project Summary's quantities.
    const summary = t.slice(t.indexOf("Project Summary"), at);
    const totals = /Total 1,625\.50 110\.00 5\.00/.exec(table);
    expect(totals).not.toBeNull();
    expect(summary).toMatch(/Floor Slab area SF 1,625\.50 4/);
    expect(summary).toMatch(/Continuous Footing linear LF 110\.00 2/);
    expect(summary).toMatch(/linear LF 5\.00 1/);
  });

  it("prints one row per document by document", async () => {
    const opts = options("pdf", { breakdown: "document", include_costs: false });
    const { file } = await renderToFile("pdf", await source(two, opts), opts, dir);
    const t = squash(text(file));
    const table = t.slice(t.indexOf("Quantities by document"), t.indexOf("Condition: Floor Slab"));
    expect(table).toMatch(/Structural Set\.pdf 1,500\.00 110\.00\n/);
    expect(table).toMatch(/125\.50 5\.00\n/);
    expect(table).toMatch(/Total 1,625\.50 110\.00 5\.00/);
    expect(squash(text((await renderToFile("pdf", await source(two, options("pdf")), options("pdf"), dir)).file))).not.toContain(
      "Quantities by",
    );
  });

  it("groups the summary under headings with Subtotal rows, (none) last", async () => {
    const opts = options("pdf", { group_by: "building" });
    const { file } = await renderToFile("pdf", await source(two, opts), opts, dir);
    const t = squash(text(file));
    const summary = t.slice(t.indexOf("Project Summary"), t.indexOf("Project Total (with markup)"));
    const lines = summary
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean);
    expect(lines.map((l) => l.split(" ")[0])).toEqual([
      "Project",
      "Condition",
      "Main",
      "Floor",
      "Subtotal",
      "Корпус",
      UNICODE_CONDITION.split(" ")[0],
      "Subtotal",
      "(none)",
      "Continuous",
      "Subtotal",
    ]);
    expect(lines[4]).toMatch(/^Subtotal SF 1,625\.50 4 \$[\d,]+\.\d\d$/);
    expect(lines[7]).toBe("Subtotal LF 5.00 1");
    expect(lines[10]).toBe("Subtotal LF 110.00 2");

    const scope = options("pdf", { group_by: "scope", include_costs: false });
    const s = squash(text((await renderToFile("pdf", await source(two, scope), scope, dir)).file));
    // concrete holds SF and LF: no quantity, no unit.
    expect(s).toMatch(/Subtotal 6\n/);
  });

  it("continues condition columns that do not fit the width in further tables, each with its Total row", async () => {
    const conditionsList = Array.from({ length: 12 }, (_, i) => ({
      ref: `c${i}`,
      name: `C${i + 1}`,
      measurement_type: "count",
      unit: "EA",
    }));
    const p = await importFixture({
      name: "Wide",
      conditions: conditionsList,
      documents: [
        {
          name: "D.pdf",
          pages: [
            {
              page_number: 1,
              sheet_number: "S-1",
              measurements: conditionsList.map((c, i) => ({
                condition: c.ref,
                geometry_type: "point",
                geometry: { x: 1, y: 2 },
                quantity: i + 1,
                is_verified: true,
              })),
            },
          ],
        },
      ],
    });
    const opts = options("pdf", { breakdown: "sheet" });
    const { file } = await renderToFile("pdf", await source(p, opts), opts, dir);
    const t = squash(text(file));
    const bands = [...t.matchAll(/Quantities by sheet \(conditions (\d+)–(\d+) of 12\)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(bands.length).toBeGreaterThan(1);
    expect(bands[0][0]).toBe(1);
    expect(bands.at(-1)![1]).toBe(12);
    for (let i = 1; i < bands.length; i++) expect(bands[i][0]).toBe(bands[i - 1][1] + 1);
    // Every condition's total appears once in some Total row.
    const totals = [...t.matchAll(/^ ?Total ([\d., ]+)$/gm)].flatMap((m) => m[1].trim().split(" "));
    expect(totals).toEqual(conditionsList.map((_, i) => `${i + 1}.00`));
  });
});
