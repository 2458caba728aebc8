/**
 * What a bundle holds (SPEC §14.3) and where each file goes in the .zip. Pure:
 * the create service stores the parts, the pipeline reads them back and names
 * the entries.
 *
 * A bundle's parts live in the export's `options` as `{bundle: {document_ids,
 * formats, options}}`: `options` has every format's options normalised (all
 * defaults filled in), so a retry or "Export again" renders exactly what was
 * asked for, and the de-duplication of identical in-flight requests compares
 * one jsonb value as it does for single exports.
 */
import { sanitizeFileName } from "@/lib/storage/content-disposition";
import { EXPORT_FORMATS, type ExportFormat } from "../model";
import type { NormalisedOptions } from "../schemas";

export const BUNDLE_MAX_DOCUMENTS = 100;
export const BUNDLE_MAX_FORMATS = EXPORT_FORMATS.length;
export const MANIFEST_PATH = "manifest.json";

export type BundleParts = {
  /** In the order asked for: the .zip lists each document's files in this order. */
  document_ids: string[];
  formats: ExportFormat[];
  /** Every format of `formats`, its options normalised. */
  options: Partial<Record<ExportFormat, NormalisedOptions>>;
};

/** The parts stored on a bundle export; throws when the row is not a bundle (a bug, not a user error). */
export function bundlePartsOf(options: Record<string, unknown>): BundleParts {
  const parts = options.bundle as BundleParts | undefined;
  if (!parts || !Array.isArray(parts.document_ids) || !Array.isArray(parts.formats)) throw new Error("This export has no bundle parts.");
  return parts;
}

/** "Structural Set.pdf" → "Structural Set" (the extension the document had, as suggestedName drops it). */
export function withoutExtension(name: string): string {
  return name.replace(/\.[A-Za-z0-9]{1,5}$/, "").trim() || name;
}

export type PartDocument = { id: string; name: string; projectId: string; projectName: string };

/**
 * Folder and file stem of each document: `{project}/{document}`, each
 * segment sanitised by the rule of download file names (sanitizeFileName).
 * Two projects whose folders would clash get `-2`, `-3`… on the later one's
 * folder; two documents of a folder whose stems clash get it on the later
 * document's stem (for all its formats, so a document's files keep one stem).
 * Clashes are compared without case: Windows and macOS unzip `A` and `a`
 * into one file.
 */
export function documentStems(documents: PartDocument[]): Map<string, { folder: string; stem: string }> {
  const folders = new Map<string, string>();
  const takenFolders = new Set<string>();
  const takenStems = new Set<string>();
  const out = new Map<string, { folder: string; stem: string }>();
  for (const doc of documents) {
    let folder = folders.get(doc.projectId);
    if (folder === undefined) {
      folder = unique(sanitizeFileName(doc.projectName, ""), (f) => takenFolders.has(f.toLowerCase()));
      takenFolders.add(folder.toLowerCase());
      folders.set(doc.projectId, folder);
    }
    const f = folder;
    const stem = unique(sanitizeFileName(withoutExtension(doc.name), ""), (s) => takenStems.has(`${f}/${s}`.toLowerCase()));
    takenStems.add(`${folder}/${stem}`.toLowerCase());
    out.set(doc.id, { folder, stem });
  }
  return out;
}

function unique(base: string, taken: (candidate: string) => boolean): string {
  if (!taken(base)) return base;
  for (let n = 2; ; n++) if (!taken(`${base}-${n}`)) return `${base}-${n}`;
}

/** One file of the bundle's manifest (SPEC §14.3). */
export type ManifestFile = {
  path: string;
  project_id: string;
  document_id: string;
  format: ExportFormat;
  records: number;
  bytes: number;
  sha256: string;
};

export type Manifest = { export_id: string; generated_at: string; files: ManifestFile[] };
