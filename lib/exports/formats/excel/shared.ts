/** What the Excel sheet writers share: styles, limits, sheet names, the per-render context, and the sheet writer. */
import { removeXmlIllegal } from "../../sanitize";
import type { NormalisedOptions } from "../../schemas";
import type { ExportSource, Progress } from "../types";
import { XlsxWorkbook, type CellStyle, type CellValue, type Font, type XlsxSheet } from "../xlsx-writer";

export const EXCEL_MAX_ROWS = 1_048_576;
export const EXCEL_MAX_CELL_TEXT = 32_767;
const SHEET_NAME_MAX = 31;

export type ExcelLimits = { maxRows: number; maxCellText: number };

export const FMT = {
  quantity: "#,##0.00",
  count: "#,##0",
  money: '"$"#,##0.00',
  percent: '0.00"%"',
  integer: "0",
} as const;

export const HEADER_STYLE: CellStyle = {
  font: { bold: true, color: "FF1F2937" },
  fill: "FFE5E7EB",
  borderBottom: "FF9CA3AF",
  verticalAlign: "center",
};
export const TITLE_FONT: Font = { bold: true, size: 16 };
export const SUBTITLE_FONT: Font = { bold: true, size: 13 };
export const NOTE_FONT: Font = { italic: true, color: "FF6B7280" };
export const TOTAL_FONT: Font = { bold: true };

export type Column = { header: string; width: number; numFmt?: string };

export const TRUNCATED_WARNING = (n: number) =>
  `Some text was longer than Excel's ${n.toLocaleString("en-US")}-character cell limit and was cut.`;

/** Sheet names: forbidden characters replaced, 31 characters at most, unique case-insensitively. */
export class SheetNames {
  private readonly used = new Set<string>();

  static clean(name: string): string {
    let s = name.replace(/[\\/*?[\]:]/g, "_").replace(/[\u0000-\u001f\u007f]/g, " ");
    // What XML cannot carry at all (lone surrogates, U+FFFE/FFFF) goes; the
    // warning comes from the same name's title cell.
    s = removeXmlIllegal(s).text.trim();
    // Excel refuses names that start or end with an apostrophe, and reserves "History".
    s = s.replace(/^'|'$/g, "_");
    if (!s) s = "Sheet";
    if (s.toLowerCase() === "history") s = `${s}_`;
    return s;
  }

  /** A unique name for `name`; `from` starts the " (n)" suffixes (continuation sheets ask for 2). */
  take(name: string, from = 1): string {
    const base = SheetNames.clean(name);
    for (let n = from; ; n++) {
      const suffix = n === 1 ? "" : ` (${n})`;
      const candidate = cut(base, SHEET_NAME_MAX - suffix.length).trimEnd() + suffix;
      if (!this.used.has(candidate.toLowerCase())) {
        this.used.add(candidate.toLowerCase());
        return candidate;
      }
    }
  }
}

/** The first `max` UTF-16 units of `s`, never splitting a surrogate pair. */
export function cut(s: string, max: number): string {
  if (s.length <= max) return s;
  const code = s.charCodeAt(max - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

/** What the sheet writers below share during one render. */
export type Render = {
  source: ExportSource;
  options: NormalisedOptions;
  limits: ExcelLimits;
  book: XlsxWorkbook;
  names: SheetNames;
  /** Every text cell: XML-illegal characters removed, formula prefixes neutralised, cut to the cell limit. */
  text(value: string | null | undefined): string | null;
  /** Opens the next sheet with frozen rows down to `headerRow`. */
  sheet(name: string, columns: Column[], headerRow: number): Promise<SheetWriter>;
  showCosts: boolean;
  /** A document name as a cell, cleaned once per document. */
  documentText(name: string | null): string | null;
};

/** `#3B82F6` (or `#38f`) as the writer's ARGB `FF3B82F6`; null for anything else. */
export function argb(color: string | null): string | null {
  if (!color) return null;
  const six =
    /^#([0-9a-f]{6})$/i.exec(color)?.[1] ??
    /^#([0-9a-f])([0-9a-f])([0-9a-f])$/i
      .exec(color)
      ?.slice(1)
      .map((x) => x + x)
      .join("");
  return six ? `FF${six.toUpperCase()}` : null;
}

/** Reports rows read in two passes as one count: half a row per row seen. */
export class TwoPassProgress {
  private processed = 0;
  private reported = 0;

  constructor(private readonly progress: Progress) {}

  async advance(n: number): Promise<void> {
    this.processed += n;
    const next = Math.floor(this.processed / 2);
    await this.progress.advance(next - this.reported);
    this.reported = next;
  }

  /** Tops the reported count up to `records`. */
  async complete(records: number): Promise<void> {
    if (this.reported < records) await this.progress.advance(records - this.reported);
  }
}

/** One sheet's layout: title rows, a styled header row, data rows with column number formats, an autofilter. */
export class SheetWriter {
  private lastDataRow = 0;
  private readonly headerStyles: number[];
  /** Style index per column for data rows (its number format). */
  private readonly dataStyles: number[];

  constructor(
    private readonly book: XlsxWorkbook,
    private readonly sheet: XlsxSheet,
    private readonly columns: Column[],
    private readonly headerRow: number,
  ) {
    const header = book.style(HEADER_STYLE);
    this.headerStyles = columns.map(() => header);
    this.dataStyles = columns.map((c) => (c.numFmt ? book.style({ numFmt: c.numFmt }) : 0));
  }

  /** Number of the last row written. */
  get rowNumber(): number {
    return this.sheet.rowNumber;
  }

  /** Whether the sheet has reached Excel's row limit. */
  full(maxRows: number): boolean {
    return this.sheet.rowNumber >= maxRows;
  }

  header(): void {
    this.sheet.row(
      this.columns.map((c) => c.header),
      this.headerStyles,
    );
  }

  /**
   * `filterEnd` rows (totals) stay outside the autofilter range; `colourBar`
   * (ARGB) draws a thick left border in that colour on the row's first cell.
   */
  row(values: CellValue[], style: { font?: Font; height?: number; filterEnd?: boolean; colourBar?: string | null } = {}): void {
    // Title rows above the header are text: no column number formats.
    const title = this.sheet.rowNumber < this.headerRow - 1;
    let styles = title ? NO_STYLES : this.dataStyles;
    // Styled rows are rare (titles, totals, Summary rows): their styles are looked up per row.
    if (style.font)
      styles = this.columns.map((c) => this.book.style(title || !c.numFmt ? { font: style.font } : { numFmt: c.numFmt, font: style.font }));
    if (style.colourBar) {
      const first = this.columns[0];
      styles = [...styles];
      styles[0] = this.book.style({ ...(first?.numFmt ? { numFmt: first.numFmt } : {}), borderLeft: style.colourBar });
    }
    this.sheet.row(values, styles, style.height);
    if (!style.filterEnd && this.sheet.rowNumber > this.headerRow) this.lastDataRow = this.sheet.rowNumber;
  }

  /** Passes the rows written so far on and waits while the compressor or the output is full. */
  settle(): Promise<void> {
    return this.sheet.settle();
  }

  close(): Promise<void> {
    return this.sheet.close({ headerRow: this.headerRow, lastRow: this.lastDataRow });
  }
}

const NO_STYLES: number[] = [];
