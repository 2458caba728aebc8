/**
 * Reads the data of one export (SPEC §6 "Source data" and "Order"): the
 * project, conditions with totals computed in SQL after filters, and the
 * measurements as async batches — never the whole table in memory and never
 * inside a long transaction (PGlite has a single connection).
 *
 * How the batches stay cheap at a million rows: one grouped query lists the
 * (condition, page) pairs that have measurements, with their counts. Those
 * pairs are sorted in JS into export order (or By-Page order) and packed into
 * chunks of about BATCH_SIZE rows that share a condition (or a page). A chunk
 * is then one indexed query; a pair bigger than a batch is read with keyset
 * pagination on (position, id). No query sorts more than one batch.
 */
import { and, asc, count, eq, inArray, isNull, or, sql, type SQL } from "drizzle-orm";
import type { Db } from "@/db";
import { conditions, documents, measurements, pages, projects } from "@/db/schema";
import { conditionCosts } from "@/lib/takeoff/read";
import type { ExportSource, SourceCondition, SourceMeasurement } from "./formats/types";
import type { NormalisedOptions } from "./schemas";

export const BATCH_SIZE = 2000;

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

/** One (condition, page) pair with measurements, and where it sorts. */
type Pair = {
  conditionId: string;
  pageId: string | null;
  count: number;
  conditionRank: number;
  documentRank: number;
  pageNumber: number;
};

type PageInfo = Pick<SourceMeasurement, "documentId" | "pageNumber" | "sheetNumber" | "sheetTitle">;
const NO_PAGE: PageInfo = { documentId: null, pageNumber: null, sheetNumber: null, sheetTitle: null };

/** Pairs read by one query: they share a condition (export order) or a page (By-Page order). */
type Chunk = { pairs: Pair[]; keyset: boolean };

type Row = SourceMeasurement & { pageId: string | null; position: number };

const LAST = Number.MAX_SAFE_INTEGER;

