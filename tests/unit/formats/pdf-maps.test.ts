// SPEC §12.4: the PDF's takeoff map pages — one per drawing page with measurements, drawn in condition colours, with a legend.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MARGIN } from "@/lib/exports/formats/pdf/layout";
import { mapBox, MAP_PADDING, mapPages } from "@/lib/exports/formats/pdf/takeoff-map";
import type { ExportSource, SourceCondition, SourceMeasurement } from "@/lib/exports/formats/types";
import { fitExtent, project, type Pt } from "@/lib/takeoff/map";
import { importFixture, options, renderToFile, source, syntheticSource, tempDir } from "../../fixtures/formats-data";
import { readerAvailable } from "../../helpers/file-readers";

const hasPoppler = readerAvailable("pdftotext", ["-v"]);
const text = (file: string, page: number) =>
  execFileSync("pdftotext", ["-f", String(page), "-l", String(page), "-layout", file, "-"], { encoding: "utf8" }).replace(/[ \t]+/g, " ");
const pageCount = (file: string) => Number(/Pages:\s+(\d+)/.exec(execFileSync("pdfinfo", [file], { encoding: "utf8" }))![1]);

const DPI = 50;
/** One page as RGB pixels (pdftoppm's PPM: "P6 w h 255" then the bytes). */
function raster(file: string, page: number): { width: number; height: number; at(x: number, y: number): [number, number, number] } {
  const prefix = path.join(path.dirname(file), `r-${page}-${Math.random().toString(36).slice(2)}`);
  execFileSync("pdftoppm", ["-r", String(DPI), "-f", String(page), "-l", String(page), "-singlefile", file, prefix]);
  const bytes = fs.readFileSync(`${prefix}.ppm`);
  const header = /^P6\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(bytes.subarray(0, 40).toString("latin1"))!;
  const [width, height] = [Number(header[1]), Number(header[2])];
  const data = bytes.subarray(header[0].length);
  return {
    width,
    height,
    at(x, y) {
      const i = (Math.round(y) * width + Math.round(x)) * 3;
      return [data[i], data[i + 1], data[i + 2]];
    },
  };
}

const hex = (c: string): [number, number, number] =>
  [1, 3, 5].map((i) => Number.parseInt(c.slice(i, i + 2), 16)) as [number, number, number];
/** The colour at 25 % opacity over white. */
const tint = (c: string) => hex(c).map((v) => 0.25 * v + 0.75 * 255) as [number, number, number];
const near = (a: number[], b: number[], tol: number) => a.every((v, i) => Math.abs(v - b[i]) <= tol);

const RED = "#dc2626";
const BLUE = "#2563eb";
const GREEN = "#16a34a";
const DOC = "Site Plan Set.pdf";
const DOC_ID = "20000000-0000-4000-8000-0000000000aa";

function condition(i: number, name: string, color: string, unit: string, type: SourceCondition["measurementType"]): SourceCondition {
  return {
    id: `00000000-0000-4000-8000-0000000000a${i}`,
    name,
    description: null,
    scope: null,
    category: null,
    building: null,
    area: null,
    elevation: null,
    measurementType: type,
    unit,
    color,
    sortOrder: i,
    costs: null,
    totalQuantity: 0,
    measurementCount: 0,
  };
}

const SLAB = condition(1, "Slab", RED, "SF", "area");
const WALL = condition(2, "Wall", BLUE, "LF", "linear");
const COLS = condition(3, "Columns", GREEN, "EA", "count");

let k = 0;
function row(
  c: SourceCondition,
  page: number | null,
  sheet: [string, string] | null,
  type: SourceMeasurement["geometryType"],
  geometry: unknown,
  quantity: number,
): SourceMeasurement {
  return {
    id: `10000000-0000-4000-8000-${String(k++).padStart(12, "0")}`,
    conditionId: c.id,
    documentId: page === null ? null : DOC_ID,
    documentName: page === null ? null : DOC,
    pageNumber: page,
    sheetNumber: sheet?.[0] ?? null,
    sheetTitle: sheet?.[1] ?? null,
    geometryType: type,
    geometry,
    quantity,
    unit: c.unit,
    isVerified: true,
    isAiGenerated: false,
    notes: null,
  };
}

