/**
 * Reads the data of one export (SPEC §6 "Source data" and "Order"): the
 * project, conditions with totals computed in SQL after filters, and the
 * measurements as async batches — never the whole table in memory and never
 * inside a long transaction (PGlite has a single connection).
 *
 * How the reads stay cheap at a million rows: one grouped query lists the
 * (condition, page) pairs that have measurements, with their counts. Those
 * pairs are sorted in JS into export order (or By-Page order) and packed into
 * chunks of at most BATCH_SIZE rows that share a condition (or a page). A
 * chunk is then one indexed query that returns its rows already in order; a
 * pair bigger than that is read with keyset pagination on (position, id). No
 * query sorts more than BATCH_SIZE rows. Queries are asked for ahead of the
 * renderer, independently of how its batches are cut, so it never waits on
 * several small chunks one after another.
 *
 * How memory stays flat however many rows there are. The live heap never
 * grew; what grew was garbage promoted to V8's old generation, which only a
 * full GC frees, so RSS rose with the run's length. Rows now die young:
 * - a query returns a few JSON texts of GROUP_ROWS rows each: one text per
 *   query was a megabyte, allocated as a large object that only a full GC
 *   frees (one text per row would make the drivers decode thousands of
 *   fields, PGlite above all);
 * - texts wait unparsed, and only about one query's worth of them; they are
 *   parsed into the objects the renderer gets when it asks for the next
 *   batch, and batches are small (HANDOUT_ROWS), so nothing of a row lives
 *   long enough to outlast two young-generation collections;
 * - what the driver made for a result is emptied once read (see fetchTexts);
 * - rows are class instances, not object literals (see Measurement).
 * Rows carry neither condition nor page ids: the query numbers each row's
 * pair within its chunk, and the pair has both, and the page details.
 *
 * plan.ts decides what is read in which query and order (no I/O), queries.ts
 * holds the queries, chunk-reader.ts reads ahead and hands out batches,
 * rows.ts turns a query's rows into the renderers' (Measurement).
 */
import { getDbHandle, withReadConnection, type Db } from "@/db";
import { env } from "@/lib/env";
import { conditionCosts } from "@/lib/takeoff/read";
import type { BreakdownBy, BreakdownRow, ExportSource, SourceCondition, SqlRowsRequest } from "../formats/types";
import { roundTotal } from "../sanitize";
import type { NormalisedOptions } from "../schemas";
import { readBatches } from "./chunk-reader";
import { sqlRows } from "./sql-rows";
import { BATCH_SIZE, batchSizeFor, planChunks, rankPairs, type Order, type Pair } from "./plan";
import {
  findDocument,
  findProject,
  measurementReads,
  readConditions,
  readDocumentOrder,
  readPairCounts,
  readPairQuantities,
  sourceFilters,
  type PairQuantity,
} from "./queries";

export { BATCH_SIZE } from "./plan";

/**
 * Runs `fn` with an export's source read as exports read it: over a
 * connection of its own (withReadConnection), in queries sized for the
 * driver. The source is valid until `fn` settles.
 */
export async function readExportSource<T>(input: LoadSourceInput, fn: (source: ExportSource) => Promise<T>): Promise<T> {
  const { driver } = await getDbHandle();
  return withReadConnection(async (db) =>
    fn(await loadExportSource(db, input, { batchSize: batchSizeFor(driver), sqlRows: env.EXPORTS_CSV_IN_DATABASE })),
  );
}

/** The export's source (project or document) is gone; a user error, not worth retrying. */
export class SourceMissingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SourceMissingError";
  }
}

export type LoadSourceInput = {
  exportId: string;
  userId: string;
  type: "document" | "project";
  projectId: string;
  documentId: string | null;
  options: NormalisedOptions;
  generatedAt: Date;
};