export async function loadExportSource(db: Db, input: LoadSourceInput, opts: { batchSize?: number } = {}): Promise<ExportSource> {
  const batchSize = opts.batchSize ?? BATCH_SIZE;
  const { options } = input;

  // Ownership is part of every lookup: another user's project reads as missing.
  const [project] = await db
    .select()
    .from(projects)
    .where(and(eq(projects.id, input.projectId), eq(projects.userId, input.userId)));
  if (!project) throw new SourceMissingError("The project this export was made from no longer exists.");

  let document: ExportSource["document"] = null;
  if (input.type === "document") {
    if (!input.documentId) throw new SourceMissingError("The document this export was made from no longer exists.");
    const [doc] = await db
      .select({ id: documents.id, name: documents.name, pageCount: documents.pageCount })
      .from(documents)
      .where(and(eq(documents.id, input.documentId), eq(documents.projectId, project.id)));
    if (!doc) throw new SourceMissingError(`The document this export was made from no longer exists in project "${project.name}".`);
    document = doc;
  }

  // Filters every measurement query shares (the page join is always present).
  const measurementFilters: (SQL | undefined)[] = [
    options.include_unverified ? undefined : eq(measurements.isVerified, true),
    document ? eq(pages.documentId, document.id) : undefined,
  ];
  const conditionFilters: (SQL | undefined)[] = [
    eq(conditions.projectId, project.id),
    options.condition_ids?.length ? inArray(conditions.id, options.condition_ids) : undefined,
  ];

  const totals = db
    .select({
      conditionId: measurements.conditionId,
      quantity: sql<number>`sum(${measurements.quantity})`.as("total_quantity"),
      count: count().as("measurement_count"),
    })
    .from(measurements)
    .innerJoin(conditions, eq(conditions.id, measurements.conditionId))
    .leftJoin(pages, eq(pages.id, measurements.pageId))
    .where(and(...conditionFilters, ...measurementFilters))
    .groupBy(measurements.conditionId)
    .as("totals");

  const conditionQuery = db
    .select({
      condition: conditions,
      quantity: sql<number>`coalesce(${totals.quantity}, 0)`.mapWith(Number),
      count: sql<number>`coalesce(${totals.count}, 0)`.mapWith(Number),
    })
    .from(conditions);
  // A document export lists only conditions with measurements on it; a project export lists all.
  const conditionRows = await (document
    ? conditionQuery.innerJoin(totals, eq(totals.conditionId, conditions.id))
    : conditionQuery.leftJoin(totals, eq(totals.conditionId, conditions.id))
  )
    .where(and(...conditionFilters))
    .orderBy(asc(conditions.sortOrder), asc(conditions.name), asc(conditions.id));

  const sourceConditions: SourceCondition[] = conditionRows.map(({ condition: c, quantity, count: n }) => ({
    id: c.id,
    name: c.name,
    description: c.description,
    scope: c.scope,
    category: c.category,
    measurementType: c.measurementType,
    unit: c.unit,
    color: c.color,
    sortOrder: c.sortOrder,
    costs: options.include_costs ? conditionCosts(c) : null,
    totalQuantity: quantity,
    measurementCount: n,
  }));
  const rowsTotal = sourceConditions.reduce((sum, c) => sum + c.measurementCount, 0);

  let pairsPromise: Promise<Pair[]> | undefined;
  const loadPairs = () => (pairsPromise ??= readPairs());
  /** Page details of every page with measurements, filled by readPairs (rows then need no join). */
  const pageInfo = new Map<string, PageInfo>();

  async function readPairs(): Promise<Pair[]> {
    const conditionRank = new Map(sourceConditions.map((c, i) => [c.id, i]));
    const documentRank = new Map<string, number>();
    if (document) documentRank.set(document.id, 0);
    else {
      const docs = await db
        .select({ id: documents.id })
        .from(documents)
        .where(eq(documents.projectId, project.id))
        .orderBy(asc(documents.position), asc(documents.name), asc(documents.id));
      docs.forEach((d, i) => documentRank.set(d.id, i));
    }
    const rows = await db
      .select({
        conditionId: measurements.conditionId,
        pageId: measurements.pageId,
        documentId: pages.documentId,
        pageNumber: pages.pageNumber,
        sheetNumber: pages.sheetNumber,
        sheetTitle: pages.sheetTitle,
        count: count(),
      })
      .from(measurements)
      .innerJoin(conditions, eq(conditions.id, measurements.conditionId))
      .leftJoin(pages, eq(pages.id, measurements.pageId))
      .where(and(...conditionFilters, ...measurementFilters))
      .groupBy(measurements.conditionId, measurements.pageId, pages.documentId, pages.pageNumber, pages.sheetNumber, pages.sheetTitle);
    for (const r of rows) {
      if (r.pageId && !pageInfo.has(r.pageId)) {
        pageInfo.set(r.pageId, { documentId: r.documentId, pageNumber: r.pageNumber, sheetNumber: r.sheetNumber, sheetTitle: r.sheetTitle });
      }
    }
    return rows
      .filter((r) => conditionRank.has(r.conditionId))
      .map((r) => ({
        conditionId: r.conditionId,
        pageId: r.pageId,
        count: r.count,
        conditionRank: conditionRank.get(r.conditionId)!,
        // No page means no document: such measurements sort after every document.
        documentRank: r.documentId ? (documentRank.get(r.documentId) ?? LAST - 1) : LAST,
        pageNumber: r.pageNumber ?? LAST,
      }));
  }

  const byExportOrder = (a: Pair, b: Pair) =>
    a.conditionRank - b.conditionRank || a.documentRank - b.documentRank || a.pageNumber - b.pageNumber || comparePage(a, b);
  const byPageOrder = (a: Pair, b: Pair) =>
    a.documentRank - b.documentRank || a.pageNumber - b.pageNumber || comparePage(a, b) || a.conditionRank - b.conditionRank;

  /**
   * Batches with one read ahead: the next query runs while the renderer
   * formats the current batch (a real gain on PostgreSQL, harmless on PGlite).
   * At most two batches are in memory.
   */
  async function* iterate(order: "export" | "page"): AsyncGenerator<SourceMeasurement[]> {
    const batches = readBatches(order);
    let next = batches.next();
    try {
      for (;;) {
        const current = await next;
        if (current.done) return;
        next = batches.next();
        // If the consumer stops early, the read-ahead must not become an unhandled rejection.
        next.catch(() => {});
        yield current.value;
      }
    } finally {
      await batches.return(undefined);
    }
  }

  async function* readBatches(order: "export" | "page"): AsyncGenerator<SourceMeasurement[]> {
    const pairs = [...(await loadPairs())].sort(order === "export" ? byExportOrder : byPageOrder);
    const sameGroup = order === "export" ? (a: Pair, b: Pair) => a.conditionId === b.conditionId : (a: Pair, b: Pair) => a.pageId === b.pageId;
    let buffer: SourceMeasurement[] = [];
    for (const chunk of planChunks(pairs, batchSize, sameGroup)) {
      for await (const rows of readChunk(chunk)) {
        buffer = buffer.length ? buffer.concat(rows) : rows;
        if (buffer.length >= batchSize) {
          yield buffer;
          buffer = [];
        }
      }
    }
    if (buffer.length) yield buffer;
  }

  /**
   * Runs one page query and returns its rows. The rows come back as a single
   * json_agg value: drivers (PGlite most of all) spend far more time decoding
   * many small fields than one JSON document of the same rows. Page details
   * come from the pair list instead of a join, which halves the query's cost.
   */
  async function fetchRows(where: SQL | undefined, limit?: number): Promise<Row[]> {
    const base = db
      .select({
        id: measurements.id,
        conditionId: measurements.conditionId,
        pageId: measurements.pageId,
        position: measurements.position,
        geometryType: measurements.geometryType,
        geometry: measurements.geometry,
        quantity: measurements.quantity,
        unit: measurements.unit,
        isVerified: measurements.isVerified,
        isAiGenerated: measurements.isAiGenerated,
        notes: measurements.notes,
      })
      .from(measurements)
      .where(where);
    const m = (limit ? base.orderBy(asc(measurements.position), asc(measurements.id)).limit(limit) : base).as("m");
    const [result] = await db
      .select({
        rows: sql<string | null>`json_agg(json_build_array(${m.id}, ${m.conditionId}, ${m.pageId}, ${m.position}, ${m.geometryType}, ${m.geometry}, ${m.quantity}, ${m.unit}, ${m.isVerified}, ${m.isAiGenerated}, ${m.notes}) order by ${m.position}, ${m.id})::text`,
      })
      .from(m);
    if (!result?.rows) return [];
    return (JSON.parse(result.rows) as unknown[][]).map((r): Row => {
      const pageId = r[2] as string | null;
      return {
        id: r[0] as string,
        conditionId: r[1] as string,
        pageId,
        position: Number(r[3]),
        ...((pageId && pageInfo.get(pageId)) || NO_PAGE),
        geometryType: r[4] as SourceMeasurement["geometryType"],
        geometry: canonicalGeometry(r[5]),
        quantity: r[6] as number,
        unit: r[7] as string,
        isVerified: r[8] as boolean,
        isAiGenerated: r[9] as boolean,
        notes: r[10] as string | null,
      };
    });
  }

  async function* readChunk(chunk: Chunk): AsyncGenerator<SourceMeasurement[]> {
    const verified = options.include_unverified ? undefined : eq(measurements.isVerified, true);
    if (chunk.keyset) {
      // One large pair: keyset pagination over its (position, id) index range.
      const [pair] = chunk.pairs;
      let after: { position: number; id: string } | null = null;
      for (;;) {
        const rows = await fetchRows(
          and(
            eq(measurements.conditionId, pair.conditionId),
            pair.pageId ? eq(measurements.pageId, pair.pageId) : isNull(measurements.pageId),
            verified,
            after ? sql`(${measurements.position}, ${measurements.id}) > (${after.position}::bigint, ${after.id}::uuid)` : undefined,
          ),
          batchSize,
        );
        if (rows.length) yield rows.map(toSource);
        if (rows.length < batchSize) return;
        const last = rows[rows.length - 1];
        after = { position: last.position, id: last.id };
      }
    }

    // Several small pairs sharing a condition or a page: at most ~one batch of rows, ordered here.
    const conditionIds = unique(chunk.pairs.map((p) => p.conditionId));
    const pageIds = unique(chunk.pairs.map((p) => p.pageId).filter((id): id is string => id !== null));
    const withoutPage = chunk.pairs.some((p) => p.pageId === null);
    const rows = await fetchRows(
      and(
        conditionIds.length === 1 ? eq(measurements.conditionId, conditionIds[0]) : inArray(measurements.conditionId, conditionIds),
        or(
          pageIds.length === 0 ? undefined : pageIds.length === 1 ? eq(measurements.pageId, pageIds[0]) : inArray(measurements.pageId, pageIds),
          withoutPage ? isNull(measurements.pageId) : undefined,
        ),
        verified,
      ),
    );
    const ordinal = new Map(chunk.pairs.map((p, i) => [pairKey(p.conditionId, p.pageId), i]));
    const rank = (r: Row) => ordinal.get(pairKey(r.conditionId, r.pageId)) ?? LAST;
    // Stable sort: rows already come in (position, id) order within each pair.
    rows.sort((a, b) => rank(a) - rank(b));
    if (rows.length) yield rows.map(toSource);
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
  };
}

