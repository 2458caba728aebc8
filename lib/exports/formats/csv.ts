/** CSV renderer (SPEC §6.1): one RFC 4180 row per measurement, CRLF, optional BOM, streamed batch by batch. */
import Papa from "papaparse";
import { escapeFormula, formatQuantity } from "../sanitize";
import { end, write } from "./common";
import type { Renderer, SourceMeasurement } from "./types";

export const CSV_HEADER = ["Condition", "Page", "Sheet Number", "Geometry Type", "Quantity", "Unit", "Coordinates", "Verified", "AI Generated", "Notes"];

const EOL = "\r\n";

export const csv: Renderer = {
  format: "csv",
  extension: "csv",
  contentType: "text/csv; charset=utf-8",
  description: "Spreadsheet-friendly rows, one per measurement.",

  async render(source, options, out, progress) {
    const config = {
      delimiter: options.delimiter ?? ",",
      newline: EOL,
      header: false,
      // Our own rule (sanitize.ts) runs first; papaparse's would also quote `-12.5`.
      escapeFormulae: false,
    };
    const names = new Map(source.conditions.map((c) => [c.id, escapeFormula(c.name)]));
    const toRow = (m: SourceMeasurement) => [
      names.get(m.conditionId) ?? "",
      m.pageNumber === null ? "" : String(m.pageNumber),
      escapeFormula(m.sheetNumber ?? ""),
      m.geometryType,
      formatQuantity(m.quantity),
      escapeFormula(m.unit),
      JSON.stringify(m.geometry),
      m.isVerified ? "Yes" : "No",
      m.isAiGenerated ? "Yes" : "No",
      escapeFormula(m.notes ?? ""),
    ];

    await write(out, (options.bom === false ? "" : "\uFEFF") + Papa.unparse([CSV_HEADER], config) + EOL);
    let records = 0;
    for await (const batch of source.measurements()) {
      await write(out, Papa.unparse(batch.map(toRow), config) + EOL);
      records += batch.length;
      await progress.advance(batch.length);
    }
    await end(out);
    return { records, warnings: [] };
  },
};
