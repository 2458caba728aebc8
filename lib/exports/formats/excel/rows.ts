/** The measurement rows: one sheet per condition and By Page (SPEC §6.2, §12.1, §12.2). */
import { columnPlan, columnsFor, extendedCost, tableHeader, type ColumnId } from "../columns";
import type { ExportSource, SourceCondition, SourceMeasurement } from "../types";
import { type CellValue } from "../xlsx-writer";
import { FMT, SheetWriter, SUBTITLE_FONT, TwoPassProgress, type Column, type Render } from "./shared";

/** Width and number format of each measurement column on a condition sheet or By Page. */
const COLUMN_LOOK: Record<ColumnId, Omit<Column, "header">> = {
  condition: { width: 34 },
  document: { width: 30 },
  page: { width: 8, numFmt: FMT.integer },
  sheet_number: { width: 12 },
  sheet_title: { width: 24 },
  geometry_type: { width: 12 },
  quantity: { width: 14, numFmt: FMT.quantity },
  unit: { width: 8 },
  coordinates: { width: 50 },
  verified: { width: 10 },
  ai_generated: { width: 13 },
  notes: { width: 50 },
  measurement_id: { width: 38 },
  condition_id: { width: 38 },
  building: { width: 16 },
  area: { width: 16 },
  elevation: { width: 12 },
  category: { width: 16 },
  scope: { width: 16 },
  color: { width: 10 },
  unit_cost: { width: 12, numFmt: FMT.money },
  extended_cost: { width: 14, numFmt: FMT.money },
};

const sheetColumns = (ids: readonly ColumnId[]): Column[] => ids.map((id) => ({ header: tableHeader(id), ...COLUMN_LOOK[id] }));

/** By Page (SPEC §6.2), and Document last in a project export (§12.1); `columns` does not change it. */
function byPageColumns(type: ExportSource["type"]): ColumnId[] {
  const ids: ColumnId[] = ["page", "sheet_number", "condition", "geometry_type", "quantity", "unit"];
  if (type === "project") ids.push("document");
  return ids;
}

/** Condition fields as cells, made once per condition, not per row. */
type ConditionCells = {
  name: string | null;
  building: string | null;
  area: string | null;
  elevation: string | null;
  category: string | null;
  scope: string | null;
  color: string | null;
  unitCost: number | null;
};

function conditionCells(r: Render): Map<string, ConditionCells> {
  const { text } = r;
  return new Map(
    r.source.conditions.map((c) => [
      c.id,
      {
        name: text(c.name),
        building: text(c.building),
        area: text(c.area),
        elevation: text(c.elevation),
        category: text(c.category),
        scope: text(c.scope),
        color: text(c.color),
        unitCost: c.costs?.unit_cost ?? null,
      },
    ]),
  );
}

/**
 * Fills `cells` with one measurement's values in the order of `plan` (a loop
 * and a switch: no object or closure per row; the caller reuses `cells`).
 */
function fillCells(cells: CellValue[], plan: Int32Array, m: SourceMeasurement, c: ConditionCells | undefined, r: Render): void {
  const { text } = r;
  for (let i = 0; i < plan.length; i++) {
    let v: CellValue;
    switch (plan[i]) {
      case 0: // condition
        v = c?.name ?? null;
        break;
      case 1: // document
        v = r.documentText(m.documentName);
        break;
      case 2: // page
        v = m.pageNumber;
        break;
      case 3: // sheet_number
        v = text(m.sheetNumber);
        break;
      case 4: // sheet_title
        v = text(m.sheetTitle);
        break;
      case 5: // geometry_type
        v = m.geometryType;
        break;
      case 6: // quantity
        v = m.quantity;
        break;
      case 7: // unit
        v = text(m.unit);
        break;
      case 8: // coordinates
        v = text(JSON.stringify(m.geometry) ?? null);
        break;
      case 9: // verified
        v = m.isVerified ? "Yes" : "No";
        break;
      case 10: // ai_generated
        v = m.isAiGenerated ? "Yes" : "No";
        break;
      case 11: // notes
        v = text(m.notes);
        break;
      case 12: // measurement_id
        v = m.id;
        break;
      case 13: // condition_id
        v = m.conditionId;
        break;
      case 14: // building
        v = c?.building ?? null;
        break;
      case 15: // area
        v = c?.area ?? null;
        break;
      case 16: // elevation
        v = c?.elevation ?? null;
        break;
      case 17: // category
        v = c?.category ?? null;
        break;
      case 18: // scope
        v = c?.scope ?? null;
        break;
      case 19: // color
        v = c?.color ?? null;
        break;
      case 20: // unit_cost
        v = c?.unitCost ?? null;
        break;
      case 21: // extended_cost
        v = c && c.unitCost !== null ? extendedCost(m.quantity, c.unitCost) : null;
        break;
      default:
        v = null;
    }
    cells[i] = v;
  }
}