/** Packs sorted pairs into chunks of at most `batchSize` rows that share a group (condition or page). */
function planChunks(pairs: Pair[], batchSize: number, sameGroup: (a: Pair, b: Pair) => boolean): Chunk[] {
  const chunks: Chunk[] = [];
  let current: Pair[] = [];
  let rows = 0;
  const flush = () => {
    if (current.length) chunks.push({ pairs: current, keyset: false });
    current = [];
    rows = 0;
  };
  for (const pair of pairs) {
    if (pair.count >= batchSize) {
      flush();
      chunks.push({ pairs: [pair], keyset: true });
      continue;
    }
    if (current.length && (!sameGroup(current[0], pair) || rows + pair.count > batchSize)) flush();
    current.push(pair);
    rows += pair.count;
  }
  flush();
  return chunks;
}

function comparePage(a: Pair, b: Pair): number {
  const x = a.pageId ?? "";
  const y = b.pageId ?? "";
  return x < y ? -1 : x > y ? 1 : 0;
}

const pairKey = (conditionId: string, pageId: string | null) => `${conditionId}/${pageId ?? ""}`;

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

// jsonb stores keys sorted by length, so a line would read {"end":…,"start":…};
// writers get the SPEC §6.6 order back.
const GEOMETRY_KEY_ORDER = ["start", "end", "points", "center", "radius", "x", "y", "width", "height", "rotation"];

function canonicalGeometry(g: unknown): unknown {
  if (!g || typeof g !== "object" || Array.isArray(g) || !("start" in g)) return g;
  const src = g as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of GEOMETRY_KEY_ORDER) if (k in src) out[k] = src[k];
  for (const k of Object.keys(src)) if (!(k in out)) out[k] = src[k];
  return out;
}

function toSource(r: Row): SourceMeasurement {
  return {
    id: r.id,
    conditionId: r.conditionId,
    documentId: r.documentId,
    pageNumber: r.pageNumber,
    sheetNumber: r.sheetNumber,
    sheetTitle: r.sheetTitle,
    geometryType: r.geometryType,
    geometry: r.geometry,
    quantity: r.quantity,
    unit: r.unit,
    isVerified: r.isVerified,
    isAiGenerated: r.isAiGenerated,
    notes: r.notes,
  };
}
