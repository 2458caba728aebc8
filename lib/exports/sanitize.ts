/** Text safety shared by the renderers: formula injection (SPEC §6), XML 1.0 characters, quantity formatting and totals. */

// The two patterns below are regular expressions that JavaScript and PostgreSQL
// (advanced regular expressions) read the same way: the CSV rows the database
// writes (formats/csv-sql.ts) test them in SQL. Hence `[0-9]`, never `\d`
// (PostgreSQL's may match other scripts' digits).

/** First characters that make a spreadsheet treat text as a formula (or hide it: tab, CR). */
export const FORMULA_START_PATTERN = "^[=+\\-@\\t\\r]";
/**
 * Values that stay as they are although they start with "-": plain decimal
 * numbers such as `-12.5`. A leading "+" is not exempt (`+1` is quoted): it is
 * a common prefix of injection payloads and spreadsheets drop it anyway.
 */
export const PLAIN_NUMBER_PATTERN = "^-?(?:[0-9]+(?:\\.[0-9]+)?|\\.[0-9]+)$";

const FORMULA_START = new RegExp(FORMULA_START_PATTERN);
const PLAIN_NUMBER = new RegExp(PLAIN_NUMBER_PATTERN);

/** Prefixes `'` to text a spreadsheet would evaluate as a formula (CSV and Excel text cells). */
export function escapeFormula(value: string): string {
  return FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value;
}

// XML 1.0 Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
// With the `u` flag a lone surrogate is one code point outside every allowed range.
const XML_ILLEGAL = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const XML_ILLEGAL_ALL = new RegExp(XML_ILLEGAL.source, "gu");

/** Removes characters XML 1.0 cannot carry; `removed` tells the caller to record a warning. */
export function removeXmlIllegal(value: string): { text: string; removed: boolean } {
  // Fast path: almost every string is clean, so test before allocating a copy.
  if (!XML_ILLEGAL.test(value)) return { text: value, removed: false };
  return { text: value.replace(XML_ILLEGAL_ALL, ""), removed: true };
}

export const XML_ILLEGAL_WARNING =
  "Some text contained characters that are not allowed in XML 1.0 (control characters); they were removed.";

/**
 * Collects the XML clean-up of one render so the warning is recorded once,
 * however many values were affected.
 */
export class XmlTextCleaner {
  removed = false;

  clean(value: string): string {
    const result = removeXmlIllegal(value);
    if (result.removed) this.removed = true;
    return result.text;
  }

  /** Appends the warning to `warnings` when anything was removed. */
  report(warnings: string[]): void {
    if (this.removed && !warnings.includes(XML_ILLEGAL_WARNING)) warnings.push(XML_ILLEGAL_WARNING);
  }
}

/**
 * A sum of quantities without the noise of floating-point addition: a
 * million-row condition totalled 50557311.709999986 instead of 50557311.71.
 * Quantities are shown with at most 4 decimals (SPEC §6), so 6 are kept.
 */
export function roundTotal(value: number): number {
  // toFixed switches to exponent notation past 1e21, where there are no decimals to clean.
  return Math.abs(value) < 1e21 ? Number(value.toFixed(6)) : value;
}

/** A quantity with 4 decimals (`500.0000`), independent of the host locale. */
export function formatQuantity(value: number): string {
  // toFixed never uses locale separators; it switches to exponent notation only past 1e21.
  return value.toFixed(4);
}
