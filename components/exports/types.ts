/** Client-side shapes of the API's export objects and format catalogue. */
export type { ExportOut as ExportItem } from "@/lib/exports/serialize";

export type OptionInfo = {
  key: string;
  type: string;
  default?: unknown;
  choices?: string[];
  description?: string;
};

export type FormatInfo = {
  id: string;
  label: string;
  extension: string;
  content_type: string;
  description: string;
  options: OptionInfo[];
};

export type Catalogue = {
  source: { type: "document" | "project"; id: string; name: string; measurements_count: number };
  suggested_name: string;
  default_format: string;
  pdf_max_rows: number;
  formats: FormatInfo[];
};

export const isActive = (status: string) => status === "pending" || status === "processing";
