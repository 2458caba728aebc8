/** The renderers by format, and the format catalogue (labels, options and defaults) derived from the option schemas. */
import { z } from "zod";
import { EXPORT_FORMATS, type ExportFormat, type StoredFormat } from "@/db/schema";
import { OPTION_SCHEMAS } from "../schemas";
import { csv } from "./csv";
import { excel } from "./excel";
import { json } from "./json";
import { ost } from "./ost";
import { pdf } from "./pdf";
import type { Renderer } from "./types";
import { FORMAT_LABELS } from "../model";

export const RENDERERS = { csv, excel, pdf, json, ost } satisfies Record<ExportFormat, Renderer>;

/** A bundle's file (SPEC §14.3): one .zip of rendered files, written by lib/exports/bundles. */
export const ZIP_FILE = { extension: "zip", contentType: "application/zip" } as const;

/** Extension and content type of an export's file, whatever its format (bundles included). */
export function fileTypeOf(format: StoredFormat): { extension: string; contentType: string } {
  return format === "zip" ? ZIP_FILE : RENDERERS[format];
}

export type FormatOption = {
  key: string;
  type: "boolean" | "string" | "array";
  default?: unknown;
  /** Allowed values, when the option is a choice. */
  enum?: unknown[];
  /** Type of the array items (condition_ids: "string", a uuid). */
  items?: { type: string; format?: string };
  description: string;
};

export type FormatInfo = {
  id: ExportFormat;
  label: string;
  extension: string;
  content_type: string;
  description: string;
  options: FormatOption[];
};

type JsonSchemaProperty = {
  type?: string;
  default?: unknown;
  enum?: unknown[];
  items?: { type?: string; format?: string };
  description?: string;
};

function optionsOf(format: ExportFormat): FormatOption[] {
  // "input" is what a client sends: defaults apply, transforms (tab → \t) have not run yet.
  const schema = z.toJSONSchema(OPTION_SCHEMAS[format], { io: "input", unrepresentable: "any" }) as {
    properties?: Record<string, JsonSchemaProperty>;
  };
  return Object.entries(schema.properties ?? {}).map(([key, p]) => {
    const option: FormatOption = { key, type: (p.type ?? "string") as FormatOption["type"], description: p.description ?? "" };
    if (p.default !== undefined) option.default = p.default;
    if (p.enum) option.enum = p.enum;
    if (p.items?.type) option.items = { type: p.items.type, ...(p.items.format ? { format: p.items.format } : {}) };
    return option;
  });
}

/** Every format with what the export dialog and `GET /api/documents/{id}/export` show. */
export const FORMAT_CATALOGUE: FormatInfo[] = EXPORT_FORMATS.map((id) => ({
  id,
  label: FORMAT_LABELS[id],
  extension: RENDERERS[id].extension,
  content_type: RENDERERS[id].contentType,
  description: RENDERERS[id].description,
  options: optionsOf(id),
}));
