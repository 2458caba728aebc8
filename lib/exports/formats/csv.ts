/**
 * CSV renderer (SPEC §6.1, §12.1, §12.2): one RFC 4180 row per measurement,
 * CRLF, optional BOM, streamed batch by batch, in the columns the user chose
 * or the default layout (project exports end with Document).
 */
import Papa from "papaparse";
import { escapeFormula, formatQuantity } from "../sanitize";
import { columnPlan, columnsFor, CSV_HEADERS, defaultColumns, extendedCost } from "./columns";
import { remembered, TextOutput } from "./text-output";
import { end, write } from "./writes";
import type { Renderer } from "./types";

/** The §6.1 header (a document export without `columns`). */
export const CSV_HEADER = defaultColumns("csv", "document").map((id) => CSV_HEADERS[id]);

const EOL = "\r\n";
const QUOTES = /"/g;

/**
 * Whether papaparse's unparse would quote a field (the header still goes
 * through it): when it holds a quote, CR, LF, a byte order mark or the
 * delimiter, or starts or ends with a space. Quotes inside are then doubled.
 */
export function csvNeedsQuotes(delimiter: string): (value: string) => boolean {
  const special = new RegExp(`["\\r\\n\\uFEFF${delimiter.replace(/[\\^\]-]/g, "\\$&")}]|^ | $`);
  return (value) => special.test(value);
}

/** A field as papaparse's unparse writes it. */
export function csvField(delimiter: string): (value: string) => string {
  const needsQuotes = csvNeedsQuotes(delimiter);
  return (value) => (needsQuotes(value) ? `"${value.replace(QUOTES, '""')}"` : value);
}

/** Per condition, its cells as CSV writes them (made once per export, looked up once per row). */
type ConditionCells = {
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

/** Money as CSV writes it: plain, two decimals (`1234.50`), never exponent notation within the range money takes. */
const money = (value: number) => value.toFixed(2);

export const csv: Renderer = {
  format: "csv",
  extension: "csv",
  contentType: "text/csv; charset=utf-8",
  description: "Spreadsheet-friendly rows, one per measurement.",

  async render(source, options, out, progress) {
    const delimiter = options.delimiter ?? ",";
    const config = {
      delimiter,
      newline: EOL,
      header: false,
      // Our own rule (sanitize.ts) runs first; papaparse's would also quote `-12.5`.
      escapeFormulae: false,
    };
    const needsQuotes = csvNeedsQuotes(delimiter);
    const field = csvField(delimiter);
    /** A text cell: formula-escaped, then quoted as needed. */
    const cell = (value: string) => field(escapeFormula(value));
    const repeatedCell = remembered(cell);
    const typeField = remembered(field);
    const conditionCells = new Map<string, ConditionCells>(
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
    const NO_CONDITION: ConditionCells = {
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
    const d = delimiter;
    // The plan: one small integer per column, decided once; a row is a loop over it.
    const ids = columnsFor("csv", source.type, options.columns);
    const plan = columnPlan(ids);
    const last = plan.length - 1;

    await write(out, (options.bom === false ? "" : "\uFEFF") + Papa.unparse([ids.map((id) => CSV_HEADERS[id])], config) + EOL);
    // A row goes straight into the output buffer as few strings as possible: the fields are
    // joined up to the coordinates, which are added quoted in the buffer (quotes doubled there).
    const text = new TextOutput(out);
    let records = 0;
    for await (const batch of source.measurements()) {
      for (const m of batch) {
        const c = conditionCells.get(m.conditionId) ?? NO_CONDITION;
        let row = "";
        for (let i = 0; i <= last; i++) {
          switch (plan[i]) {
            case 0: // condition
              row += c.name;
              break;
            case 1: // document
              row += repeatedCell(m.documentName ?? "");
              break;
            case 2: // page
              if (m.pageNumber !== null) row += m.pageNumber;
              break;
            case 3: // sheet_number
              row += repeatedCell(m.sheetNumber ?? "");
              break;
            case 4: // sheet_title
              row += repeatedCell(m.sheetTitle ?? "");
              break;
            case 5: // geometry_type
              row += typeField(m.geometryType);
              break;
            case 6: // quantity
              row += formatQuantity(m.quantity);
              break;
            case 7: // unit
              row += repeatedCell(m.unit);
              break;
            case 8: {
              // coordinates
              const coordinates = JSON.stringify(m.geometry) ?? "";
              if (needsQuotes(coordinates)) {
                text.add(row);
                row = "";
                text.addQuoted(coordinates);
              } else row += coordinates;
              break;
            }
            case 9: // verified
              row += m.isVerified ? "Yes" : "No";
              break;
            case 10: // ai_generated
              row += m.isAiGenerated ? "Yes" : "No";
              break;
            case 11: // notes
              row += cell(m.notes ?? "");
              break;
            case 12: // measurement_id
              row += field(m.id);
              break;
            case 13: // condition_id
              row += c.id;
              break;
            case 14: // building
              row += c.building;
              break;
            case 15: // area
              row += c.area;
              break;
            case 16: // elevation
              row += c.elevation;
              break;
            case 17: // category
              row += c.category;
              break;
            case 18: // scope
              row += c.scope;
              break;
            case 19: // color
              row += c.color;
              break;
            case 20: // unit_cost
              row += c.unitCostText;
              break;
            case 21: // extended_cost
              if (!Number.isNaN(c.unitCost)) row += cell(money(extendedCost(m.quantity, c.unitCost)));
              break;
          }
          row += i === last ? EOL : d;
        }
        text.add(row);
        if (text.full) await text.flush();
      }
      records += batch.length;
      await progress.advance(batch.length);
    }
    await text.end();
    await end(out);
    return { records, warnings: [] };
  },
};
