/**
 * Creating an export (SPEC §5.2): the source resolved and owned, options
 * validated for the format, Idempotency-Key replay, de-duplication of an
 * identical in-flight request, the limits, the PDF cap; then the row and its
 * "created" event in one transaction, and only then the job (STYLE: insert,
 * then send).
 */
import crypto from "node:crypto";
import { and, count, countDistinct, eq, inArray, isNotNull, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { conditions, documents, exports, measurements, pages, projects, type ExportFormat, type StoredFormat } from "@/db/schema";
import { env } from "@/lib/env";
import { DomainError, notFound } from "@/lib/errors";
import { recordEvent, type RequestMeta } from "../events";
import { FORMAT_LABELS } from "../model";
import { pdfCapMessage } from "../pipeline";
import { getRunner } from "../runner";
import { parseOptions, type CreateExportBody, type NormalisedOptions } from "../schemas";
import type { ExportOut } from "../serialize";
import { dbOr } from "./db";
import { assertActiveBelowLimit, assertCreationRate, activeIdentical, idempotentReplay, lockUserCreations } from "./limits";
import { withUrl } from "./links";

export type SourceRef = { type: "document" | "project"; id: string };

export type ResolvedSource = {
  type: "document_export" | "project_export";
  projectId: string;
  documentId: string | null;
  /** "Structural Set.pdf" or the project name. */
  label: string;
};

async function resolveSource(db: Db, userId: string, ref: SourceRef): Promise<ResolvedSource> {
  if (ref.type === "document") {
    const [row] = await db
      .select({ id: documents.id, name: documents.name, projectId: documents.projectId })
      .from(documents)
      .innerJoin(projects, eq(projects.id, documents.projectId))
      .where(and(eq(documents.id, ref.id), eq(projects.userId, userId)));
    if (!row) throw notFound("Document");
    return { type: "document_export", projectId: row.projectId, documentId: row.id, label: row.name };
  }
  const [row] = await db
    .select({ id: projects.id, name: projects.name })
    .from(projects)
    .where(and(eq(projects.id, ref.id), eq(projects.userId, userId)));
  if (!row) throw notFound("Project");
  return { type: "project_export", projectId: row.id, documentId: null, label: row.name };
}

/** "Structural Set.pdf" → "Structural Set export". */
export function suggestedName(label: string): string {
  const base = label.replace(/\.[A-Za-z0-9]{1,5}$/, "").trim() || label;
  return `${base} export`.slice(0, 200);
}

/** The format's display name, as the dashboard and the catalogue write it: "Excel", "OST XML". */
export function formatLabel(format: StoredFormat): string {
  return FORMAT_LABELS[format];
}

/** Measurement rows the export will contain, after filters (for the PDF cap). */
export async function countRows(db: Db, source: ResolvedSource, options: NormalisedOptions): Promise<number> {
  const [{ n }] = await db
    .select({ n: count() })
    .from(measurements)
    .innerJoin(conditions, eq(conditions.id, measurements.conditionId))
    .leftJoin(pages, eq(pages.id, measurements.pageId))
    .where(
      and(
        eq(conditions.projectId, source.projectId),
        source.documentId ? eq(pages.documentId, source.documentId) : undefined,
        options.include_unverified ? undefined : eq(measurements.isVerified, true),
        options.condition_ids ? inArray(conditions.id, options.condition_ids) : undefined,
      ),
    );
  return n;
}

/** Drawing pages with measurements after filters: the map pages a PDF with `takeoff_maps` would draw (SPEC §12.4). */
export async function countMapPages(db: Db, source: ResolvedSource, options: NormalisedOptions): Promise<number> {
  const [{ n }] = await db
    .select({ n: countDistinct(measurements.pageId) })
    .from(measurements)
    .innerJoin(conditions, eq(conditions.id, measurements.conditionId))
    .innerJoin(pages, eq(pages.id, measurements.pageId))
    .where(
      and(
        eq(conditions.projectId, source.projectId),
        isNotNull(measurements.pageId),
        source.documentId ? eq(pages.documentId, source.documentId) : undefined,
        options.include_unverified ? undefined : eq(measurements.isVerified, true),
        options.condition_ids ? inArray(conditions.id, options.condition_ids) : undefined,
      ),
    );
  return n;
}

async function checkConditionIds(db: Db, projectId: string, ids: string[] | undefined) {
  if (!ids) return;
  const found = await db
    .select({ id: conditions.id })
    .from(conditions)
    .where(and(eq(conditions.projectId, projectId), inArray(conditions.id, ids)));
  const known = new Set(found.map((r) => r.id));
  const missing = ids.map((id, i) => ({ id, i })).filter(({ id }) => !known.has(id));
  if (missing.length) {
    throw new DomainError(
      "validation_failed",
      `options.condition_ids: ${missing.length === 1 ? `"${missing[0].id}" is not a condition` : `${missing.length} ids are not conditions`} of this project`,
      missing.map(({ i }) => ({ path: `options.condition_ids[${i}]`, message: "not a condition of this project" })),
    );
  }
}

/**
 * Where an export came from, recorded on its row and its "created" event:
 * a preset (SPEC §13.1), a schedule's slot (§13.3; a null slot is "Run now")
 * or an earlier export it copies (§13.2).
 */
export type ExportOrigin = {
  presetId?: string;
  scheduleId?: string;
  scheduleSlot?: Date | null;
  duplicateOf?: string;
};

export type CreateResult = {
  status: 200 | 202;
  body: {
    success: true;
    deduplicated?: true;
    task_id: string;
    export_id: string;
    export: ExportOut;
    message: string;
  };
};

function startedMessage(label: string, format: ExportFormat) {
  return `Export of "${label}" started as ${formatLabel(format)}. Follow it on the Exports page.`;
}

/**
 * Creates an export (SPEC §5.2): validates options for the format, applies
 * Idempotency-Key, de-duplicates identical in-flight requests, enforces the
 * per-user active limit and the PDF cap, then inserts and enqueues.
 * Creations of one user are serialised with an advisory lock so ten parallel
 * identical POSTs make one export.
 */
export async function createExport(
  input: {
    userId: string;
    source: SourceRef;
    body: CreateExportBody;
    idempotencyKey?: string;
    meta?: RequestMeta;
    origin?: ExportOrigin;
  },
  dbIn?: Db,
): Promise<CreateResult> {
  const db = await dbOr(dbIn);
  const { userId, body } = input;
  const origin = input.origin ?? {};
  const format = body.format;
  const options = parseOptions(format, body.options);

  const source = await resolveSource(db, userId, input.source);
  await checkConditionIds(db, source.projectId, options.condition_ids);

  if (format === "pdf") {
    const rows = await countRows(db, source, options);
    if (rows > env.PDF_MAX_ROWS)
      throw new DomainError("validation_failed", pdfCapMessage(rows), [{ path: "format", message: "over the PDF row cap" }]);
    if (options.takeoff_maps) {
      const mapPages = await countMapPages(db, source, options);
      if (mapPages > env.PDF_MAX_MAP_PAGES)
        throw new DomainError(
          "validation_failed",
          `Takeoff maps are limited to ${env.PDF_MAX_MAP_PAGES.toLocaleString("en-US")} pages; this export would draw ${mapPages.toLocaleString("en-US")}. ` +
            "Narrow it with condition_ids or export one document at a time, or turn takeoff_maps off.",
          [{ path: "options.takeoff_maps", message: "over the PDF map page cap" }],
        );
    }
  }

  const requestHash = crypto
    .createHash("sha256")
    .update(
      JSON.stringify({
        s: input.source.type,
        id: source.documentId ?? source.projectId,
        format,
        options,
        name: body.name ?? null,
        description: body.description ?? null,
      }),
    )
    .digest("hex");

  const outcome = await db.transaction(async (tx) => {
    await lockUserCreations(tx, userId);

    const prior = await idempotentReplay(tx, userId, input.idempotencyKey, requestHash);
    if (prior) return { kind: "replay" as const, row: prior };

    // A schedule's slot is made once (unique (schedule_id, slot)): a second
    // tick for the same slot — another instance, or after a restart — gets
    // the export the first one made.
    if (origin.scheduleId && origin.scheduleSlot) {
      const [made] = await tx
        .select()
        .from(exports)
        .where(and(eq(exports.scheduleId, origin.scheduleId), eq(exports.scheduleSlot, origin.scheduleSlot)));
      if (made) return { kind: "replay" as const, row: made };
    }

    // Identical in-flight requests are merged, except a schedule's runs: each slot is its own export.
    const duplicate = origin.scheduleId
      ? undefined
      : await activeIdentical(tx, userId, [
          eq(exports.format, format),
          eq(exports.projectId, source.projectId),
          source.documentId ? eq(exports.documentId, source.documentId) : sql`${exports.documentId} is null`,
          sql`${exports.options} = ${JSON.stringify(options)}::jsonb`,
        ]);
    if (duplicate) return { kind: "duplicate" as const, row: duplicate };

    await assertCreationRate(tx, userId);
    await assertActiveBelowLimit(tx, userId, { detail: true });

    const now = new Date();
    const [row] = await tx
      .insert(exports)
      .values({
        userId,
        type: source.type,
        projectId: source.projectId,
        documentId: source.documentId,
        name: body.name ?? suggestedName(source.label),
        description: body.description ?? `${formatLabel(format)} export of ${source.label}`,
        format,
        options: options as Record<string, unknown>,
        status: "pending",
        progressStep: "Queued",
        idempotencyKey: input.idempotencyKey ?? null,
        requestHash,
        presetId: origin.presetId ?? null,
        scheduleId: origin.scheduleId ?? null,
        scheduleSlot: origin.scheduleSlot ?? null,
        duplicateOf: origin.duplicateOf ?? null,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    await recordEvent(tx, {
      exportId: row.id,
      userId,
      type: "created",
      data: {
        format,
        source: input.source.type,
        options,
        ...(origin.presetId ? { preset_id: origin.presetId } : {}),
        ...(origin.scheduleId ? { schedule_id: origin.scheduleId, slot: origin.scheduleSlot?.toISOString() ?? null } : {}),
        ...(origin.duplicateOf ? { duplicate_of: origin.duplicateOf } : {}),
      },
      ip: input.meta?.ip,
      userAgent: input.meta?.userAgent,
    });
    // "Export again" (SPEC §13.2): the original's trail names its copy, in the same transaction as the copy itself.
    if (origin.duplicateOf) {
      await recordEvent(tx, {
        exportId: origin.duplicateOf,
        userId,
        type: "duplicated",
        data: { export_id: row.id },
        ip: input.meta?.ip,
        userAgent: input.meta?.userAgent,
      });
    }
    return { kind: "created" as const, row };
  });

  const row = outcome.row;
  if (outcome.kind === "created") await getRunner().enqueue({ id: row.id, userId });
  const body202 = {
    success: true as const,
    ...(outcome.kind === "duplicate" ? { deduplicated: true as const } : {}),
    task_id: row.taskId,
    export_id: row.id,
    export: await withUrl(row),
    message:
      outcome.kind === "duplicate"
        ? `An identical export of "${source.label}" is already ${row.status === "pending" ? "queued" : "running"}. Follow it on the Exports page.`
        : startedMessage(source.label, format),
  };
  return { status: outcome.kind === "created" ? 202 : 200, body: body202 };
}
