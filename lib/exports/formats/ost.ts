/**
 * OST XML renderer (SPEC §6.5): On-Screen Takeoff–style XML, streamed, no
 * namespace, 2-space indent. Optional elements are omitted rather than left
 * empty; characters XML 1.0 cannot carry are removed and reported once.
 */
import { formatQuantity, XmlTextCleaner } from "../sanitize";
import { end, write, writeNestedByCondition } from "./common";
import type { Renderer, SourceCondition, SourceMeasurement } from "./types";

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#13;", "\n": "&#10;", "\t": "&#9;" };

/** Element text: markup characters escaped; CR kept as a reference so parsers do not fold it. */
const escapeText = (s: string) => s.replace(/[&<>\r]/g, (c) => ESCAPES[c]);
/** Attribute values: also quotes and whitespace that attribute normalisation would otherwise flatten. */
const escapeAttr = (s: string) => s.replace(/[&<>"\r\n\t]/g, (c) => ESCAPES[c]);

/** Coordinates as plain decimal numbers (never exponent notation). */
export function plainNumber(n: number): string {
  const s = String(n);
  if (!/e/i.test(s)) return s;
  if (Math.abs(n) >= 1) return BigInt(Math.round(n)).toString();
  // Tiny values: up to 20 decimals, trailing zeros dropped.
  return n.toFixed(20).replace(/\.?0+$/, "") || "0";
}

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === "object" ? (v as Record<string, unknown>) : {});

const pad = (depth: number) => "  ".repeat(depth);

/** `<Tag>value</Tag>` lines for the numeric fields that are present. */
function numbers(depth: number, fields: [string, unknown][]): string {
  let s = "";
  for (const [tag, v] of fields) {
    const n = num(v);
    if (n !== null) s += `${pad(depth)}<${tag}>${plainNumber(n)}</${tag}>\n`;
  }
  return s;
}

function point(depth: number, tag: string, p: unknown): string {
  const { x, y } = obj(p);
  return `${pad(depth)}<${tag}>\n${numbers(depth + 1, [["X", x], ["Y", y]])}${pad(depth)}</${tag}>\n`;
}

/** The children of <Geometry> for each geometry type (SPEC §6.6 shapes). */
export function geometryXml(type: SourceMeasurement["geometryType"], geometry: unknown, depth: number): string {
  const g = obj(geometry);
  switch (type) {
    case "line":
      return point(depth, "Start", g.start) + point(depth, "End", g.end);
    case "polyline":
    case "polygon": {
      const points = Array.isArray(g.points) ? g.points : [];
      return `${pad(depth)}<Points>\n${points.map((p) => point(depth + 1, "Point", p)).join("")}${pad(depth)}</Points>\n`;
    }
    case "rectangle":
      return numbers(depth, [["X", g.x], ["Y", g.y], ["Width", g.width], ["Height", g.height], ["Rotation", g.rotation]]);
    case "circle": {
      const center = obj(g.center);
      return numbers(depth, [["CenterX", center.x], ["CenterY", center.y], ["Radius", g.radius]]);
    }
    case "point":
      return numbers(depth, [["X", g.x], ["Y", g.y]]);
    default:
      return "";
  }
}

export const ost: Renderer = {
  format: "ost",
  extension: "xml",
  contentType: "application/xml",
  description: "On-Screen Takeoff–style XML for estimating tools.",

  async render(source, _options, out, progress) {
    const cleaner = new XmlTextCleaner();
    const text = (s: string) => escapeText(cleaner.clean(s));
    const el = (depth: number, tag: string, value: string | null | undefined) =>
      value === null || value === undefined ? "" : `${pad(depth)}<${tag}>${text(value)}</${tag}>\n`;

    const { project } = source;
    let head = `<?xml version="1.0" encoding="utf-8"?>\n<OSTProject version="1.0" name="${escapeAttr(cleaner.clean(project.name))}">\n`;
    head += `${pad(1)}<ProjectInfo>\n${el(2, "Name", project.name)}${el(2, "Description", project.description)}${el(2, "Client", project.clientName)}${pad(1)}</ProjectInfo>\n`;
    head += source.conditions.length ? `${pad(1)}<Conditions>\n` : `${pad(1)}<Conditions/>\n`;
    await write(out, head);

    const openCondition = (c: SourceCondition) =>
      `${pad(2)}<Condition id="${escapeAttr(c.id)}">\n` +
      el(3, "Name", c.name) +
      el(3, "Type", c.measurementType) +
      el(3, "Unit", c.unit) +
      el(3, "Color", c.color) +
      el(3, "Description", c.description) +
      `${pad(3)}<TotalQuantity>${formatQuantity(c.totalQuantity)}</TotalQuantity>\n`;
    const item = (m: SourceMeasurement) =>
      `${pad(4)}<TakeoffItem id="${escapeAttr(m.id)}">\n` +
      el(5, "PageNumber", m.pageNumber === null ? null : String(m.pageNumber)) +
      el(5, "SheetNumber", m.sheetNumber) +
      el(5, "GeometryType", m.geometryType) +
      `${pad(5)}<Quantity>${formatQuantity(m.quantity)}</Quantity>\n` +
      el(5, "Unit", m.unit) +
      `${pad(5)}<Geometry>\n${geometryXml(m.geometryType, m.geometry, 6)}${pad(5)}</Geometry>\n` +
      `${pad(4)}</TakeoffItem>\n`;

    // Conditions without rows get <TakeoffItems/>.
    const records = await writeNestedByCondition(source, out, progress, {
      open: (c) => openCondition(c),
      item: (m, i) => (i === 0 ? `${pad(3)}<TakeoffItems>\n` : "") + item(m),
      close: (_c, items) => (items ? `${pad(3)}</TakeoffItems>\n` : `${pad(3)}<TakeoffItems/>\n`) + `${pad(2)}</Condition>\n`,
    });
    await write(out, `${source.conditions.length ? `${pad(1)}</Conditions>\n` : ""}</OSTProject>\n`);
    await end(out);

    const warnings: string[] = [];
    cleaner.report(warnings);
    return { records, warnings };
  },
};
