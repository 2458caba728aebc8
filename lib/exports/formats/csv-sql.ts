/**
 * CSV rows written by the database (ExportSource.sqlRows): the same bytes as
 * the row loop in csv.ts, from the same rules. What depends only on the
 * condition or the page (names, sheet cells, unit cost…) is written by the
 * JavaScript cell writers of csv-rules.ts and goes into the SQL as literals;
 * per row the SQL applies the quoting and formula patterns that the
 * JavaScript tests compile (csv-rules.ts, sanitize.ts), and writes numbers
 * and geometry as JavaScript does, for every value it can prove it writes
 * identically. For any other value the expression refuses the row (sqlRefusal)
 * and csv.ts writes that chunk's rows itself (every such value is one of the
 * tests of tests/integration/csv-sql.test.ts):
 * - a quantity whose shortest decimal text has a 5 as its fifth decimal (a
 *   tie, which only the exact binary value decides), or of 1e11 or more;
 * - an extended cost whose product has 16 significant digits ending in 5
 *   (toPrecision(15) may round that tie differently), or of 1e14 cents or more;
 * - geometry whose jsonb text is not plainly what JSON.stringify writes:
 *   strings as values, escapes, keys that start with a digit or hold a space,
 *   numbers with trailing zeros, 16 or more digits or below 1e-6 (see
 *   GEOMETRY_SUSPECT); and an object with a "start" key other than {start, end}.
 * Geometry as the import writes it (lib/takeoff/schemas.ts: objects of finite
 * numbers, written by JSON.stringify) passes. The byte-for-byte comparison of
 * both ways is tests/integration/csv-sql.test.ts.
 *
 * Off unless EXPORTS_CSV_IN_DATABASE is set: measured on the bench project
 * (1M rows, 2 cores), the database takes longer to write a row than the
 * JavaScript loop. On PostgreSQL the export process's CPU halves (5.6 → 2.6 s)
 * but its one backend becomes the bottleneck: ~8 µs a row against ~5 µs for
 * the JSON the JavaScript reads (jsonb to text alone ~2.5 µs, the exactness
 * checks on the geometry text ~2.5 µs, compact and quote ~1.5 µs), so 13.9 s
 * against 8.2–9.6 s. On PGlite (WebAssembly, one thread) every row costs
 * more still: 100k rows 2.9 s against 2.5 s, 1M 23.6 s against 14.6 s.
 */
import { GEOMETRY_TYPES } from "@/db/schema";
import { FORMULA_START_PATTERN, PLAIN_NUMBER_PATTERN } from "../sanitize";
import type { ColumnId } from "./columns";
import { csvCells, csvSpecialPattern, NO_CONDITION } from "./csv-rules";
import { sqlFloat, sqlRefusal, sqlText } from "./sql-text";
import type { ExportSource, SourcePage, SqlRowsRequest } from "./types";
import type { NormalisedOptions } from "../schemas";

const EOL = "\r\n";

/**
 * jsonb text that JSON.stringify(JSON.parse(text)) may not write as the text
 * with ", " and ": " made "," and ":": a backslash (an escape in a string);
 * a string as a value (its closing quote before , ] } or the end); a key
 * that starts with a digit (JavaScript puts integer keys first) or holds a
 * space (", " inside it); a number with a trailing zero after the point, 16
 * or more digits in a row (not always the shortest text of its double), or
 * six zeros after the point (below 1e-6 JavaScript writes an exponent).
 * A number without these has at most 15 significant digits, so it is the
 * shortest text of its double, as JavaScript writes it.
 */
const GEOMETRY_SUSPECT = String.raw`\\|"([],}]|$)|"[0-9]|"[^"]* [^"]*":|\.[0-9]*0([],}]|$)|[0-9.]{16}|\.000000`;

/**
 * A line as jsonb stores it, keys by length: {"end": {…}, "start": {…}},
 * two flat objects. rows.ts (canonicalGeometry) writes start first.
 */
const LINE = String.raw`^\{"end": (\{[^{}]*\}), "start": (\{[^{}]*\})\}$`;
const LINE_START_FIRST = String.raw`{"start": \2, "end": \1}`;

/** jsonb text with its separators as JSON.stringify writes them. */
const compact = (text: string) => `replace(replace(${text}, ', ', ','), ': ', ':')`;

/**
 * The SQL that writes the CSV rows of this export, or null when the database
 * cannot write them exactly as csv.ts does for these options (a delimiter
 * that would make a uuid or a geometry type need quotes; none of today's).
 */
