/**
 * Rendering a bundle (SPEC §14.3): every document × format rendered by the
 * format's own renderer straight into its .zip entry, one after another, then
 * `manifest.json`; the .zip goes to storage as one stream (stages.ts uploads
 * it like any export's file). Memory stays bounded: no part is ever held
 * whole — a part's bytes pass through a small Writable (which counts and
 * hashes them for the manifest) into the entry's compressor, which makes the
 * renderer wait while it, or the upload behind it, is full.
 *
 * Progress goes across parts: part i of n is the step text, the percentage is
 * the share of parts done plus the running part's share of its rows, and
 * records_count is the rows written over all parts.
 */
import crypto from "node:crypto";
import { Writable } from "node:stream";
import { finished } from "node:stream/promises";
import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "@/db";
import { documents, projects, type ExportRow } from "@/db/schema";
import { userError } from "../errors";
import { RENDERERS } from "../formats";
import type { Progress } from "../formats/types";
import { ZipEntry, ZipWriter } from "../formats/xlsx-zip";
import type { ExportFormat } from "../model";
import { readExportSource } from "../source";
import { bundlePartsOf, documentStems, MANIFEST_PATH, type Manifest, type ManifestFile, type PartDocument } from "./parts";

/** zlib level of text parts (as the .xlsx writer's sheets: as small as 6, faster); .xlsx and PDF parts are compressed already. */
const TEXT_LEVEL = 5;
const PACKED_LEVEL = 1;
const PACKED: ReadonlySet<ExportFormat> = new Set(["excel", "pdf"]);

/** What a bundle's render hands to the upload: the counts finish records, never bytes. */
export type BundleResult = { records: number; rowsTotal: number; warnings: string[] };

/**
 * A part's bytes on their way into its zip entry: counted and hashed for the
 * manifest, and held back (the callback waits) while the entry's compressor
 * has its fill, so the renderer feels the upload's backpressure.
 */
class EntrySink extends Writable {
  bytes = 0;
  private readonly hash = crypto.createHash("sha256");

  constructor(private readonly entry: ZipEntry) {
    super({ highWaterMark: 64 * 1024 });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.bytes += chunk.length;
    this.hash.update(chunk);
    if (this.entry.write(chunk)) callback();
    else this.entry.ready().then(() => callback(), callback);
  }

  sha256(): string {
    return this.hash.digest("hex");
  }
}

async function loadDocuments(db: Db, userId: string, ids: string[]): Promise<PartDocument[]> {
  const rows = await db
    .select({ id: documents.id, name: documents.name, projectId: documents.projectId, projectName: projects.name })
    .from(documents)
    .innerJoin(projects, eq(projects.id, documents.projectId))
    .where(and(inArray(documents.id, ids), eq(projects.userId, userId)));
  const byId = new Map(rows.map((r) => [r.id, r]));
  const gone = ids.filter((id) => !byId.has(id));
  if (gone.length)
    throw userError(
      `${gone.length === 1 ? "A document" : `${gone.length} documents`} of this bundle no longer exist (${gone.join(", ")}).`,
    );
  return ids.map((id) => byId.get(id)!);
}

/**
 * The bundle job of one export row: `percent` for the progress tracker (it
 * reads the parts' state) and `render`, which writes the whole .zip to `out`.
 */
export function bundleJob(db: Db, row: ExportRow) {
  const parts = bundlePartsOf(row.options);
  const total = parts.document_ids.length * parts.formats.length;
  let index = 0;
  let written = 0;
  let partStart = 0;
  let partRows = 0;

  const percent = () => {
    const within = partRows > 0 ? Math.min(1, (written - partStart) / partRows) : 0;
    return Math.min(95, Math.floor(((index + within) / total) * 95));
  };

  async function render(out: Writable, progress: Progress): Promise<BundleResult> {
    const docs = await loadDocuments(db, row.userId, parts.document_ids);
    const stems = documentStems(docs);
    const generatedAt = new Date();
    const zip = new ZipWriter(out, { date: generatedAt, level: TEXT_LEVEL, zip64: true, unix: true });
    const files: ManifestFile[] = [];
    const warnings = new Set<string>();
    let rowsTotal = 0;
    let records = 0;
    try {
      for (const doc of docs) {
        const { folder, stem } = stems.get(doc.id)!;
        for (const format of parts.formats) {
          const renderer = RENDERERS[format];
          const path = `${folder}/${stem}.${renderer.extension}`;
          const label = `Part ${index + 1} of ${total}: ${path}`;
          const options = parts.options[format]!;
          const input = {
            exportId: row.id,
            userId: row.userId,
            type: "document" as const,
            projectId: doc.projectId,
            documentId: doc.id,
            options,
            generatedAt,
          };
          const file = await readExportSource(input, async (source) => {
            partStart = written;
            partRows = source.rowsTotal;
            rowsTotal += source.rowsTotal;
            await progress.step(label);
            const entry = await zip.openEntry(path, { level: PACKED.has(format) ? PACKED_LEVEL : TEXT_LEVEL });
            const sink = new EntrySink(entry);
            const partProgress: Progress = {
              advance: async (n, step) => {
                written += n;
                await progress.advance(n, step ? `${label} — ${step}` : undefined);
              },
              step: (step) => progress.step(`${label} — ${step}`),
            };
            const result = await renderer.render(source, options, sink, partProgress);
            if (!sink.writableEnded) sink.end();
            await finished(sink, { readable: false });
            await zip.closeEntry();
            records += result.records;
            for (const w of result.warnings) warnings.add(`${path}: ${w}`);
            return { path, records: result.records, bytes: sink.bytes, sha256: sink.sha256() };
          });
          files.push({
            path: file.path,
            project_id: doc.projectId,
            document_id: doc.id,
            format,
            records: file.records,
            bytes: file.bytes,
            sha256: file.sha256,
          });
          index++;
          partRows = 0;
        }
      }
      // Rows vanish silently from a keyset read when their document is deleted mid-run: refuse to call the bundle complete.
      await loadDocuments(db, row.userId, parts.document_ids);
      await progress.step("Writing manifest.json");
      const manifest: Manifest = { export_id: row.id, generated_at: generatedAt.toISOString(), files };
      await zip.addEntry(MANIFEST_PATH, `${JSON.stringify(manifest, null, 2)}\n`);
      await zip.finish();
    } catch (err) {
      zip.destroy();
      throw err;
    }
    return { records, rowsTotal, warnings: [...warnings] };
  }

  return { percent, render };
}
