/** The takeoff map's drawing (SPEC §12.4, §6.6): extent, fit, rotation, degenerate input and legend totals. */
import { describe, expect, it } from "vitest";
import {
  conditionColor,
  fitExtent,
  layoutMap,
  mapTitle,
  prepareMap,
  rectangleCorners,
  toShape,
  type MapCondition,
  type MapMeasurement,
} from "@/lib/takeoff/map";

const SLAB: MapCondition = { id: "c-slab", name: "Floor Slab", color: "#3B82F6", unit: "SF" };
const WALL: MapCondition = { id: "c-wall", name: "Wall", color: "#EF4444", unit: "LF" };
const BOX = { x: 0, y: 0, width: 200, height: 100 };

const m = (conditionId: string, geometryType: string, geometry: unknown, quantity = 1): MapMeasurement => ({
  conditionId,
  geometryType,
  geometry,
  quantity,
});

const extentOf = (measurements: MapMeasurement[]) => prepareMap({ conditions: [SLAB, WALL], measurements }).extent;

describe("extent of each geometry type", () => {
  it("line: its two ends", () => {
    expect(extentOf([m("c-wall", "line", { start: { x: 10, y: 40 }, end: { x: 110, y: 20 } })])).toEqual({
      minX: 10,
      minY: 20,
      maxX: 110,
      maxY: 40,
    });
  });

  it("polyline and polygon: all their points", () => {
    const pts = [
      { x: 5, y: 5 },
      { x: 50, y: -5 },
      { x: 20, y: 80 },
    ];
    expect(extentOf([m("c-wall", "polyline", { points: pts })])).toEqual({ minX: 5, minY: -5, maxX: 50, maxY: 80 });
    expect(extentOf([m("c-slab", "polygon", { points: pts })])).toEqual({ minX: 5, minY: -5, maxX: 50, maxY: 80 });
  });

  it("rectangle without rotation: x, y, width, height", () => {
    expect(extentOf([m("c-slab", "rectangle", { x: 600, y: 100, width: 250, height: 200 })])).toEqual({
      minX: 600,
      minY: 100,
      maxX: 850,
      maxY: 300,
    });
  });

  it("circle: the centre ± the radius", () => {
    expect(extentOf([m("c-slab", "circle", { center: { x: 50, y: 60 }, radius: 10 })])).toEqual({ minX: 40, minY: 50, maxX: 60, maxY: 70 });
  });

  it("point: itself (zero extent)", () => {
    expect(extentOf([m("c-slab", "point", { x: 7, y: 9 })])).toEqual({ minX: 7, minY: 9, maxX: 7, maxY: 9 });
  });

  it("several shapes of several conditions: the union", () => {
    expect(
      extentOf([
        m("c-slab", "rectangle", { x: 0, y: 0, width: 10, height: 10 }),
        m("c-wall", "line", { start: { x: -5, y: 3 }, end: { x: 2, y: 30 } }),
        m("c-slab", "point", { x: 40, y: -1 }),
      ]),
    ).toEqual({ minX: -5, minY: -1, maxX: 40, maxY: 30 });
  });
});

describe("rotation", () => {
  it("a 90° rectangle turns clockwise about its centre (y down)", () => {
    // 40 × 20 with its centre at (20, 10): after a quarter turn it is 20 wide and 40 high around the same centre.
    const corners = rectangleCorners(0, 0, 40, 20, 90);
    expect(corners).toEqual([
      { x: 30, y: -10 }, // top-left went to the top-right
      { x: 30, y: 30 }, // top-right went to the bottom-right
      { x: 10, y: 30 },
      { x: 10, y: -10 },
    ]);
    expect(extentOf([m("c-slab", "rectangle", { x: 0, y: 0, width: 40, height: 20, rotation: 90 })])).toEqual({
      minX: 10,
      minY: -10,
      maxX: 30,
      maxY: 30,
    });
  });

  it("-270° and 450° equal 90°; 180° keeps the corners' place", () => {
    expect(rectangleCorners(0, 0, 40, 20, -270)).toEqual(rectangleCorners(0, 0, 40, 20, 90));
    expect(rectangleCorners(0, 0, 40, 20, 450)).toEqual(rectangleCorners(0, 0, 40, 20, 90));
    const half = rectangleCorners(0, 0, 40, 20, 180);
    expect(half.map((p) => [p.x, p.y]).sort()).toEqual(
      rectangleCorners(0, 0, 40, 20)
        .map((p) => [p.x, p.y])
        .sort(),
    );
  });

  it("45°: the corners lie on a circle around the centre, the top-left moving up and right", () => {
    const corners = rectangleCorners(0, 0, 20, 20, 45);
    for (const p of corners) expect(Math.hypot(p.x - 10, p.y - 10)).toBeCloseTo(Math.SQRT2 * 10, 9);
    expect(corners[0].x).toBeCloseTo(10, 9);
    expect(corners[0].y).toBeCloseTo(10 - Math.SQRT2 * 10, 9);
  });
});

