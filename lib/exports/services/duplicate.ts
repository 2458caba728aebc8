/**
 * "Export again" (SPEC §13.2): a new export of the same source, format,
 * options, name and description, made on the data as it is now. The original
 * is untouched (retry stays "re-run in place"); both trails say where the
 * copy came from — the copy's "created" event carries `duplicate_of`, the
 * original gets a "duplicated" event naming the copy, in the same transaction
 * (createExport writes both). The limits, idempotency and de-duplication of
 * createExport apply: a second click while the copy is still queued gets that
 * copy back (200, `deduplicated`).
 */
import type { Db } from "@/db";
import { DomainError } from "@/lib/errors";
import { bundleBodyOf, createBundle } from "../bundles/create";
import { bundlePartsOf } from "../bundles/parts";
import type { RequestMeta } from "../events";
import { createExport, type CreateResult, type SourceRef } from "./create";
import { dbOr } from "./db";
import { findOwned, type ExportRef } from "./read";

export async function duplicateExport(
  { userId, id, meta, idempotencyKey }: ExportRef & { meta?: RequestMeta; idempotencyKey?: string },
  dbIn?: Db,
): Promise<CreateResult> {
  const db = await dbOr(dbIn);
  const original = await findOwned(db, { userId, id });
  if (original.format === "zip") {
    // A bundle again (SPEC §14.3): the same documents, formats and options; a deleted document is a 404 naming it.
    const body = bundleBodyOf(bundlePartsOf(original.options), original.name, original.description);
    return createBundle({ userId, body, idempotencyKey, meta, origin: { duplicateOf: original.id } }, db);
  }
  const source: SourceRef =
    original.type === "document_export" && original.documentId
      ? { type: "document", id: original.documentId }
      : { type: "project", id: original.projectId };
  try {
    return await createExport(
      {
        userId,
        source,
        body: { format: original.format, options: original.options, name: original.name, description: original.description },
        idempotencyKey,
        meta,
        origin: { duplicateOf: original.id, presetId: original.presetId ?? undefined },
      },
      db,
    );
  } catch (err) {
    if (err instanceof DomainError && err.code === "not_found") {
      const what = source.type === "document" ? "document" : "project";
      throw new DomainError(
        "not_found",
        `The ${what} this export was made from has been deleted, so it cannot be exported again. The export itself is unchanged.`,
        [{ path: "source", message: `${what} ${source.id} not found` }],
      );
    }
    throw err;
  }
}
