/**
 * CSV renderer (SPEC §6.1, §12.1, §12.2): one RFC 4180 row per measurement,
 * CRLF, optional BOM, streamed batch by batch, in the columns the user chose
 * or the default layout (project exports end with Document).
 */
import Papa from "papaparse";
import { formatQuantity } from "../sanitize";
import { columnPlan, columnsFor, CSV_HEADERS, defaultColumns, extendedCost } from "./columns";
import { csvCells, money, NO_CONDITION } from "./csv-rules";
import { csvSqlRows } from "./csv-sql";
import { TextOutput } from "./text-output";
import { end, write } from "./writes";
import type { Renderer, SourceMeasurement } from "./types";

export { csvField, csvNeedsQuotes } from "./csv-rules";

/** The §6.1 header (a document export without `columns`). */
export const CSV_HEADER = defaultColumns("csv", "document").map((id) => CSV_HEADERS[id]);

const EOL = "\r\n";

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
    const { needsQuotes, field, cell, repeatedCell, typeField, conditions: conditionCells } = csvCells(source, delimiter);
    const d = delimiter;
    // The plan: one small integer per column, decided once; a row is a loop over it.
    const ids = columnsFor("csv", source.type, options.columns);
    const plan = columnPlan(ids);
    const last = plan.length - 1;

    await write(out, (options.bom === false ? "" : "\uFEFF") + Papa.unparse([ids.map((id) => CSV_HEADERS[id])], config) + EOL);
    // A row goes straight into the output buffer as few strings as possible: the fields are
    // joined up to the coordinates, which are added quoted in the buffer (quotes doubled there).
    const text = new TextOutput(out);
    const writeRow = (m: SourceMeasurement) => {
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
    };

    const writeRows = async (rows: SourceMeasurement[]) => {
      for (const m of rows) {
        writeRow(m);
        if (text.full) await text.flush();
      }
    };

    let records = 0;
    // The database writes the rows when the source offers it (EXPORTS_CSV_IN_DATABASE;
    // off by default, it measured slower, see csv-sql.ts) and the options allow;
    // chunks it refuses come back as rows, written here like any other.
    const sqlRequest = source.sqlRows ? csvSqlRows(source, options, ids) : null;
    if (source.sqlRows && sqlRequest) {
      for await (const part of source.sqlRows(sqlRequest)) {
        if (part.bytes === null) {
          await writeRows(part.rows);
          await text.end();
          records += part.rows.length;
          await progress.advance(part.rows.length);
        } else {
          await write(out, part.bytes);
          records += part.rows;
          await progress.advance(part.rows);
        }
      }
    } else {
      for await (const batch of source.measurements()) {
        await writeRows(batch);
        records += batch.length;
        await progress.advance(batch.length);
      }
    }
    await text.end();
    await end(out);
    return { records, warnings: [] };
  },
};
