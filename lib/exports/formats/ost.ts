/**
 * OST XML renderer (SPEC §6.5): On-Screen Takeoff–style XML, streamed, no
 * namespace, 2-space indent. Optional elements are omitted rather than left
 * empty; characters XML 1.0 cannot carry are removed and reported once.
 */
import { formatQuantity, XmlTextCleaner } from "../sanitize";
import { writeNestedByCondition } from "./nested";
import { remembered } from "./text-output";
import { end, write } from "./writes";
import type { Renderer, SourceCondition, SourceMeasurement } from "./types";

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "\r": "&#13;",
  "\n": "&#10;",
  "\t": "&#9;",
};

/** Element text: markup characters escaped; CR kept as a reference so parsers do not fold it. */
const escapeText = (s: string) => s.replace(/[&<>\r]/g, (c) => ESCAPES[c]);
/** Attribute values: also quotes and whitespace that attribute normalisation would otherwise flatten. */
const escapeAttr = (s: string) => s.replace(/[&<>"\r\n\t]/g, (c) => ESCAPES[c]);

/** Coordinates as plain decimal numbers (never exponent notation). */
export function plainNumber(n: number): string {
  // The same text as String(n), without V8's number-to-string cache: that cache lives in the
  // old generation, so every string String() made for a coordinate was kept through young
  // collections and promoted — tens of megabytes of garbage per million rows.
  const s = JSON.stringify(n);
  if (!/e/i.test(s)) return s;
  if (Math.abs(n) >= 1) return BigInt(Math.round(n)).toString();
  // Tiny values: up to 20 decimals, trailing zeros dropped.
  return n.toFixed(20).replace(/\.?0+$/, "") || "0";
}

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === "object" ? (v as Record<string, unknown>) : {});

// Rows are written at fixed depths: the indents are made once, not per line.
const PADS = Array.from({ length: 16 }, (_, depth) => "  ".repeat(depth));
const pad = (depth: number) => PADS[depth] ?? "  ".repeat(depth);

/** `<indent><Tag>` and `</Tag>\n` of an element at a depth, made once. */
const tagCache = new Map<string, [string, string][]>();
function tags(depth: number, tag: string): [string, string] {
  let byDepth = tagCache.get(tag);
  if (!byDepth) tagCache.set(tag, (byDepth = []));
  return (byDepth[depth] ??= [`${pad(depth)}<${tag}>`, `</${tag}>\n`]);
}

/**
 * XML is collected as parts (constants, and values that are strings already)
 * and joined once per run of rows: concatenating row by row made a chain of
 * intermediate strings per row, several times the size of the text.
 *
 * One Parts serves a whole export: its array is written over, not made anew
 * per run. A fresh array grew by copying from a few slots to thousands for
 * every eight rows — a third of all the memory a million-row export
 * allocated, and the more a renderer allocates, the more often young
 * collections run and the more of the rows waiting to be rendered survive
 * two of them and are promoted.
 */
class Parts {
  private readonly items: string[] = [];
  /** Parts of the current text. */
  private n = 0;
  /** Slots that may still hold an earlier text's parts (after them, all ""). */
  private dirty = 0;

  push(a: string, b?: string, c?: string): void {
    const items = this.items;
    items[this.n++] = a;
    if (b !== undefined) items[this.n++] = b;
    if (c !== undefined) items[this.n++] = c;
  }

  /** The text pushed since the last take(). */
  take(): string {
    const items = this.items;
    const n = this.n;
    if (items.length > 2 * n + 1024) {
      // Far more slots than this text needs (after an unusually long one): joining them all would cost more than a new array.
      items.length = n;
    } else {
      for (let i = n; i < this.dirty; i++) items[i] = "";
    }
    this.dirty = n;
    this.n = 0;
    return items.join("");
  }
}

/** A `<Tag>value</Tag>` line when `v` is a finite number, else nothing. */
function pushNumber(p: Parts, depth: number, tag: string, v: unknown): void {
  const n = num(v);
  if (n === null) return;
  const t = tags(depth, tag);
  p.push(t[0], plainNumber(n), t[1]);
}

function pushPoint(p: Parts, depth: number, tag: string, point: unknown): void {
  const { x, y } = obj(point);
  const t = tags(depth, tag);
  p.push(t[0], "\n");
  pushNumber(p, depth + 1, "X", x);
  pushNumber(p, depth + 1, "Y", y);
  p.push(pad(depth), t[1]);
}

function pushGeometry(p: Parts, type: SourceMeasurement["geometryType"], geometry: unknown, depth: number): void {
  const g = obj(geometry);
  switch (type) {
    case "line":
      pushPoint(p, depth, "Start", g.start);
      pushPoint(p, depth, "End", g.end);
      return;
    case "polyline":
    case "polygon": {
      const t = tags(depth, "Points");
      p.push(t[0], "\n");
      if (Array.isArray(g.points)) for (const point of g.points) pushPoint(p, depth + 1, "Point", point);
      p.push(pad(depth), t[1]);
      return;
    }
    case "rectangle":
      pushNumber(p, depth, "X", g.x);
      pushNumber(p, depth, "Y", g.y);
      pushNumber(p, depth, "Width", g.width);
      pushNumber(p, depth, "Height", g.height);
      pushNumber(p, depth, "Rotation", g.rotation);
      return;
    case "circle": {
      const center = obj(g.center);
      pushNumber(p, depth, "CenterX", center.x);
      pushNumber(p, depth, "CenterY", center.y);
      pushNumber(p, depth, "Radius", g.radius);
      return;
    }
    case "point":
      pushNumber(p, depth, "X", g.x);
      pushNumber(p, depth, "Y", g.y);
      return;
  }
}

export const ost: Renderer = {
  format: "ost",
  extension: "xml",
  contentType: "application/xml",
  description: "On-Screen Takeoff–style XML for estimating tools.",

  async render(source, _options, out, progress) {
    const cleaner = new XmlTextCleaner();
    // Element text, XML-clean and escaped; each distinct row value is cleaned once.
    const text = remembered((s) => escapeText(cleaner.clean(s)));
    const pushEl = (p: Parts, depth: number, tag: string, value: string | null | undefined) => {
      if (value === null || value === undefined) return;
      const t = tags(depth, tag);
      p.push(t[0], text(value), t[1]);
    };
    const el = (depth: number, tag: string, value: string | null | undefined) => {
      const p = new Parts();
      pushEl(p, depth, tag, value);
      return p.take();
    };

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
    const itemOpen = `${pad(4)}<TakeoffItem id="`;
    const [quantityOpen, quantityClose] = tags(5, "Quantity");
    const [geometryOpen, geometryClose] = tags(5, "Geometry");
    const itemClose = `${pad(4)}</TakeoffItem>\n`;
    const parts = new Parts();
    // SPEC §12.1: a project export names each item's document; a document export stays as §6.5.
    const withDocument = source.type === "project";
    const pushItem = (p: Parts, m: SourceMeasurement) => {
      p.push(itemOpen, escapeAttr(m.id), '">\n');
      if (withDocument) pushEl(p, 5, "Document", m.documentName);
      pushEl(p, 5, "PageNumber", m.pageNumber === null ? null : String(m.pageNumber));
      pushEl(p, 5, "SheetNumber", m.sheetNumber);
      pushEl(p, 5, "GeometryType", m.geometryType);
      p.push(quantityOpen, formatQuantity(m.quantity), quantityClose);
      pushEl(p, 5, "Unit", m.unit);
      p.push(geometryOpen, "\n");
      pushGeometry(p, m.geometryType, m.geometry, 6);
      p.push(pad(5), geometryClose, itemClose);
    };

    // Conditions without rows get <TakeoffItems/>.
    const records = await writeNestedByCondition(source, out, progress, {
      open: (c) => openCondition(c),
      items: (run, first, output) => {
        if (first === 0) parts.push(`${pad(3)}<TakeoffItems>\n`);
        for (const m of run) pushItem(parts, m);
        output.add(parts.take());
      },
      close: (_c, items) => (items ? `${pad(3)}</TakeoffItems>\n` : `${pad(3)}<TakeoffItems/>\n`) + `${pad(2)}</Condition>\n`,
    });
    await write(out, `${source.conditions.length ? `${pad(1)}</Conditions>\n` : ""}</OSTProject>\n`);
    await end(out);

    const warnings: string[] = [];
    cleaner.report(warnings);
    return { records, warnings };
  },
};
