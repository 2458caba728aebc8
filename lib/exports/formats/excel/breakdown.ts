/** The Breakdown sheet (SPEC §12.3): quantities by sheet or by document. */
import type { BreakdownBy } from "../types";
import { columnLetter, type CellValue } from "../xlsx-writer";
import { FMT, TITLE_FONT, TOTAL_FONT, type Column, type Render } from "./shared";

/** Condition columns a Breakdown sheet holds at most (SPEC §12.3; Excel has 16,384 columns). */
export const BREAKDOWN_MAX_CONDITIONS = 16_000;

/**
 * 1b. Breakdown (SPEC §12.3): a row per sheet (or document) with measurements,
 * a column per condition with measurements, a Total row. Cells are the source's
 * sums per (condition, page); the Total row's cached values are the condition totals.
 */
export async function writeBreakdown(r: Render, name: string, by: BreakdownBy, warnings: string[]): Promise<void> {
  const { source, text } = r;
  const withRows = source.conditions.filter((c) => c.measurementCount > 0);
  const shown = withRows.slice(0, BREAKDOWN_MAX_CONDITIONS);
  if (withRows.length > shown.length)
    warnings.push(
      `The Breakdown sheet shows the first ${shown.length.toLocaleString("en-US")} of ${withRows.length.toLocaleString("en-US")} conditions; Excel has no room for more columns.`,
    );
  const keys: Column[] =
    by === "sheet"
      ? [
          { header: "Document", width: 30 },
          { header: "Page", width: 8, numFmt: FMT.integer },
          { header: "Sheet #", width: 12 },
          { header: "Sheet Title", width: 24 },
        ]
      : [{ header: "Document", width: 30 }];
  const columns: Column[] = [
    ...keys,
    ...shown.map((c) => ({ header: text(`${c.name} (${c.unit})`) ?? "", width: 16, numFmt: FMT.quantity })),
  ];
  const rows = await source.breakdown(by);
  const w = await r.sheet(name, columns, 3);
  w.row([text(by === "sheet" ? "Quantities by sheet" : "Quantities by document")], { font: TITLE_FONT, height: 24 });
  w.row([null]);
  w.header();
  const cells: CellValue[] = new Array<CellValue>(columns.length).fill(null);
  for (const row of rows) {
    cells[0] = r.documentText(row.documentName);
    if (by === "sheet") {
      cells[1] = row.pageNumber;
      cells[2] = text(row.sheetNumber);
      cells[3] = text(row.sheetTitle);
    }
    // Empty, never 0, where a condition has nothing on the sheet.
    for (let i = 0; i < shown.length; i++) cells[keys.length + i] = row.quantities.get(shown[i].id) ?? null;
    w.row(cells);
  }
  const first = 4;
  const last = 3 + rows.length;
  const total: CellValue[] = ["Total", ...keys.slice(1).map(() => null)];
  shown.forEach((c, i) => {
    const col = columnLetter(keys.length + i + 1);
    total.push(rows.length ? { formula: `SUM(${col}${first}:${col}${last})`, result: c.totalQuantity } : c.totalQuantity);
  });
  w.row(total, { font: TOTAL_FONT, filterEnd: true });
  await w.close();
}
