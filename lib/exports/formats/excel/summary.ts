/** The Summary sheet (SPEC §6.2, §12.3 group_by, §12.5 colours). */
import { groupConditions, groupField, NO_GROUP_LABEL } from "../groups";
import { provenanceLine } from "../text-format";
import type { SourceCondition } from "../types";
import { columnLetter, type CellValue } from "../xlsx-writer";
import { argb, FMT, NOTE_FONT, TITLE_FONT, TOTAL_FONT, type Column, type Render } from "./shared";

/** 1. Summary: title, client, provenance, then one row per condition (and the project total with costs). */
export async function writeSummary({ source, options, text, sheet, showCosts }: Render, name: string): Promise<void> {
  const columns: Column[] = [
    { header: "Condition", width: 34 },
    { header: "Type", width: 10 },
    { header: "Unit", width: 8 },
    { header: "Quantity", width: 14, numFmt: FMT.quantity },
    { header: "Measurements", width: 14, numFmt: FMT.count },
    { header: "Category", width: 16 },
    { header: "Scope", width: 16 },
  ];
  if (showCosts) {
    columns.push(
      { header: "Unit Cost", width: 12, numFmt: FMT.money },
      { header: "Material", width: 14, numFmt: FMT.money },
      { header: "Labor", width: 14, numFmt: FMT.money },
      { header: "Total Cost", width: 14, numFmt: FMT.money },
      { header: "Markup Total", width: 14, numFmt: FMT.money },
    );
  }
  const w = await sheet(name, columns, 4);
  w.row([text(`Export: ${source.project.name}`)], { font: TITLE_FONT, height: 24 });
  w.row([source.project.clientName ? text(`Client: ${source.project.clientName}`) : null]);
  w.row([text(provenanceLine(source, options.timezone))], { font: NOTE_FONT });
  w.header();
  const conditionRow = (c: SourceCondition) => {
    const row: CellValue[] = [
      text(c.name),
      c.measurementType,
      text(c.unit),
      c.totalQuantity,
      c.measurementCount,
      text(c.category),
      text(c.scope),
    ];
    if (showCosts) {
      const k = c.costs;
      row.push(k?.unit_cost ?? null, k?.material_cost ?? null, k?.labor_cost ?? null, k?.total_cost ?? null, k?.total_with_markup ?? null);
    }
    // SPEC §12.5: the condition colour beside its name, without a column of its own (§6.2 keeps the columns).
    w.row(row, { colourBar: argb(c.color) });
  };
  const field = groupField(options);
  if (!field) for (const c of source.conditions) conditionRow(c);
  else {
    // SPEC §12.3: a heading row per group, its conditions, a Subtotal row of SUBTOTAL formulas
    // (which the PROJECT TOTAL's SUBTOTAL then skips, so nothing is counted twice).
    for (const g of groupConditions(source.conditions, field)) {
      w.row([g.value === null ? NO_GROUP_LABEL : text(g.value)], { font: TOTAL_FONT });
      const first = w.rowNumber + 1;
      for (const c of g.conditions) conditionRow(c);
      const last = w.rowNumber;
      const sub = (col: number, result: number) => ({
        formula: `SUBTOTAL(9,${columnLetter(col)}${first}:${columnLetter(col)}${last})`,
        result,
      });
      const row: CellValue[] = [
        "Subtotal",
        null,
        g.unit === null ? null : text(g.unit),
        g.quantity === null ? null : sub(4, g.quantity),
        sub(5, g.measurementCount),
        null,
        null,
      ];
      if (showCosts) {
        const money = (col: number, v: number | null) => (v === null ? null : sub(col, v));
        row.push(null, money(9, g.material), money(10, g.labor), money(11, g.totalCost), money(12, g.totalWithMarkup));
      }
      w.row(row, { font: TOTAL_FONT });
    }
  }
  if (showCosts) {
    const first = 5;
    const last = w.rowNumber;
    const total = source.conditions.reduce((s, c) => s + (c.costs?.total_with_markup ?? 0), 0);
    const row: CellValue[] = [
      "PROJECT TOTAL",
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      { formula: field ? `SUBTOTAL(9,L${first}:L${last})` : `SUM(L${first}:L${last})`, result: total },
    ];
    w.row(row, { font: TOTAL_FONT, filterEnd: true });
  }
  await w.close();
}
