/**
 * SQL text for renderers whose rows the database writes (ExportSource.sqlRows):
 * literals that read the same whatever the server's settings, and the way an
 * expression refuses a row it cannot write exactly as the renderer would.
 */

/**
 * A text literal: an escape string (E'…'), so it means the same with
 * standard_conforming_strings on or off. PostgreSQL text holds no NUL.
 */
export function sqlText(value: string): string {
  return `E'${value.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
}

/** A float8 literal of a finite number: JavaScript's shortest text reads back as the same double. */
export function sqlFloat(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
  return `${sqlText(String(value))}::float8`;
}

/**
 * The value of an expression that cannot write a row exactly as the
 * renderer would: NULL, which makes the row's line NULL (every cell must be
 * non-null otherwise). ExportSource.sqlRows then hands the rows of that chunk
 * to the renderer to write itself. `reason` is for the reader of the SQL.
 */
export function sqlRefusal(reason: string, type: "text" | "numeric" = "text"): string {
  return `null::${type} /* ${reason.replace(/\*\//g, "")} */`;
}