const A101: [string, string] = ["A-101", "Ground Floor"];
// Page 1 spans 0..1000 × 0..1000: a slab in the top-left quarter, a wall along the bottom, columns on the left edge; the top-right quarter stays empty.
const PAGE_1 = [
  row(
    SLAB,
    1,
    A101,
    "polygon",
    {
      points: [
        { x: 0, y: 0 },
        { x: 400, y: 0 },
        { x: 400, y: 400 },
        { x: 0, y: 400 },
      ],
    },
    1500,
  ),
  row(SLAB, 1, A101, "rectangle", { x: 100, y: 500, width: 200, height: 200, rotation: 45 }, 400),
  row(
    WALL,
    1,
    A101,
    "polyline",
    {
      points: [
        { x: 0, y: 1000 },
        { x: 500, y: 1000 },
        { x: 1000, y: 1000 },
      ],
    },
    120.5,
  ),
  row(COLS, 1, A101, "point", { x: 50, y: 800 }, 1),
  row(COLS, 1, A101, "point", { x: 1000, y: 600 }, 1),
];
// Page 2 has no sheet number: a slab circle and a wall line.
const PAGE_2 = [
  row(SLAB, 2, null, "circle", { center: { x: 50, y: 50 }, radius: 50 }, 7854),
  row(WALL, 2, null, "line", { start: { x: 0, y: 100 }, end: { x: 200, y: 100 } }, 200),
];
// A measurement without a page has nothing to be drawn on.
const NO_PAGE = [row(COLS, null, null, "point", { x: 1, y: 1 }, 1)];

function mapSource(): ExportSource {
  const byPage = [...PAGE_1, ...PAGE_2, ...NO_PAGE];
  const conditions = [SLAB, WALL, COLS].map((c) => {
    const mine = byPage.filter((m) => m.conditionId === c.id);
    return { ...c, measurementCount: mine.length, totalQuantity: mine.reduce((a, m) => a + m.quantity, 0) };
  });
  const exportOrder = conditions.flatMap((c) => byPage.filter((m) => m.conditionId === c.id));
  return {
    ...syntheticSource(0),
    type: "document",
    document: { id: DOC_ID, name: DOC, pageCount: 3 },
    conditions,
    rowsTotal: byPage.length,
    measurements: async function* () {
      yield exportOrder;
    },
    // Two batches that split page 1, as the source's chunks may.
    measurementsByPage: async function* () {
      yield byPage.slice(0, 2);
      yield byPage.slice(2);
    },
  };
}

const PNG_DIR = process.env.MAP_PNG_DIR;

