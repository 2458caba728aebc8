/**
 * A measurement row as the queries send it (RawRow) and as the renderers get
 * it (Measurement). Rows carry neither condition nor page ids: the query
 * numbers each row's pair within its chunk, and the pair has both, and the
 * page details.
 */
import type { SourceMeasurement } from "../formats/types";
import type { Pair } from "./plan";

/**
 * One row as the queries send it: the 1-based index of its pair in the chunk,
 * then id, position, geometry type, geometry, quantity, unit, is_verified,
 * is_ai_generated, notes.
 */
export type RawRow = [number, string, number, SourceMeasurement["geometryType"], unknown, number, string, boolean, boolean, string | null];

/** Appends `rows`, read by a chunk of `pairs`, to `out` as the renderers get them. */
export function addRows(rows: RawRow[], pairs: Pair[], out: SourceMeasurement[]): void {
  for (const r of rows) out.push(new Measurement(r, pairs[r[0] - 1]));
}

// jsonb stores keys sorted by length, so a line would read {"end":…,"start":…};
// writers get the SPEC §6.6 order back.
const GEOMETRY_KEY_ORDER = ["start", "end", "points", "center", "radius", "x", "y", "width", "height", "rotation"];

function canonicalGeometry(g: unknown): unknown {
  if (!g || typeof g !== "object" || Array.isArray(g) || !("start" in g)) return g;
  const src = g as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of GEOMETRY_KEY_ORDER) if (k in src) out[k] = src[k];
  for (const k of Object.keys(src)) if (!(k in out)) out[k] = src[k];
  return out;
}

/**
 * One measurement as the renderers get it. A class, not an object literal:
 * V8 watches each literal's objects and, when a young-generation collection
 * finds most of them alive (as it will right after a batch is parsed), may
 * decide to allocate every later object of that literal straight into the
 * old generation: a million rows of garbage there, freed only by full GCs.
 */
class Measurement implements SourceMeasurement {
  id: string;
  conditionId: string;
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

  constructor(r: RawRow, pair: Pair) {
    const { page } = pair;
    this.id = r[1];
    this.conditionId = pair.conditionId;
    this.documentId = page.documentId;
    this.documentName = page.documentName;
    this.pageNumber = page.pageNumber;
    this.sheetNumber = page.sheetNumber;
    this.sheetTitle = page.sheetTitle;
    this.geometryType = r[3];
    this.geometry = canonicalGeometry(r[4]);
    this.quantity = r[5];
    this.unit = r[6];
    this.isVerified = r[7];
    this.isAiGenerated = r[8];
    this.notes = r[9];
  }
}
