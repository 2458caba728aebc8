/** The SVG writer of takeoff maps, read back with the tests' strict XML reader (and xmllint in the integration tests). */
import { describe, expect, it } from "vitest";
import { prepareMap, renderMapSvg, type MapMeasurement } from "@/lib/takeoff/map";
import { parseXml, type XmlNode } from "../../fixtures/formats-xml";

const all = (node: XmlNode, name: string): XmlNode[] => [
  ...(node.name === name ? [node] : []),
  ...node.children.flatMap((c) => all(c, name)),
];

const HOSTILE = `<script>alert("x")</script> & 'quotes' \u0001`;

function svgOf(measurements: MapMeasurement[], legend = true) {
  const prepared = prepareMap({
    conditions: [
      { id: "a", name: HOSTILE, color: "#3B82F6", unit: `S<F>&"` },
      { id: "b", name: "Footing", color: "#EF4444", unit: "LF" },
      { id: "c", name: "Anchors", color: null, unit: "EA" },
    ],
    measurements,
  });
  return renderMapSvg(prepared, { title: `Doc & <Sheet>`, legend });
}

const SHAPES: MapMeasurement[] = [
  {
    conditionId: "a",
    geometryType: "polygon",
    geometry: {
      points: [
        { x: 0, y: 0 },
        { x: 100, y: 0 },
        { x: 100, y: 50 },
      ],
    },
    quantity: 5,
  },
  { conditionId: "a", geometryType: "rectangle", geometry: { x: 10, y: 10, width: 20, height: 10, rotation: 30 }, quantity: 5 },
  { conditionId: "a", geometryType: "circle", geometry: { center: { x: 60, y: 60 }, radius: 10 }, quantity: 5 },
  { conditionId: "b", geometryType: "line", geometry: { start: { x: 0, y: 80 }, end: { x: 100, y: 80 } }, quantity: 12.5 },
  {
    conditionId: "b",
    geometryType: "polyline",
    geometry: {
      points: [
        { x: 0, y: 90 },
        { x: 50, y: 95 },
        { x: 100, y: 90 },
      ],
    },
    quantity: 1,
  },
  { conditionId: "c", geometryType: "point", geometry: { x: 20, y: 70 }, quantity: 1 },
];

describe("renderMapSvg", () => {
  it("is well-formed, escapes every text, and draws each condition in its colour", () => {
    const svg = svgOf(SHAPES);
    const doc = parseXml(svg);
    expect(doc.root.name).toBe("svg");
    expect(svg).not.toContain("<script");
    const titles = all(doc.root, "title").map((t) => t.text);
    expect(titles[0]).toBe("Doc & <Sheet>");
    expect(titles).toContain(`<script>alert("x")</script> & 'quotes' \uFFFD — 15 S<F>&" (3 measurements)`);
    const groups = all(doc.root, "g").filter((g) => g.attrs["data-condition-id"]);
    expect(groups.map((g) => g.attrs["data-condition-id"])).toEqual(["a", "b", "c"]);
    const [a, b, c] = groups.map((g) => all(g, "path"));
    expect(a).toHaveLength(1); // polygon, rectangle and circle in one filled path
    expect(a[0].attrs).toMatchObject({ fill: "#3b82f6", "fill-opacity": "0.25", stroke: "#3b82f6" });
    expect(a[0].attrs.d.match(/M/g)).toHaveLength(3);
    expect(b).toHaveLength(1);
    expect(b[0].attrs).toMatchObject({ fill: "none", stroke: "#ef4444" });
    expect(c[0].attrs.d).toMatch(/^M[\d.]+ [\d.]+h0$/);
    expect(c[0].attrs.stroke).toMatch(/^#[0-9a-f]{6}$/);
    const legend = all(doc.root, "g").find((g) => g.attrs.id === "legend")!;
    expect(all(legend, "text").map((t) => t.text + t.children.map((ch) => ch.text).join(""))).toEqual([
      "Legend",
      `<script>alert("x")</script> & 'quotes' \uFFFD — 15 S<F>&" · 3 measurements`,
      "Footing — 13.5 LF · 2 measurements",
      "Anchors — 1 EA · 1 measurement",
    ]);
  });

  it("keeps the drawing's aspect ratio in the viewBox", () => {
    const svg = svgOf(
      [{ conditionId: "b", geometryType: "line", geometry: { start: { x: 0, y: 0 }, end: { x: 400, y: 800 } }, quantity: 1 }],
      false,
    );
    const [, , w, h] = parseXml(svg).root.attrs.viewBox.split(" ").map(Number);
    // 1000 high drawing + 2 × 24 margin; 500 wide + margins.
    expect([w, h]).toEqual([548, 1048]);
  });

  it("draws 10,000 shapes of one condition as one path", () => {
    const many: MapMeasurement[] = Array.from({ length: 10_000 }, (_, i) => ({
      conditionId: "a",
      geometryType: "rectangle",
      geometry: { x: (i % 100) * 12, y: Math.floor(i / 100) * 12, width: 10, height: 10, rotation: i % 7 === 0 ? 15 : undefined },
      quantity: 1,
    }));
    const svg = svgOf(many, false);
    const doc = parseXml(svg);
    expect(all(doc.root, "path")).toHaveLength(1);
    expect(all(doc.root, "path")[0].attrs.d.match(/M/g)).toHaveLength(10_000);
    expect(svg.length).toBeLessThan(800_000);
  });

  it("an empty page says so and stays valid", () => {
    const svg = svgOf([]);
    const doc = parseXml(svg);
    expect(all(doc.root, "text").map((t) => t.text)).toEqual(["No measurements on this page"]);
    expect(all(doc.root, "path")).toEqual([]);
  });

  it("without the legend there is no legend group", () => {
    expect(svgOf(SHAPES, false)).not.toContain('id="legend"');
  });
});