/** `sqlRows`: offer ExportSource.sqlRows (rows written by the database; sql-rows.ts). */
export async function loadExportSource(
  db: Db,
  input: LoadSourceInput,
  opts: { batchSize?: number; sqlRows?: boolean } = {},
): Promise<ExportSource> {
  const batchSize = opts.batchSize ?? BATCH_SIZE;
  const { options } = input;

  const project = await findProject(db, input.projectId, input.userId);
  if (!project) throw new SourceMissingError("The project this export was made from no longer exists.");

  let document: ExportSource["document"] = null;
  if (input.type === "document") {
    if (!input.documentId) throw new SourceMissingError("The document this export was made from no longer exists.");
    const doc = await findDocument(db, input.documentId, project.id);
    if (!doc) throw new SourceMissingError(`The document this export was made from no longer exists in project "${project.name}".`);
    document = doc;
  }

  const filters = sourceFilters(project.id, document?.id ?? null, options);
  // A document export lists only conditions with measurements on it; a project export lists all.
  const conditionRows = await readConditions(db, filters, document !== null);
  const sourceConditions: SourceCondition[] = conditionRows.map(({ condition: c, quantity, count: n }) => ({
    id: c.id,
    name: c.name,
    description: c.description,
    scope: c.scope,
    category: c.category,
    building: c.building,
    area: c.area,
    elevation: c.elevation,
    measurementType: c.measurementType,
    unit: c.unit,
    color: c.color,
    sortOrder: c.sortOrder,
    costs: options.include_costs ? conditionCosts(c) : null,
    totalQuantity: roundTotal(quantity),
    measurementCount: n,
  }));
  const rowsTotal = sourceConditions.reduce((sum, c) => sum + c.measurementCount, 0);

  // Read once, on the first pass over the rows; both orders share them.
  let pairsPromise: Promise<Pair[]> | undefined;
  const loadPairs = () => (pairsPromise ??= readPairs());
  async function readPairs(): Promise<Pair[]> {
    const documentList = await loadDocuments();
    const counts = await readPairCounts(db, filters);
    return rankPairs(
      counts,
      sourceConditions.map((c) => c.id),
      documentList,
    );
  }

  let documentsPromise: Promise<{ id: string; name: string }[]> | undefined;
  const loadDocuments = () =>
    (documentsPromise ??= document ? Promise.resolve([{ id: document.id, name: document.name }]) : readDocumentOrder(db, project.id));
  async function breakdown(by: BreakdownBy): Promise<BreakdownRow[]> {
    const [documentList, sums] = [await loadDocuments(), await readPairQuantities(db, filters)];
    return breakdownRows(sums, new Set(sourceConditions.map((c) => c.id)), documentList, by);
  }

  const reads = measurementReads(db, filters.verified);
  async function* iterate(order: Order) {
    yield* readBatches(planChunks(await loadPairs(), order, batchSize), reads, batchSize);
  }

  return {
    exportId: input.exportId,
    type: input.type,
    generatedAt: input.generatedAt,
    project: {
      id: project.id,
      name: project.name,
      description: project.description,
      clientName: project.clientName,
      address: project.address,
    },
    document,
    conditions: sourceConditions,
    rowsTotal,
    measurements: () => iterate("export"),
    measurementsByPage: () => iterate("page"),
    breakdown,
    ...(opts.sqlRows
      ? {
          sqlRows: (request: SqlRowsRequest) =>
            sqlRows(
              {
                db,
                reads,
                verifiedOnly: filters.verified !== undefined,
                chunks: async () => planChunks(await loadPairs(), "export", batchSize),
                batchSize,
              },
              request,
            ),
        }
      : {}),
  };
}

/**
 * Breakdown rows (SPEC §12.3) from the sums per (condition, page): one row per
 * page (`sheet`) or per document, in document order then page number (nulls
 * last); measurements without a page make one last row without a document.
 * A cell is roundTotal of its SQL sum (or of the sum of its pages' sums, by
 * document), as a condition total is roundTotal of its SQL sum.
 */
export function breakdownRows(
  sums: PairQuantity[],
  conditionIds: ReadonlySet<string>,
  documents: { id: string; name: string }[],
  by: BreakdownBy,
): BreakdownRow[] {
  const documentRank = new Map(documents.map((d, i) => [d.id, i]));
  const documentName = new Map(documents.map((d) => [d.id, d.name]));
  const LAST = Number.MAX_SAFE_INTEGER;
  const rows = new Map<string, { row: BreakdownRow; rank: number; page: number; key: string }>();
  for (const s of sums) {
    if (!conditionIds.has(s.conditionId)) continue;
    const key = by === "sheet" ? (s.pageId ?? "") : (s.documentId ?? "");
    let entry = rows.get(key);
    if (!entry) {
      const onPage = by === "sheet" && s.pageId !== null;
      entry = {
        row: {
          documentId: s.documentId,
          documentName: (s.documentId && documentName.get(s.documentId)) || null,
          pageNumber: onPage ? s.pageNumber : null,
          sheetNumber: onPage ? s.sheetNumber : null,
          sheetTitle: onPage ? s.sheetTitle : null,
          quantities: new Map(),
        },
        rank: s.documentId ? (documentRank.get(s.documentId) ?? LAST - 1) : LAST,
        page: onPage ? (s.pageNumber ?? LAST) : LAST,
        key,
      };
      rows.set(key, entry);
    }
    const q = entry.row.quantities;
    q.set(s.conditionId, (q.get(s.conditionId) ?? 0) + s.quantity);
  }
  const sorted = [...rows.values()].sort((a, b) => a.rank - b.rank || a.page - b.page || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const { row } of sorted) for (const [id, q] of row.quantities) row.quantities.set(id, roundTotal(q));
  return sorted.map((e) => e.row);
}
