/**
 * Creating a bundle (SPEC §14.3): one `bulk_export` of several documents ×
 * formats, rendered into one .zip by one job. The checks of a single export
 * apply per part — the documents owned (another user's or a missing one is a
 * 404 naming it), options validated for each format, the PDF caps per
 * document — then the same Idempotency-Key replay, in-flight de-duplication
 * and limits as createExport, the row and its "created" event in one
 * transaction, and only then the job.
 *
 * The row's project is the first document's (exports.project_id is the
 * storage folder and the project page's list; a bundle may span projects, its
 * manifest names each file's project). Deleting that project deletes the
 * bundle with its other exports.
 */
import crypto from "node:crypto";
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { documents, exports, projects } from "@/db/schema";
import { env } from "@/lib/env";
import { DomainError, validationError, type Issue } from "@/lib/errors";
import { recordEvent, type RequestMeta } from "../events";
import { FORMAT_LABELS, type ExportFormat } from "../model";
import { normaliseOptions, type NormalisedOptions } from "../schemas";
import { countMapPages, countRows, type CreateResult, type ExportOrigin } from "../services/create";
import { dbOr } from "../services/db";
import { assertActiveBelowLimit, assertCreationRate, activeIdentical, idempotentReplay, lockUserCreations } from "../services/limits";
import { withUrl } from "../services/links";
import { getRunner } from "../runner";
import { withoutExtension, type BundleParts, type PartDocument } from "./parts";
import { optionsFormat, type BundleCreateBody } from "./schemas";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Each format's options, normalised; errors at `options.{format}.…`. */
function partOptions(formats: ExportFormat[], given: Record<string, unknown> | undefined): BundleParts["options"] {
  const byFormat = new Map(Object.entries(given ?? {}).map(([key, value]) => [optionsFormat(key), value]));
  const out: BundleParts["options"] = {};
  for (const format of formats) {
    const result = normaliseOptions(format, byFormat.get(format));
    if (!result.success) throw validationError(result.error, ["options", format]);
    if (result.data.condition_ids) {
      throw new DomainError(
        "validation_failed",
        `options.${format}.condition_ids: a bundle cannot filter by condition (conditions belong to one project); export the documents one at a time for that.`,
        [{ path: `options.${format}.condition_ids`, message: "not available in bundles" }],
      );
    }
    out[format] = result.data;
  }
  return out;
}

/** The caller's documents in the order asked for; a malformed, missing or another user's id is a 404 naming it. */
async function ownedDocuments(db: Db, userId: string, ids: string[]): Promise<PartDocument[]> {
  const wellFormed = ids.filter((id) => UUID.test(id));
  const rows = wellFormed.length
    ? await db
        .select({ id: documents.id, name: documents.name, projectId: documents.projectId, projectName: projects.name })
        .from(documents)
        .innerJoin(projects, eq(projects.id, documents.projectId))
        .where(and(inArray(documents.id, wellFormed), eq(projects.userId, userId)))
    : [];
  const found = new Map(rows.map((r) => [r.id, r]));
  const missing: Issue[] = [];
  ids.forEach((id, i) => {
    if (!found.has(id)) missing.push({ path: `source.ids[${i}]`, message: `document ${id} not found` });
  });
  if (missing.length) {
    const first = missing[0].message.replace(/^document/, "Document");
    throw new DomainError("not_found", missing.length === 1 ? first : `${first} (and ${missing.length - 1} more)`, missing);
  }
  return ids.map((id) => found.get(id)!);
}

/** SPEC §6.3 and §12.4 per file: a PDF part above PDF_MAX_ROWS (or the map page cap) refuses the bundle, naming the document. */
async function assertPdfCaps(db: Db, docs: PartDocument[], options: NormalisedOptions) {
  for (const [i, doc] of docs.entries()) {
    const source = { type: "document_export" as const, projectId: doc.projectId, documentId: doc.id, label: doc.name };
    const rows = await countRows(db, source, options);
    if (rows > env.PDF_MAX_ROWS) {
      throw new DomainError(
        "validation_failed",
        `"${doc.name}" has ${rows.toLocaleString("en-US")} measurements; PDF files are limited to ${env.PDF_MAX_ROWS.toLocaleString("en-US")}. ` +
          "Leave PDF out of the bundle for it, or choose CSV or Excel.",
        [{ path: `source.ids[${i}]`, message: `document ${doc.id} is over the PDF row cap` }],
      );
    }
    if (options.takeoff_maps) {
      const mapPages = await countMapPages(db, source, options);
      if (mapPages > env.PDF_MAX_MAP_PAGES) {
        throw new DomainError(
          "validation_failed",
          `"${doc.name}" would draw ${mapPages.toLocaleString("en-US")} takeoff map pages; PDF files are limited to ${env.PDF_MAX_MAP_PAGES.toLocaleString("en-US")}. Turn takeoff_maps off.`,
          [{ path: `source.ids[${i}]`, message: `document ${doc.id} is over the PDF map page cap` }],
        );
      }
    }
  }
}