export function csvSqlRows(source: ExportSource, options: NormalisedOptions, ids: readonly ColumnId[]): SqlRowsRequest | null {
  const delimiter = options.delimiter ?? ",";
  const { field, conditions, pageCells } = csvCells(source, delimiter);
  // Written as they are in SQL below: fine only if the JavaScript writers leave them alone.
  if (GEOMETRY_TYPES.some((t) => field(t) !== t) || field("0123456789abcdef-") !== "0123456789abcdef-") return null;

  const special = sqlText(csvSpecialPattern(delimiter));
  const formulaStart = sqlText(FORMULA_START_PATTERN);
  const plainNumber = sqlText(PLAIN_NUMBER_PATTERN);
  /** `field(value)` of csv-rules.ts; `value` is SQL text of a non-null value, evaluated up to three times. */
  const fieldSql = (value: string) => `case when ${value} ~ ${special} then '"' || replace(${value}, '"', '""') || '"' else ${value} end`;
  /**
   * `cell(value)`: field(escapeFormula(value)). The prefix "'" is neither
   * special nor a space, and is added only to values that start with neither,
   * so the escaped value needs quotes exactly when the value does.
   */
  const cellSql = (value: string) => {
    const prefix = `case when ${value} ~ ${formulaStart} and ${value} !~ ${plainNumber} then '''' else '' end`;
    return `case when ${value} ~ ${special} then '"' || ${prefix} || replace(${value}, '"', '""') || '"' else ${prefix} || ${value} end`;
  };

  const uses = (id: ColumnId) => ids.includes(id);
  const last = ids.length - 1;

  return (conditionId: string, pages: readonly SourcePage[]) => {
    const c = conditions.get(conditionId) ?? NO_CONDITION;
    const withCost = uses("extended_cost") && !Number.isNaN(c.unitCost);
    const first: Record<string, string> = {};
    const second: Record<string, string> = {};
    if (uses("coordinates")) {
      first.g_text = "r.geometry::text";
      second.g_json = `case
        when r.g_text ~ ${sqlText(GEOMETRY_SUSPECT)} then ${sqlRefusal("csv: geometry not as JSON.stringify writes it")}
        when r.geometry ? 'start' then case
          when r.g_text ~ ${sqlText(LINE)} then ${compact(`regexp_replace(r.g_text, ${sqlText(LINE)}, ${sqlText(LINE_START_FIRST)})`)}
          else ${sqlRefusal("csv: geometry with start but not a line")} end
        else ${compact("r.g_text")} end`;
    }
    if (uses("quantity")) {
      // formatQuantity (toFixed(4)) rounds the exact binary value; rounding its shortest decimal
      // text instead gives the same digits unless that text is itself a tie (…5 as fifth decimal),
      // below 2e11 (above, the doubles are further apart than the fourth decimal).
      first.q_text = "r.quantity::text";
      second.q_rounded = `case
        when abs(r.quantity) >= 1e11 or r.q_text like '%.____5' or r.q_text in ('5e-05', '-5e-05')
        then ${sqlRefusal("csv: quantity at a rounding tie", "numeric")}
        else round(r.q_text::numeric, 4) end`;
    }
    if (withCost) {
      // extendedCost: Number((q × unit cost × 100).toPrecision(15)), rounded half away from zero,
      // ÷ 100, toFixed(2). A float8 product is the same IEEE product; float8 → numeric keeps 15
      // significant digits as toPrecision(15) does but rounds an exact tie to even, and such a
      // tie's shortest text has 16 digits ending in 5. Below 1e14 cents, ÷ 100 and toFixed(2)
      // give back the rounded cents.
      // (Factors below 1e150 cannot overflow, which would raise an error; a NULL product refuses the row.)
      first.cost_product =
        Math.abs(c.unitCost) < 1e150
          ? `case when abs(r.quantity) < 1e150 then r.quantity * ${sqlFloat(c.unitCost)} * 100::float8 end`
          : "null::float8";
      second.cost_cents = `case
        when abs(r.cost_product) >= 1e14 or r.cost_product::text ~ ${sqlText(String.raw`^-?[0.]*[1-9](\.?[0-9]){14}\.?5(e.*)?$`)}
        then ${sqlRefusal("csv: extended cost at a rounding tie", "numeric")}
        else round(r.cost_product::numeric, 0) end`;
    }
    const third: Record<string, string> = {};
    if (withCost) third.cost_text = "(r.cost_cents * 0.01)::text";

    const page = (pick: (cells: ReturnType<typeof pageCells>) => string) => {
      const values = pages.map((p) => pick(pageCells(p)));
      return values.every((v) => v === values[0]) ? sqlText(values[0] ?? "") : `(array[${values.map(sqlText).join(", ")}])[r.pair]`;
    };

    const cells = ids.map((id): string => {
      switch (id) {
        case "condition":
          return sqlText(c.name);
        case "document":
          return page((p) => p.document);
        case "page":
          return page((p) => p.page);
        case "sheet_number":
          return page((p) => p.sheetNumber);
        case "sheet_title":
          return page((p) => p.sheetTitle);
        case "geometry_type":
          return "r.geometry_type::text";
        case "quantity":
          // toFixed writes "-0.0000" for a negative value that rounds to zero (numeric has no -0).
          return `case when r.q_rounded = 0 and r.quantity < 0 then '-0.0000' else r.q_rounded::text end`;
        case "unit":
          return cellSql("r.unit");
        case "coordinates":
          return fieldSql("r.g_json");
        case "verified":
          return "case when r.is_verified then 'Yes' else 'No' end";
        case "ai_generated":
          return "case when r.is_ai_generated then 'Yes' else 'No' end";
        case "notes":
          return cellSql("coalesce(r.notes, '')");
        case "measurement_id":
          return "r.id::text";
        case "condition_id":
          return sqlText(c.id);
        case "building":
          return sqlText(c.building);
        case "area":
          return sqlText(c.area);
        case "elevation":
          return sqlText(c.elevation);
        case "category":
          return sqlText(c.category);
        case "scope":
          return sqlText(c.scope);
        case "color":
          return sqlText(c.color);
        case "unit_cost":
          return sqlText(c.unitCostText);
        case "extended_cost":
          return withCost ? cellSql("r.cost_text") : "''";
        default:
          throw new Error(`no SQL for column ${id satisfies never}`);
      }
    });
    const line = cells.map((sql, i) => `(${sql}) || ${sqlText(i === last ? EOL : delimiter)}`).join(" || ");
    const steps = [first, second, third].filter((step) => Object.keys(step).length > 0);
    return { steps, line };
  };
}
