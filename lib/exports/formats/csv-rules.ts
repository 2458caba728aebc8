/**
 * How CSV writes a value (SPEC §6, §12.2): RFC 4180 quoting as papaparse's
 * unparse does it, the formula rule (sanitize.ts) on text cells, money with
 * two decimals, and the cells that depend only on a condition or a page,
 * made once per export. Both ways of writing rows use these: csv.ts in
 * JavaScript, csv-sql.ts in the database.
 */
import { escapeFormula } from "../sanitize";
import { remembered } from "./text-output";
import type { ExportSource, SourcePage } from "./types";

/**
 * Characters that make papaparse's unparse quote a field: a quote, CR, LF,
 * a byte order mark or the delimiter; or a space first or last. A pattern
 * JavaScript and PostgreSQL read the same way (csv-sql.ts tests it in SQL).
 */
export function csvSpecialPattern(delimiter: string): string {
  return `["\\r\\n\\uFEFF${delimiter.replace(/[\\^\]-]/g, "\\$&")}]|^ | $`;
}

/** Whether papaparse's unparse would quote a field (quotes inside are then doubled). */
export function csvNeedsQuotes(delimiter: string): (value: string) => boolean {
  const special = new RegExp(csvSpecialPattern(delimiter));
  return (value) => special.test(value);
}

const QUOTES = /"/g;

/** A field as papaparse's unparse writes it. */
export function csvField(delimiter: string): (value: string) => string {
  const needsQuotes = csvNeedsQuotes(delimiter);
  return (value) => (needsQuotes(value) ? `"${value.replace(QUOTES, '""')}"` : value);
}

/** Money as CSV writes it: plain, two decimals (`1234.50`), never exponent notation within the range money takes. */
export const money = (value: number) => value.toFixed(2);

/** Per condition, its cells as CSV writes them (made once per export, looked up once per row). */
export type ConditionCells = {
  name: string;
  id: string;
  building: string;
  area: string;
  elevation: string;
  category: string;
  scope: string;
  color: string;
  /** The unit cost as written, "" when none; and as a number (NaN when none) for extended_cost. */
  unitCostText: string;
  unitCost: number;
};

export const NO_CONDITION: ConditionCells = {
  name: "",
  id: "",
  building: "",
  area: "",
  elevation: "",
  category: "",
  scope: "",
  color: "",
  unitCostText: "",
  unitCost: Number.NaN,
};

/** A page's cells as CSV writes them. */
export type PageCells = { document: string; page: string; sheetNumber: string; sheetTitle: string };

/** The cell writers of one export and its conditions' cells. */
export function csvCells(source: ExportSource, delimiter: string) {
  const needsQuotes = csvNeedsQuotes(delimiter);
  const field = csvField(delimiter);
  /** A text cell: formula-escaped, then quoted as needed. */
  const cell = (value: string) => field(escapeFormula(value));
  const repeatedCell = remembered(cell);
  const typeField = remembered(field);
  const conditions = new Map<string, ConditionCells>(
    source.conditions.map((c) => {
      const unitCost = c.costs?.unit_cost ?? null;
      return [
        c.id,
        {
          name: cell(c.name),
          id: field(c.id),
          building: cell(c.building ?? ""),
          area: cell(c.area ?? ""),
          elevation: cell(c.elevation ?? ""),
          category: cell(c.category ?? ""),
          scope: cell(c.scope ?? ""),
          color: cell(c.color ?? ""),
          unitCostText: unitCost === null ? "" : cell(money(unitCost)),
          unitCost: unitCost ?? Number.NaN,
        },
      ];
    }),
  );
  /** A page's cells, as the row loop in csv.ts writes them for a measurement on it. */
  const pageCells = (p: SourcePage): PageCells => ({
    document: repeatedCell(p.documentName ?? ""),
    page: p.pageNumber !== null ? String(p.pageNumber) : "",
    sheetNumber: repeatedCell(p.sheetNumber ?? ""),
    sheetTitle: repeatedCell(p.sheetTitle ?? ""),
  });
  return { needsQuotes, field, cell, repeatedCell, typeField, conditions, pageCells };
}