function formatList(formats: ExportFormat[]): string {
  return formats.map((f) => FORMAT_LABELS[f]).join(", ");
}

function defaultName(docs: PartDocument[]): string {
  return docs.length === 1 ? `${withoutExtension(docs[0].name)} bundle`.slice(0, 200) : `Bundle of ${docs.length} documents`;
}

function what(docs: PartDocument[]): string {
  return docs.length === 1 ? `"${docs[0].name}"` : `${docs.length} documents`;
}

export async function createBundle(
  input: { userId: string; body: BundleCreateBody; idempotencyKey?: string; meta?: RequestMeta; origin?: ExportOrigin },
  dbIn?: Db,
): Promise<CreateResult> {
  const db = await dbOr(dbIn);
  const { userId, body } = input;
  const origin = input.origin ?? {};
  const formats = body.formats;
  const options = partOptions(formats, body.options);
  const docs = await ownedDocuments(db, userId, body.source.ids);
  if (options.pdf) await assertPdfCaps(db, docs, options.pdf);

  const parts: BundleParts = { document_ids: docs.map((d) => d.id), formats, options };
  const stored = { bundle: parts };
  const requestHash = crypto
    .createHash("sha256")
    .update(JSON.stringify({ s: "documents", parts, name: body.name ?? null, description: body.description ?? null }))
    .digest("hex");

  const outcome = await db.transaction(async (tx) => {
    await lockUserCreations(tx, userId);
    const prior = await idempotentReplay(tx, userId, input.idempotencyKey, requestHash);
    if (prior) return { kind: "replay" as const, row: prior };
    const duplicate = await activeIdentical(tx, userId, [
      eq(exports.type, "bulk_export"),
      sql`${exports.options} = ${JSON.stringify(stored)}::jsonb`,
    ]);
    if (duplicate) return { kind: "duplicate" as const, row: duplicate };

    await assertCreationRate(tx, userId);
    await assertActiveBelowLimit(tx, userId, { detail: true });
    const now = new Date();
    const [row] = await tx
      .insert(exports)
      .values({
        userId,
        type: "bulk_export",
        projectId: docs[0].projectId,
        documentId: null,
        name: body.name ?? defaultName(docs),
        description: body.description ?? `ZIP of ${what(docs)} as ${formatList(formats)}`,
        format: "zip",
        options: stored,
        status: "pending",
        progressStep: "Queued",
        idempotencyKey: input.idempotencyKey ?? null,
        requestHash,
        duplicateOf: origin.duplicateOf ?? null,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    const event = { ip: input.meta?.ip, userAgent: input.meta?.userAgent };
    await recordEvent(tx, {
      exportId: row.id,
      userId,
      type: "created",
      data: { format: "zip", source: "documents", options: stored, ...(origin.duplicateOf ? { duplicate_of: origin.duplicateOf } : {}) },
      ...event,
    });
    if (origin.duplicateOf)
      await recordEvent(tx, { exportId: origin.duplicateOf, userId, type: "duplicated", data: { export_id: row.id }, ...event });
    return { kind: "created" as const, row };
  });

  const row = outcome.row;
  if (outcome.kind === "created") await getRunner().enqueue({ id: row.id, userId });
  const files = docs.length * formats.length;
  return {
    status: outcome.kind === "created" ? 202 : 200,
    body: {
      success: true as const,
      ...(outcome.kind === "duplicate" ? { deduplicated: true as const } : {}),
      task_id: row.taskId,
      export_id: row.id,
      export: await withUrl(row),
      message:
        outcome.kind === "duplicate"
          ? `An identical bundle of ${what(docs)} is already ${row.status === "pending" ? "queued" : "running"}. Follow it on the Exports page.`
          : `Bundle of ${what(docs)} (${files} ${files === 1 ? "file" : "files"}: ${formatList(formats)}) started as ZIP. Follow it on the Exports page.`,
    },
  };
}

/** Parts of a stored bundle as a create body ("Export again", SPEC §13.2). */
export function bundleBodyOf(parts: BundleParts, name: string, description: string | null): BundleCreateBody {
  return {
    source: { type: "documents", ids: parts.document_ids },
    formats: parts.formats,
    options: parts.options as Record<string, unknown>,
    name,
    description,
  };
}
