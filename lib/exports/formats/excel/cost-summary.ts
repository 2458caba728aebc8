/** The Cost Summary sheet (SPEC §6.2). */
import type { SourceCondition } from "../types";
import { columnLetter } from "../xlsx-writer";
import { FMT, TITLE_FONT, TOTAL_FONT, type Column, type Render } from "./shared";

/** 4. Cost Summary: one row per condition with costs and a TOTAL row of formulas. */
export async function writeCostSummary({ source, text, sheet }: Render, name: string): Promise<void> {
  const money = (header: string): Column => ({ header, width: 14, numFmt: FMT.money });
  const columns: Column[] = [
    { header: "Condition", width: 34 },
    { header: "Qty", width: 14, numFmt: FMT.quantity },
    { header: "Unit", width: 8 },
    money("Unit Cost"),
    money("Material"),
    money("Labor"),
    money("Equipment"),
    money("Subcontract"),
    money("Other"),
    money("Total Cost"),
    { header: "OH %", width: 9, numFmt: FMT.percent },
    { header: "Profit %", width: 9, numFmt: FMT.percent },
    money("Total w/ Markup"),
  ];
  const w = await sheet(name, columns, 4);
  w.row([text("Cost Summary")], { font: TITLE_FONT, height: 24 });
  w.row([text(`Project: ${source.project.name}`)]);
  w.row([null]);
  w.header();
  const withCosts = source.conditions.filter((c) => c.costs);
  for (const c of withCosts) {
    const k = c.costs!;
    w.row([
      text(c.name),
      c.totalQuantity,
      text(c.unit),
      k.unit_cost,
      k.material_cost,
      k.labor_cost,
      k.equipment_cost,
      k.subcontract_cost,
      k.other_cost,
      k.total_cost,
      k.overhead_percent,
      k.profit_percent,
      k.total_with_markup,
    ]);
  }
  const first = 5;
  const last = 4 + withCosts.length;
  const sum = (col: number, pick: (c: SourceCondition) => number | null) => ({
    formula: `SUM(${columnLetter(col)}${first}:${columnLetter(col)}${last})`,
    result: withCosts.reduce((s, c) => s + (pick(c) ?? 0), 0),
  });
  w.row(
    [
      "TOTAL",
      null,
      null,
      null,
      sum(5, (c) => c.costs!.material_cost),
      sum(6, (c) => c.costs!.labor_cost),
      sum(7, (c) => c.costs!.equipment_cost),
      sum(8, (c) => c.costs!.subcontract_cost),
      sum(9, (c) => c.costs!.other_cost),
      sum(10, (c) => c.costs!.total_cost),
      null,
      null,
      sum(13, (c) => c.costs!.total_with_markup),
    ],
    { font: TOTAL_FONT, filterEnd: true },
  );
  await w.close();
}