/** 2. One sheet per condition with measurements, in one pass over the rows; returns the number of rows. */
export async function writeConditionSheets(r: Render, rows: TwoPassProgress): Promise<number> {
  const { source, text, limits } = r;
  const conditionIndex = new Map(source.conditions.map((c) => [c.id, c]));
  const ids = columnsFor("excel", source.type, r.options.columns);
  const columns = sheetColumns(ids);
  const plan = columnPlan(ids);
  const cellsOf = conditionCells(r);
  // One row of cells, refilled for every measurement (the writer turns it into XML at once).
  const cells: CellValue[] = new Array<CellValue>(plan.length).fill(null);
  const open = async (c: SourceCondition, part: number) => {
    const w = await r.sheet(part === 1 ? r.names.take(c.name) : r.names.take(c.name, part), columns, 4);
    w.row([text(c.name)], { font: SUBTITLE_FONT, height: 20 });
    w.row([text(`Type: ${c.measurementType}  |  Unit: ${c.unit}  |  Total: ${c.totalQuantity.toFixed(2)}`)]);
    w.row([null]);
    w.header();
    return w;
  };

  let records = 0;
  // (Typed via `as`: TS would otherwise narrow it to null after the loop.)
  let current = null as { condition: SourceCondition; cells: ConditionCells | undefined; writer: SheetWriter; part: number } | null;
  for await (const batch of source.measurements()) {
    for (const m of batch) {
      const condition = conditionIndex.get(m.conditionId);
      if (!condition) continue;
      if (current?.condition.id !== condition.id) {
        if (current) await current.writer.close();
        current = { condition, cells: cellsOf.get(condition.id), writer: await open(condition, 1), part: 1 };
      } else if (current.writer.full(limits.maxRows)) {
        await current.writer.close();
        current.part++;
        current.writer = await open(condition, current.part);
      }
      fillCells(cells, plan, m, current.cells, r);
      current.writer.row(cells);
      records++;
    }
    await current?.writer.settle();
    await rows.advance(batch.length);
  }
  if (current) await current.writer.close();
  return records;
}

/** 3. By Page: every row again, in page order, continued on "By Page (2)"… past the row limit. */
export async function writeByPage(r: Render, name: string, rows: TwoPassProgress): Promise<void> {
  const { source, limits } = r;
  const ids = byPageColumns(source.type);
  const columns = sheetColumns(ids);
  const plan = columnPlan(ids);
  const cellsOf = conditionCells(r);
  const cells: CellValue[] = new Array<CellValue>(plan.length).fill(null);
  let part = 1;
  let w = await r.sheet(name, columns, 1);
  w.header();
  for await (const batch of source.measurementsByPage()) {
    for (const m of batch) {
      if (w.full(limits.maxRows)) {
        await w.close();
        part++;
        w = await r.sheet(r.names.take("By Page", part), columns, 1);
        w.header();
      }
      fillCells(cells, plan, m, cellsOf.get(m.conditionId), r);
      w.row(cells);
    }
    await w.settle();
    await rows.advance(batch.length);
  }
  await w.close();
}
