import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { XML_ILLEGAL_WARNING } from "@/lib/exports/sanitize";
import { importFixture, importNasty, NASTY, options, renderToFile, source, tempDir, type Imported } from "../../fixtures/formats-data";
import { child, children, hasChild, parseXml, textOf, type XmlNode } from "../../fixtures/formats-xml";
import { readerAvailable } from "../../helpers/file-readers";

const hasXmllint = readerAvailable("xmllint", ["--version"]);

function read(file: string) {
  const text = fs.readFileSync(file, "utf8");
  // A second, external opinion on well-formedness when libxml2 is installed (always in CI).
  if (hasXmllint) execFileSync("xmllint", ["--noout", file]);
  return { text, doc: parseXml(text) };
}

const coords = (n: XmlNode) => Object.fromEntries(n.children.map((c) => [c.name, Number(c.text)]));

describe("OST XML export", () => {
  const dir = tempDir();
  let spec: Imported;
  beforeAll(async () => {
    spec = await importFixture();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("writes the SPEC §6.5 structure with 2-space indentation", async () => {
    const opts = options("ost");
    const { file, result } = await renderToFile("ost", await source(spec, opts), opts, dir);
    const { text, doc } = read(file);
    expect(
      text.startsWith(
        '<?xml version="1.0" encoding="utf-8"?>\n<OSTProject version="1.0" name="Test Construction Project">\n  <ProjectInfo>\n    <Name>',
      ),
    ).toBe(true);
    expect(doc.declaration).toEqual({ version: "1.0", encoding: "utf-8" });
    const root = doc.root;
    expect(root.name).toBe("OSTProject");
    expect(root.attrs).toEqual({ version: "1.0", name: "Test Construction Project" });
    expect(text.includes("xmlns")).toBe(false);

    const info = child(root, "ProjectInfo");
    expect(children(info).map((c) => [c.name, c.text])).toEqual([
      ["Name", "Test Construction Project"],
      ["Description", "Example project from the specification"],
      ["Client", "Acme Construction Co."],
    ]);

    const conditions = children(child(root, "Conditions"), "Condition");
    expect(conditions).toHaveLength(2);
    const slab = conditions[0];
    expect(slab.attrs.id).toBe(spec.conditions[0].id);
    expect(children(slab).map((c) => c.name)).toEqual(["Name", "Type", "Unit", "Color", "Description", "TotalQuantity", "TakeoffItems"]);
    expect([
      textOf(slab, "Name"),
      textOf(slab, "Type"),
      textOf(slab, "Unit"),
      textOf(slab, "Color"),
      textOf(slab, "TotalQuantity"),
    ]).toEqual(["Floor Slab", "area", "SF", "#3B82F6", "1500.0000"]);
    const items = children(child(slab, "TakeoffItems"), "TakeoffItem");
    expect(items).toHaveLength(3);
    // A project export names the document before the page (SPEC §12.1).
    expect(children(items[0]).map((c) => c.name)).toEqual([
      "Document",
      "PageNumber",
      "SheetNumber",
      "GeometryType",
      "Quantity",
      "Unit",
      "Geometry",
    ]);
    expect(textOf(items[0], "Document")).toBe("Structural Set.pdf");
    expect([
      textOf(items[0], "PageNumber"),
      textOf(items[0], "SheetNumber"),
      textOf(items[0], "GeometryType"),
      textOf(items[0], "Quantity"),
      textOf(items[0], "Unit"),
    ]).toEqual(["1", "S-001", "polygon", "500.0000", "SF"]);
    const points = children(child(child(items[0], "Geometry"), "Points"), "Point").map(coords);
    expect(points).toEqual([
      { X: 100, Y: 100 },
      { X: 500, Y: 100 },
      { X: 500, Y: 400 },
      { X: 100, Y: 400 },
    ]);
    expect(coords(child(items[1], "Geometry"))).toEqual({ X: 600, Y: 100, Width: 250, Height: 200 });

    const footingItems = children(child(conditions[1], "TakeoffItems"), "TakeoffItem");
    const line = child(footingItems[0], "Geometry");
    expect(children(line).map((c) => c.name)).toEqual(["Start", "End"]);
    expect(coords(child(line, "Start"))).toEqual({ X: 100, Y: 100 });
    expect(coords(child(line, "End"))).toEqual({ X: 500, Y: 100 });
    expect(textOf(conditions[1], "TotalQuantity")).toBe("110.0000");
    expect(result).toEqual({ records: 5, warnings: [] });

    // Every line is indented by a multiple of two spaces matching its depth.
    for (const lineText of text.split("\n").slice(1, -1)) expect(/^( {2})*</.test(lineText)).toBe(true);
  });

  it("honours include_unverified on a document export", async () => {
    const opts = options("ost", { include_unverified: false });
    const { file, result } = await renderToFile("ost", await source(spec, opts, { type: "document" }), opts, dir);
    const conditions = children(child(read(file).doc.root, "Conditions"), "Condition");
    expect(conditions.map((c) => [textOf(c, "TotalQuantity"), children(child(c, "TakeoffItems")).length])).toEqual([
      ["1000.0000", 2],
      ["110.0000", 2],
    ]);
    expect(result.records).toBe(4);
  });

  it("writes <Conditions/> for an empty project and omits optional elements", async () => {
    const empty = await importFixture({ name: "Empty" });
    const opts = options("ost");
    const { file } = await renderToFile("ost", await source(empty, opts), opts, dir);
    const { text, doc } = read(file);
    expect(text).toContain("  <Conditions/>\n");
    expect(children(child(doc.root, "ProjectInfo")).map((c) => c.name)).toEqual(["Name"]);
    expect(children(child(doc.root, "Conditions"))).toEqual([]);
  });

  it("escapes markup, removes characters XML cannot carry (with a warning) and writes every geometry type", async () => {
    const nasty = await importNasty();
    const opts = options("ost");
    const { file, result } = await renderToFile("ost", await source(nasty, opts), opts, dir);
    const { doc } = read(file);
    expect(doc.root.attrs.name).toBe(`Projekt "Ω" <Σ & Ж> 工程`);
    expect(textOf(child(doc.root, "ProjectInfo"), "Description")).toBe(`Line one\nLine two, with comma; and "quotes" & <angle> brackets`);
    expect(textOf(child(doc.root, "ProjectInfo"), "Client")).toBe(`=HYPERLINK("http://evil")`);
    expect(result.warnings).toEqual([XML_ILLEGAL_WARNING]);

    const conditions = children(child(doc.root, "Conditions"), "Condition");
    const [wall, greek, cyrillic, cjk] = conditions;
    expect(textOf(wall, "Name")).toBe(NASTY.conditionName);
    expect(textOf(wall, "Description")).toBe("bell and esc end");
    expect(textOf(wall, "Color")).toBe("#00AA00");
    expect(textOf(wall, "TotalQuantity")).toBe("153.4380");
    const [polygon, rectangle, circle] = children(child(wall, "TakeoffItems"));
    expect(textOf(polygon, "Quantity")).toBe("-12.5000");
    expect(textOf(polygon, "SheetNumber")).toBe(NASTY.formula);
    expect(children(child(child(polygon, "Geometry"), "Points")).map(coords)).toEqual([
      { X: -1.5, Y: 2 },
      { X: 3, Y: -4.25 },
      { X: 0, Y: 0 },
    ]);
    expect(coords(child(rectangle, "Geometry"))).toEqual({ X: 1, Y: 2, Width: 3, Height: 4, Rotation: 45 });
    expect(coords(child(circle, "Geometry"))).toEqual({ CenterX: 5, CenterY: 6, Radius: 7 });
    expect(textOf(greek, "Name")).toBe(NASTY.greek);
    expect(hasChild(greek, "Color")).toBe(false);
    expect(hasChild(greek, "Description")).toBe(false);
    expect(children(child(child(children(child(greek, "TakeoffItems"))[1], "Geometry"), "Points")).map(coords)).toEqual([
      { X: 0, Y: 0 },
      { X: 1, Y: 1 },
    ]);
    expect(coords(child(children(child(cyrillic, "TakeoffItems"))[0], "Geometry"))).toEqual({ X: 1, Y: 1 });
    expect(textOf(cjk, "Name")).toBe(NASTY.cjk);
    const last = conditions.at(-1)!;
    expect(textOf(last, "Name")).toBe("No measurements here");
    expect(children(child(last, "TakeoffItems"))).toEqual([]);
  });
});
