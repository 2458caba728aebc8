/**
 * The measurement columns a user can pick (SPEC §12.2) and the layouts they
 * replace (§6.1–§6.3, §12.1). Pure data: the option schema validates against
 * it, the catalogue lists it, and each renderer turns a list of ids into a
 * plan of small integers once per export, so a row is written by a loop over
 * that plan, with no object, closure or map per row.
 */

export const COLUMN_IDS = [
  "condition",
  "document",
  "page",
  "sheet_number",
  "sheet_title",
  "geometry_type",
  "quantity",
  "unit",
  "coordinates",
  "verified",
  "ai_generated",
  "notes",
  "measurement_id",
  "condition_id",
  "building",
  "area",
  "elevation",
  "category",
  "scope",
  "color",
  "unit_cost",
  "extended_cost",
] as const;

export type ColumnId = (typeof COLUMN_IDS)[number];

/** The formats that take `columns`. */
export const COLUMN_FORMATS = ["csv", "excel", "pdf"] as const;
export type ColumnFormat = (typeof COLUMN_FORMATS)[number];

/** Columns that show costs: refused with include_costs:false. */
export const COST_COLUMNS: readonly ColumnId[] = ["unit_cost", "extended_cost"];

/** Header as CSV writes it; Excel and PDF use TABLE_HEADERS where they differ. */
export const CSV_HEADERS: Record<ColumnId, string> = {
  condition: "Condition",
  document: "Document",
  page: "Page",
  sheet_number: "Sheet Number",
  sheet_title: "Sheet Title",
  geometry_type: "Geometry Type",
  quantity: "Quantity",
  unit: "Unit",
  coordinates: "Coordinates",
  verified: "Verified",
  ai_generated: "AI Generated",
  notes: "Notes",
  measurement_id: "Measurement ID",
  condition_id: "Condition ID",
  building: "Building",
  area: "Area",
  elevation: "Elevation",
  category: "Category",
  scope: "Scope",
  color: "Color",
  unit_cost: "Unit Cost",
  extended_cost: "Extended Cost",
};

/** Excel and PDF headers (SPEC §6.2/§6.3 use the short forms). */
export function tableHeader(id: ColumnId): string {
  return id === "sheet_number" ? "Sheet #" : id === "geometry_type" ? "Geometry" : CSV_HEADERS[id];
}

/** The §6 layouts: what a document export writes without `columns`. */
const SPEC_LAYOUT: Record<ColumnFormat, readonly ColumnId[]> = {
  csv: ["condition", "page", "sheet_number", "geometry_type", "quantity", "unit", "coordinates", "verified", "ai_generated", "notes"],
  excel: ["page", "sheet_number", "geometry_type", "quantity", "unit", "verified", "notes"],
  pdf: ["page", "sheet_number", "geometry_type", "quantity", "unit"],
};

/**
 * The columns written without `columns`: the §6 layout, and in a project
 * export the Document column of §12.1 (last in CSV and Excel, first in PDF).
 */
export function defaultColumns(format: ColumnFormat, type: "document" | "project"): ColumnId[] {
  const layout = [...SPEC_LAYOUT[format]];
  if (type === "document") return layout;
  return format === "pdf" ? ["document", ...layout] : [...layout, "document"];
}

/** The columns a render writes: the chosen ones, else the default for the source. */
export function columnsFor(format: ColumnFormat, type: "document" | "project", chosen: readonly ColumnId[] | undefined): ColumnId[] {
  return chosen?.length ? [...chosen] : defaultColumns(format, type);
}

/**
 * A list of ids as the integer plan the renderers loop over: each id's index
 * in COLUMN_IDS. The renderers' switches name these numbers as literals
 * (`case 6: // quantity`): a case on a property such as `COL.quantity` is a
 * load and a compare per case, and made a 100k-row CSV ~20 % slower than a
 * jump table. tests/unit/formats/columns.test.ts checks every literal
 * against COLUMN_IDS.
 */
export function columnPlan(ids: readonly ColumnId[]): Int32Array {
  return Int32Array.from(ids, (id) => COLUMN_IDS.indexOf(id));
}

/**
 * quantity × unit cost, to the cent (SPEC §12.2 `extended_cost`), halves away
 * from zero as on paper: the product's binary noise is dropped first, so
 * 125.5 × 5.47 = 686.485 gives 686.49, not 686.48.
 */
export function extendedCost(quantity: number, unitCost: number): number {
  const cents = Number((quantity * unitCost * 100).toPrecision(15));
  return (Math.sign(cents) * Math.round(Math.abs(cents))) / 100;
}
