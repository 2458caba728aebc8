/**
 * JSON renderer (SPEC §6.4): the full snapshot, streamed. Small parts go
 * through JSON.stringify, the conditions' measurement arrays are written batch
 * by batch; with `pretty` the text is what JSON.stringify(whole, null, 2)
 * would give (plus a final newline). Measurements are stringified a run at a
 * time, already indented to their depth, so a row costs one small object and
 * its share of one string rather than a stringified and a re-indented copy.
 */
import type { NormalisedOptions } from "../schemas";
import { roundTotal } from "../sanitize";
import { writeNestedByCondition } from "./nested";
import { costsCamel, isoInZone } from "./text-format";
import { end, write } from "./writes";
import type { BreakdownBy, ExportSource, Renderer, SourceCondition, SourceMeasurement } from "./types";

/**
 * A run of measurements is stringified in one call, nested as deep as it sits
 * in the file ([[[run]]] puts the run at depth 3, so its items are at 4, as in
 * JSON.stringify(whole, null, 2)); cutNested keeps what is inside the run's
 * brackets: `\n<indent>{…},\n<indent>{…}`.
 */
const NESTED = JSON.stringify([[[[0]]]], null, 2);
const NESTED_HEAD = NESTED.indexOf("\n", NESTED.lastIndexOf("["));
const NESTED_TAIL = NESTED.length - NESTED.indexOf("0") - 1;
const cutNested = (s: string) => s.slice(NESTED_HEAD, s.length - NESTED_TAIL);

const snakeToCamel = (key: string) => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

function exportInfo(source: ExportSource, options: NormalisedOptions) {
  return {
    format: "takeoff-export-v1",
    exportId: source.exportId,
    generatedAt: isoInZone(source.generatedAt, options.timezone),
    source:
      source.type === "document" && source.document
        ? { type: "document", id: source.document.id, name: source.document.name }
        : { type: "project", id: source.project.id, name: source.project.name },
    options: Object.fromEntries(Object.entries(options).map(([k, v]) => [snakeToCamel(k), v])),
  };
}

/** SPEC §12.3: `summary.breakdown`, rows in document then page order, quantities keyed by condition id in condition order. */
async function breakdownOut(source: ExportSource, by: BreakdownBy) {
  const rows = await source.breakdown(by);
  const order = source.conditions.map((c) => c.id);
  return {
    by,
    rows: rows.map((r) => ({
      documentId: r.documentId,
      documentName: r.documentName,
      pageNumber: r.pageNumber,
      sheetNumber: r.sheetNumber,
      quantities: Object.fromEntries(order.filter((id) => r.quantities.has(id)).map((id) => [id, r.quantities.get(id)!])),
    })),
  };
}

function summary(source: ExportSource) {
  const byUnit: Record<string, { count: number; totalQuantity: number }> = {};
  for (const c of source.conditions) {
    if (c.measurementCount === 0) continue;
    const u = (byUnit[c.unit] ??= { count: 0, totalQuantity: 0 });
    u.count += c.measurementCount;
    u.totalQuantity = roundTotal(u.totalQuantity + c.totalQuantity);
  }
  return { totalConditions: source.conditions.length, totalMeasurements: source.rowsTotal, byUnit };
}

function conditionHead(c: SourceCondition) {
  return {
    id: c.id,
    name: c.name,
    description: c.description,
    scope: c.scope,
    category: c.category,
    measurementType: c.measurementType,
    unit: c.unit,
    color: c.color,
    totalQuantity: c.totalQuantity,
    measurementCount: c.measurementCount,
    costs: c.costs ? costsCamel(c.costs) : null,
  };
}

/** A measurement as written (SPEC §6.4). A class, not an object literal, for the reason given at Measurement in source/rows.ts. */
class MeasurementOut {
  id: string;
  /** SPEC §12.1 (additive): where the row came from; null for a measurement without a page. */
  documentId: string | null;
  documentName: string | null;
  pageNumber: number | null;
  sheetNumber: string | null;
  sheetTitle: string | null;
  geometryType: SourceMeasurement["geometryType"];
  geometry: unknown;
  quantity: number;
  unit: string;
  isVerified: boolean;
  isAiGenerated: boolean;
  notes: string | null;

  constructor(m: SourceMeasurement) {
    this.id = m.id;
    this.documentId = m.documentId;
    this.documentName = m.documentName;
    this.pageNumber = m.pageNumber;
    this.sheetNumber = m.sheetNumber;
    this.sheetTitle = m.sheetTitle;
    this.geometryType = m.geometryType;
    this.geometry = m.geometry;
    this.quantity = m.quantity;
    this.unit = m.unit;
    this.isVerified = m.isVerified;
    this.isAiGenerated = m.isAiGenerated;
    this.notes = m.notes;
  }
}

const measurementOut = (m: SourceMeasurement) => new MeasurementOut(m);

export const json: Renderer = {
  format: "json",
  extension: "json",
  contentType: "application/json",
  description: "Machine-readable full snapshot of conditions and measurements.",

  async render(source, options, out, progress) {
    const pretty = options.pretty !== false;
    // Pretty output is JSON.stringify(…, null, 2) with each value re-indented to its depth.
    const nl = (depth: number) => (pretty ? `\n${"  ".repeat(depth)}` : "");
    const colon = pretty ? ": " : ":";
    const value = (v: unknown, depth: number) => (pretty ? JSON.stringify(v, null, 2).replaceAll("\n", nl(depth)) : JSON.stringify(v));
    const field = (key: string, v: unknown, depth: number) => `${nl(depth)}${JSON.stringify(key)}${colon}${value(v, depth)}`;

    const top: [string, unknown][] = [
      ["exportInfo", exportInfo(source, options)],
      ["project", source.project],
    ];
    if (source.type === "document" && source.document) top.push(["document", source.document]);
    const by = options.breakdown && options.breakdown !== "none" ? options.breakdown : null;
    top.push(["summary", by ? { ...summary(source), breakdown: await breakdownOut(source, by) } : summary(source)]);
    await write(out, `{${top.map(([k, v]) => field(k, v, 1)).join(",")},${nl(1)}"conditions"${colon}[`);

    // Conditions at depth 2, their fields at 3, measurements at 4.
    const records = await writeNestedByCondition(source, out, progress, {
      open: (c, index) => {
        const head = Object.entries(conditionHead(c)).map(([k, v]) => field(k, v, 3));
        return `${index > 0 ? "," : ""}${nl(2)}{${head.join(",")},${nl(3)}"measurements"${colon}[`;
      },
      items: (run, first, text) => {
        if (first > 0) text.add(",");
        const list = run.map(measurementOut);
        text.add(pretty ? cutNested(JSON.stringify([[[list]]], null, 2)) : JSON.stringify(list).slice(1, -1));
      },
      close: (_c, items) => `${items > 0 ? nl(3) : ""}]${nl(2)}}`,
    });
    await write(out, `${source.conditions.length ? nl(1) : ""}]${nl(0)}}${pretty ? "\n" : ""}`);
    await end(out);
    return { records, warnings: [] };
  },
};