describe("fit into a box", () => {
  it("keeps the aspect ratio and centres the extent", () => {
    // 100 × 100 into 200 × 100: scale 1, 50 units of margin left and right.
    const fit = fitExtent({ minX: 0, minY: 0, maxX: 100, maxY: 100 }, BOX);
    expect(fit.scale).toBe(1);
    expect(fit.content).toEqual({ x: 50, y: 0, width: 100, height: 100 });
  });

  it("y grows downward: a shape low on the drawing is low in the box", () => {
    const { groups } = layoutMap(
      {
        conditions: [SLAB, WALL],
        measurements: [
          m("c-slab", "rectangle", { x: 0, y: 0, width: 10, height: 10 }),
          m("c-wall", "line", { start: { x: 0, y: 100 }, end: { x: 10, y: 100 } }),
        ],
      },
      { x: 0, y: 0, width: 100, height: 100 },
    );
    expect(Math.max(...groups[0].areas[0].map((p) => p.y))).toBeCloseTo(10);
    expect(groups[1].paths[0][0].y).toBeCloseTo(100);
  });

  it("padding is kept on every side", () => {
    const fit = fitExtent({ minX: 0, minY: 0, maxX: 400, maxY: 100 }, BOX, 10);
    expect(fit.scale).toBeCloseTo(180 / 400);
    expect(fit.content.x).toBeCloseTo(10);
  });

  it("each geometry type lands inside the box", () => {
    const measurements = [
      m("c-wall", "line", { start: { x: 100, y: 100 }, end: { x: 900, y: 500 } }),
      m("c-wall", "polyline", {
        points: [
          { x: 120, y: 120 },
          { x: 300, y: 400 },
          { x: 700, y: 150 },
        ],
      }),
      m("c-slab", "polygon", {
        points: [
          { x: 200, y: 200 },
          { x: 400, y: 200 },
          { x: 300, y: 450 },
        ],
      }),
      m("c-slab", "rectangle", { x: 600, y: 100, width: 250, height: 200, rotation: 30 }),
      m("c-slab", "circle", { center: { x: 500, y: 300 }, radius: 80 }),
      m("c-slab", "point", { x: 150, y: 480 }),
    ];
    const { groups, fit } = layoutMap({ conditions: [SLAB, WALL], measurements }, BOX, 5);
    const all = groups.flatMap((g) => [
      ...g.areas.flat(),
      ...g.paths.flat(),
      ...g.markers,
      ...g.circles.flatMap((c) => [
        { x: c.center.x - c.radius, y: c.center.y - c.radius },
        { x: c.center.x + c.radius, y: c.center.y + c.radius },
      ]),
    ]);
    expect(all.length).toBeGreaterThan(10);
    for (const p of all) {
      expect(p.x).toBeGreaterThanOrEqual(5 - 1e-9);
      expect(p.x).toBeLessThanOrEqual(195 + 1e-9);
      expect(p.y).toBeGreaterThanOrEqual(5 - 1e-9);
      expect(p.y).toBeLessThanOrEqual(95 + 1e-9);
    }
    // The binding dimension fills the padded box exactly (here the height).
    expect(fit!.content.height).toBeCloseTo(90, 6);
    expect(fit!.content.width).toBeLessThan(190);
    expect(groups[0].circles[0].radius).toBeCloseTo(80 * fit!.scale);
  });
});

