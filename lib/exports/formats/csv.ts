/** CSV renderer (SPEC §6.1): one RFC 4180 row per measurement, CRLF, optional BOM, streamed batch by batch. */
import Papa from "papaparse";
import { escapeFormula, formatQuantity } from "../sanitize";
import { remembered, TextOutput } from "./text-output";
import { end, write } from "./writes";
import type { Renderer } from "./types";

export const CSV_HEADER = [
  "Condition",
  "Page",
  "Sheet Number",
  "Geometry Type",
  "Quantity",
  "Unit",
  "Coordinates",
  "Verified",
  "AI Generated",
  "Notes",
];

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
    const names = new Map(source.conditions.map((c) => [c.id, cell(c.name)]));
    const d = delimiter;

    await write(out, (options.bom === false ? "" : "\uFEFF") + Papa.unparse([CSV_HEADER], config) + EOL);
    // A row is written in three pieces straight into the output buffer: the fields before the
    // coordinates, the coordinates (quotes doubled in the buffer), the fields after them.
    const text = new TextOutput(out);
    let records = 0;
    for await (const batch of source.measurements()) {
      for (const m of batch) {
        text.add(
          `${names.get(m.conditionId) ?? ""}${d}${m.pageNumber === null ? "" : m.pageNumber}${d}${repeatedCell(m.sheetNumber ?? "")}${d}` +
            `${typeField(m.geometryType)}${d}${formatQuantity(m.quantity)}${d}${repeatedCell(m.unit)}${d}`,
        );
        const coordinates = JSON.stringify(m.geometry) ?? "";
        if (needsQuotes(coordinates)) text.addQuoted(coordinates);
        else text.add(coordinates);
        text.add(`${d}${m.isVerified ? "Yes" : "No"}${d}${m.isAiGenerated ? "Yes" : "No"}${d}${cell(m.notes ?? "")}${EOL}`);
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