describe.skipIf(!hasPoppler)("PDF takeoff maps", () => {
  const dir = tempDir();
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("are off by default", () => {
    expect(options("pdf").takeoff_maps).toBe(false);
  });

  it("add one page per drawing page with measurements after the summary, titled by sheet or page number", async () => {
    const opts = options("pdf", { takeoff_maps: true });
    const { file } = await renderToFile("pdf", mapSource(), opts, dir);
    // Summary, page 1's map, page 2's map, then the condition tables on a page of their own.
    expect(pageCount(file)).toBe(4);
    expect(text(file, 1)).toContain("Project Summary");
    expect(text(file, 1)).not.toContain("Condition: Slab");
    const p2 = text(file, 2);
    expect(p2).toContain(`${DOC} — A-101 Ground Floor`);
    expect(p2).toContain("Page 2 of 4");
    // Legend: name, quantity on this page with unit, count.
    expect(p2).toMatch(/Slab 1,900\.00 SF 2/);
    expect(p2).toMatch(/Wall 120\.50 LF 1/);
    expect(p2).toMatch(/Columns 2\.00 EA 2/);
    const p3 = text(file, 3);
    expect(p3).toContain(`${DOC} — Page 2`);
    expect(p3).toMatch(/Slab 7,854\.00 SF 1/);
    expect(p3).toMatch(/Wall 200\.00 LF 1/);
    expect(p3).not.toContain("Columns");
    expect(text(file, 4)).toContain("Condition: Slab");

    const without = await renderToFile("pdf", mapSource(), options("pdf"), dir);
    expect(pageCount(without.file)).toBe(1);
    expect(text(without.file, 1)).not.toContain("A-101 Ground Floor");
  });

  it("draw every shape in its condition's colour where it is, and nothing in an empty corner", async () => {
    const opts = options("pdf", { takeoff_maps: true });
    const { file } = await renderToFile("pdf", mapSource(), opts, dir);
    const img = raster(file, 2);
    if (PNG_DIR) {
      fs.mkdirSync(PNG_DIR, { recursive: true });
      for (const page of [2, 3])
        execFileSync("pdftoppm", [
          "-r",
          "100",
          "-png",
          "-f",
          String(page),
          "-l",
          String(page),
          "-singlefile",
          file,
          path.join(PNG_DIR, `map-page-${page}`),
        ]);
    }
    // Where the drawing went: the same box and fit the renderer uses (letter portrait, 3 conditions in the legend).
    const { box } = mapBox({ top: MARGIN, bottom: 792 - 44, width: 612 }, 3);
    const fit = fitExtent({ minX: 0, minY: 0, maxX: 1000, maxY: 1000 }, box, MAP_PADDING);
    const px = (p: Pt) => {
      const q = project(fit, p);
      return { x: (q.x * DPI) / 72, y: (q.y * DPI) / 72 };
    };
    const window = (p: Pt, r: number, test: (c: number[]) => boolean) => {
      const c = px(p);
      for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) if (test(img.at(c.x + dx, c.y + dy))) return true;
      return false;
    };
    // The slab's polygon, filled at 25 %, and its rotated rectangle's centre.
    expect(img.at(px({ x: 200, y: 200 }).x, px({ x: 200, y: 200 }).y)).toSatisfy((c: number[]) => near(c, tint(RED), 12));
    expect(img.at(px({ x: 200, y: 600 }).x, px({ x: 200, y: 600 }).y)).toSatisfy((c: number[]) => near(c, tint(RED), 12));
    // Rotated by 45°: the rectangle's corner (100, 500) is outside, its diamond's top (200, 459) inside.
    expect(window({ x: 105, y: 505 }, 0, (c) => near(c, tint(RED), 12))).toBe(false);
    expect(window({ x: 200, y: 470 }, 0, (c) => near(c, tint(RED), 12))).toBe(true);
    // The polygon's stroke, much redder than its fill, along its right edge.
    expect(window({ x: 400, y: 200 }, 1, (c) => c[0] - c[1] > 80)).toBe(true);
    // The wall: a blue stroke along the bottom.
    expect(window({ x: 750, y: 1000 }, 1, (c) => c[2] - c[0] > 60 && c[2] > 120)).toBe(true);
    // The columns: green markers.
    expect(window({ x: 50, y: 800 }, 1, (c) => c[1] - c[0] > 60 && c[1] - c[2] > 30)).toBe(true);
    expect(window({ x: 1000, y: 600 }, 1, (c) => c[1] - c[0] > 60 && c[1] - c[2] > 30)).toBe(true);
    // The empty top-right quarter: white.
    expect(window({ x: 750, y: 250 }, 30, (c) => c.some((v) => v < 245))).toBe(false);
    // The legend's swatches below the drawing, in the three colours.
    const legendTop = ((box.y + box.height + 10) * DPI) / 72;
    const swatches = [RED, BLUE, GREEN].map((color) => {
      for (let y = Math.floor(legendTop); y < img.height; y++)
        for (let x = Math.floor((MARGIN * DPI) / 72); x < Math.floor(((MARGIN + 10) * DPI) / 72); x++)
          if (near(img.at(x, y), hex(color), 40)) return true;
      return false;
    });
    expect(swatches).toEqual([true, true, true]);

    // Page 2's circle (slab) and line (wall).
    const img3 = raster(file, 3);
    const box3 = mapBox({ top: MARGIN, bottom: 792 - 44, width: 612 }, 2).box;
    const fit3 = fitExtent({ minX: 0, minY: 0, maxX: 200, maxY: 100 }, box3, MAP_PADDING);
    const at3 = (p: Pt) => {
      const q = project(fit3, p);
      return img3.at((q.x * DPI) / 72, (q.y * DPI) / 72);
    };
    expect(at3({ x: 50, y: 40 })).toSatisfy((c: number[]) => near(c, tint(RED), 12));
    expect(at3({ x: 150, y: 40 })).toSatisfy((c: number[]) => c.every((v) => v >= 245));
  });

  it("keep a crowded legend and undrawable geometry on one page each", async () => {
    const many = Array.from({ length: 60 }, (_, i) => condition(i, `Crowded ${i + 1}`, "#9333ea", "SF", "area"));
    const crowded = many.map((c, i) => row(c, 1, ["S-1", "Crowded"], "point", { x: i, y: i }, 1));
    const broken = [row(many[0], 2, ["S-2", "Broken"], "polygon", { points: [{ x: 0, y: Number.NaN }] }, 5)];
    const rows = [...crowded, ...broken];
    const src: ExportSource = {
      ...mapSource(),
      conditions: many.map((c) => ({ ...c, measurementCount: rows.filter((m) => m.conditionId === c.id).length })),
      rowsTotal: rows.length,
      measurements: async function* () {
        yield many.flatMap((c) => rows.filter((m) => m.conditionId === c.id));
      },
      measurementsByPage: async function* () {
        yield rows;
      },
    };
    const opts = options("pdf", { takeoff_maps: true, orientation: "landscape", page_size: "a4" });
    const { file } = await renderToFile("pdf", src, opts, dir);
    const summaryPages = pageCount(
      (await renderToFile("pdf", src, options("pdf", { orientation: "landscape", page_size: "a4" }), dir)).file,
    );
    // The summary of 60 conditions, its tables after it; two map pages in between, each exactly one page.
    const first = summaryPages > 1 ? 2 : 1;
    const maps = [1, 2, 3, 4, 5].map((n) => text(file, n)).findIndex((t) => t.includes("S-1 Crowded")) + 1;
    expect(maps).toBeGreaterThanOrEqual(first);
    const crowdedPage = text(file, maps);
    expect(crowdedPage).toContain("Crowded 1 ");
    expect(crowdedPage).toMatch(/\+ \d+ more conditions \(see the Project Summary\)/);
    const shown = Number(/\+ (\d+) more/.exec(crowdedPage)![1]);
    expect(crowdedPage).toContain(`Crowded ${60 - shown} `);
    expect(crowdedPage).not.toContain(`Crowded ${60 - shown + 1} `);
    if (PNG_DIR)
      for (const page of [maps, maps + 1])
        execFileSync("pdftoppm", [
          "-r",
          "100",
          "-png",
          "-f",
          String(page),
          "-l",
          String(page),
          "-singlefile",
          file,
          path.join(PNG_DIR, `crowded-${page - maps + 1}`),
        ]);
    const brokenPage = text(file, maps + 1);
    expect(brokenPage).toContain("S-2 Broken");
    expect(brokenPage).toContain("No drawable geometry on this page");
    expect(brokenPage).toMatch(/Crowded 1 5\.00 SF 1/);
    expect(text(file, maps + 2)).toContain("Condition: Crowded 1");
  });

  it("read the database source's rows in By-Page order", async () => {
    const spec = await importFixture();
    const opts = options("pdf", { takeoff_maps: true });
    const { file, result } = await renderToFile("pdf", await source(spec, opts, { type: "document" }), opts, dir);
    const plain = await renderToFile("pdf", await source(spec, options("pdf"), { type: "document" }), options("pdf"), dir);
    // Structural Set.pdf has measurements on its pages 1 and 2: two map pages, then the tables on a new page.
    expect(pageCount(file)).toBe(pageCount(plain.file) + 3);
    expect(text(file, 2)).toMatch(/Structural Set\.pdf — \S/);
    expect(text(file, 3)).toMatch(/Structural Set\.pdf — \S/);
    // The map pages read rows of their own: the tables still count each row once.
    expect(result.records).toBe(plain.result.records);
  });

  it("hold one page's measurements at a time", async () => {
    let read = 0;
    async function* rows() {
      for (const page of [PAGE_1, PAGE_2]) {
        read++;
        yield page;
      }
    }
    const seen: { title: string | null; n: number; readBefore: number }[] = [];
    for await (const p of mapPages(rows())) seen.push({ title: p.naming.sheetNumber, n: p.measurements.length, readBefore: read });
    // Page 1 is handed over as soon as page 2's first row arrives, before anything after it is read.
    expect(seen).toEqual([
      { title: "A-101", n: PAGE_1.length, readBefore: 2 },
      { title: null, n: PAGE_2.length, readBefore: 2 },
    ]);
    const counted = [];
    for await (const p of mapPages(rows(), false)) counted.push(p.measurements.length);
    expect(counted).toEqual([0, 0]);
  });
});