describe("coordinates far from the origin", () => {
  it("keeps precision: a 10 × 10 square at (1e9, 1e9) fills the box", () => {
    const { groups, fit } = layoutMap(
      { conditions: [SLAB], measurements: [m("c-slab", "rectangle", { x: 1e9, y: 1e9 + 0.5, width: 10, height: 10 })] },
      { x: 0, y: 0, width: 100, height: 100 },
    );
    expect(fit!.scale).toBeCloseTo(10, 9);
    const xs = groups[0].areas[0].map((p) => p.x).sort((a, b) => a - b);
    expect(xs[0]).toBeCloseTo(0, 6);
    expect(xs[3]).toBeCloseTo(100, 6);
  });

  it("shapes beyond ±1e12 are skipped instead of squashing the rest to a dot", () => {
    const prepared = prepareMap({
      conditions: [SLAB],
      measurements: [
        m("c-slab", "point", { x: 1, y: 1 }),
        m("c-slab", "point", { x: 2, y: 2 }),
        m("c-slab", "point", { x: 1e300, y: 1e300 }),
        m("c-slab", "circle", { center: { x: 0, y: 0 }, radius: 1e308 }),
      ],
    });
    expect(prepared.skipped).toBe(2);
    expect(prepared.extent).toEqual({ minX: 1, minY: 1, maxX: 2, maxY: 2 });
    expect(prepared.legend[0].count).toBe(4);
  });
});

describe("degenerate and invalid input", () => {
  const bad: [string, unknown][] = [
    ["line", { start: { x: NaN, y: 0 }, end: { x: 1, y: 1 } }],
    ["line", { start: { x: 0, y: 0 } }],
    ["polyline", { points: [{ x: 0, y: 0 }] }],
    [
      "polygon",
      {
        points: [
          { x: 0, y: 0 },
          { x: 1, y: 1 },
          { x: "2", y: 2 },
        ],
      },
    ],
    ["polygon", { points: "nope" }],
    ["rectangle", { x: 0, y: 0, width: Infinity, height: 1 }],
    ["rectangle", { x: 0, y: 0, width: 1, height: 1, rotation: NaN }],
    ["circle", { center: { x: 0, y: 0 }, radius: -1 }],
    ["circle", { center: null, radius: 1 }],
    ["point", null],
    ["point", [1, 2]],
    ["hexagon", { points: [] }],
  ];
  for (const [type, geometry] of bad) {
    it(`${type} ${JSON.stringify(geometry)} is skipped`, () => {
      expect(toShape(type, geometry)).toBeNull();
    });
  }

  it("a page of only bad geometry has no extent, no primitives, and still a legend", () => {
    const { prepared, fit, groups } = layoutMap({ conditions: [SLAB], measurements: bad.map(([t, g]) => m("c-slab", t, g, 2)) }, BOX);
    expect(prepared.extent).toBeNull();
    expect(fit).toBeNull();
    expect(groups[0].areas).toEqual([]);
    expect(prepared.skipped).toBe(bad.length);
    expect(prepared.legend).toEqual([
      { conditionId: "c-slab", name: "Floor Slab", color: "#3b82f6", unit: "SF", quantity: 2 * bad.length, count: bad.length },
    ]);
  });

  it("a single point (zero extent) is centred, finite", () => {
    const { groups, fit } = layoutMap({ conditions: [SLAB], measurements: [m("c-slab", "point", { x: 5, y: 5 })] }, BOX);
    expect(fit!.scale).toBe(1);
    expect(groups[0].markers).toEqual([{ x: 100, y: 50 }]);
  });

  it("a horizontal line (zero height) is fitted by its width and centred vertically", () => {
    const { groups } = layoutMap(
      { conditions: [WALL], measurements: [m("c-wall", "line", { start: { x: 0, y: 3 }, end: { x: 50, y: 3 } })] },
      BOX,
    );
    expect(groups[0].paths[0]).toEqual([
      { x: 0, y: 50 },
      { x: 200, y: 50 },
    ]);
  });

  it("zero-size rectangles and circles draw, without NaN", () => {
    const { groups } = layoutMap(
      {
        conditions: [SLAB],
        measurements: [
          m("c-slab", "rectangle", { x: 3, y: 3, width: 0, height: 0 }),
          m("c-slab", "circle", { center: { x: 3, y: 3 }, radius: 0 }),
        ],
      },
      BOX,
    );
    const numbers = JSON.stringify(groups);
    expect(numbers).not.toContain("null");
    expect(groups[0].areas).toHaveLength(1);
    expect(groups[0].circles[0].radius).toBe(0);
  });

  it("every ring turns clockwise (so one path per condition joins overlaps)", () => {
    const ccw = [
      { x: 0, y: 0 },
      { x: 0, y: 10 },
      { x: 10, y: 10 },
      { x: 10, y: 0 },
    ];
    const shape = toShape("polygon", { points: ccw });
    expect(shape?.kind).toBe("area");
    const ring = (shape as { ring: { x: number; y: number }[] }).ring;
    let a = 0;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) a += ring[j].x * ring[i].y - ring[i].x * ring[j].y;
    expect(a).toBeGreaterThan(0);
  });
});

