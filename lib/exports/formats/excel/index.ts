/**
 * Excel renderer (SPEC §6.2): Summary, one sheet per condition, By Page and
 * Cost Summary, streamed one sheet after another through the direct
 * SpreadsheetML writer in xlsx-writer.ts (why not exceljs, with the numbers:
 * see there).
 */
import type { Writable } from "node:stream";
import { escapeFormula, XmlTextCleaner } from "../../sanitize";
import type { NormalisedOptions } from "../../schemas";
import { hasAnyCosts } from "../text-format";
import type { ExportSource, Progress, Renderer, RenderResult } from "../types";
import { XlsxWorkbook } from "../xlsx-writer";
import { writeBreakdown } from "./breakdown";
import { writeCostSummary } from "./cost-summary";
import { writeByPage, writeConditionSheets } from "./rows";
import {
  cut,
  EXCEL_MAX_CELL_TEXT,
  EXCEL_MAX_ROWS,
  SheetNames,
  SheetWriter,
  TRUNCATED_WARNING,
  TwoPassProgress,
  type ExcelLimits,
  type Render,
} from "./shared";
import { writeSummary } from "./summary";

export { BREAKDOWN_MAX_CONDITIONS } from "./breakdown";
export { argb, EXCEL_MAX_CELL_TEXT, EXCEL_MAX_ROWS, SheetNames, type ExcelLimits } from "./shared";

export const excel: Renderer = {
  format: "excel",
  extension: "xlsx",
  contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  description: "Workbook with a summary, a sheet per condition, a by-page sheet and costs.",
  render: (source, options, out, progress) => renderExcel(source, options, out, progress),
};

export async function renderExcel(
  source: ExportSource,
  options: NormalisedOptions,
  out: Writable,
  progress: Progress,
  limits: ExcelLimits = { maxRows: EXCEL_MAX_ROWS, maxCellText: EXCEL_MAX_CELL_TEXT },
): Promise<RenderResult> {
  const book = new XlsxWorkbook(out, { creator: "Takeoff Exports", created: source.generatedAt });
  const cleaner = new XmlTextCleaner();
  let truncated = false;
  const names = new SheetNames();
  const documentCells = new Map<string, string | null>();
  // Reserve the fixed sheet names first so a condition called "By Page" cannot take them.
  const fixed = { summary: names.take("Summary"), byPage: names.take("By Page"), cost: names.take("Cost Summary") };
  const by = options.breakdown && options.breakdown !== "none" ? options.breakdown : null;
  // Only a workbook with a Breakdown sheet keeps the name from conditions.
  const breakdownName = by ? names.take("Breakdown") : null;
  const warnings: string[] = [];
  const r: Render = {
    source,
    options,
    limits,
    book,
    names,
    text(value) {
      if (value === null || value === undefined) return null;
      let s = escapeFormula(cleaner.clean(value));
      if (s.length > limits.maxCellText) {
        s = cut(s, limits.maxCellText);
        truncated = true;
      }
      return s;
    },
    async sheet(name, columns, headerRow) {
      const sheet = await book.addSheet(name, { widths: columns.map((c) => c.width), frozenRows: headerRow });
      return new SheetWriter(book, sheet, columns, headerRow);
    },
    showCosts: hasAnyCosts(source),
    documentText: (name) => {
      if (name === null) return null;
      let cellText = documentCells.get(name);
      if (cellText === undefined) documentCells.set(name, (cellText = r.text(name)));
      return cellText;
    },
  };

  let records: number;
  try {
    await writeSummary(r, fixed.summary);
    if (by && breakdownName) {
      await progress.step("Writing Breakdown sheet");
      await writeBreakdown(r, breakdownName, by, warnings);
    }
    // Rows are read twice (condition sheets, then By Page); progress counts each row once overall.
    const rows = new TwoPassProgress(progress);
    records = await writeConditionSheets(r, rows);
    if (source.rowsTotal > 0) {
      await progress.step("Writing By Page sheet");
      await writeByPage(r, fixed.byPage, rows);
    }
    // Make the reported total exactly one per row even if the second pass saw fewer rows.
    await rows.complete(records);
    if (r.showCosts) await writeCostSummary(r, fixed.cost);
    await book.finish();
  } catch (err) {
    book.destroy();
    throw err;
  }

  cleaner.report(warnings);
  if (truncated) warnings.push(TRUNCATED_WARNING(limits.maxCellText));
  return { records, warnings };
}