describe("legend", () => {
  it("sums quantities and counts per condition on this page, in the conditions' order, skipping non-finite quantities", () => {
    const prepared = prepareMap({
      conditions: [WALL, SLAB, { id: "c-none", name: "Unused", color: null, unit: "EA" }],
      measurements: [
        m(
          "c-slab",
          "polygon",
          {
            points: [
              { x: 0, y: 0 },
              { x: 1, y: 0 },
              { x: 1, y: 1 },
            ],
          },
          500,
        ),
        m("c-slab", "rectangle", { x: 0, y: 0, width: 2, height: 2 }, 500.25),
        m("c-wall", "line", { start: { x: 0, y: 0 }, end: { x: 3, y: 0 } }, 12.5),
        m("c-slab", "rectangle", { x: 0, y: 0, width: 2, height: 2 }, NaN),
        m("c-other-project", "point", { x: 9, y: 9 }, 99),
      ],
    });
    expect(prepared.legend).toEqual([
      { conditionId: "c-wall", name: "Wall", color: "#ef4444", unit: "LF", quantity: 12.5, count: 1 },
      { conditionId: "c-slab", name: "Floor Slab", color: "#3b82f6", unit: "SF", quantity: 1000.25, count: 3 },
    ]);
    expect(prepared.measurements).toBe(4);
    // The measurement of an unlisted condition is not drawn either.
    expect(prepared.extent).toEqual({ minX: 0, minY: 0, maxX: 3, maxY: 2 });
  });

  it("a condition without a valid colour gets a fallback, never its raw text", () => {
    expect(conditionColor('red" onload="x', "c-1")).toMatch(/^#[0-9a-f]{6}$/);
    expect(conditionColor(null, "c-1")).toMatch(/^#[0-9a-f]{6}$/);
    // The same condition gets the same fallback wherever it is drawn (SVG, dashboard legend, a filtered map).
    expect(conditionColor(null, "c-1")).toBe(conditionColor("", "c-1"));
    expect(new Set(["a", "b", "c", "d", "e", "f"].map((id) => conditionColor(null, id))).size).toBeGreaterThan(1);
    expect(conditionColor("#ABCDEF", "c-1")).toBe("#abcdef");
  });
});

describe("titles", () => {
  it("use the sheet number and title, or the page number", () => {
    expect(mapTitle({ documentName: "Structural Set.pdf", pageNumber: 1, sheetNumber: "S-001", sheetTitle: "Foundation Plan" })).toBe(
      "Structural Set.pdf — S-001 Foundation Plan",
    );
    expect(mapTitle({ documentName: "A.pdf", pageNumber: 3, sheetNumber: null, sheetTitle: "Ignored" })).toBe("A.pdf — Page 3");
  });
});
