import { describe, expect, it } from "vitest";
import {
  BATCH_SIZE,
  batchSizeFor,
  chunkFilter,
  chunkRows,
  GROUP_ROWS,
  handoutRows,
  HANDOUT_ROWS,
  NO_PAGE,
  pageIsFull,
  planChunks,
  plannedReads,
  plannedRowsOfRead,
  rankPairs,
  readsOn,
  wantsReadAhead,
  type Chunk,
  type Pair,
  type PairCount,
} from "@/lib/exports/source/plan";

// Ids sort as their strings do, like uuids in the comparison that breaks ties between pages.
const C = ["c-alpha", "c-beta", "c-gamma"];
const DOCS = [
  { id: "d-first", name: "First Set.pdf" },
  { id: "d-second", name: "Second Set.pdf" },
];
const D = DOCS.map((d) => d.id);

/** A counted (condition, page) pair; page details default to page 1 of the first document. */
function counted(conditionId: string, pageId: string | null, count: number, page: Partial<PairCount> = {}): PairCount {
  return pageId === null
    ? { conditionId, pageId, count, documentId: null, pageNumber: null, sheetNumber: null, sheetTitle: null }
    : { conditionId, pageId, count, documentId: D[0], pageNumber: 1, sheetNumber: null, sheetTitle: null, ...page };
}

/** Ranked pairs of counts, all conditions of C exported, documents in the order of D. */
const ranked = (counts: PairCount[]) => rankPairs(counts, C, DOCS);

/** Each chunk as "keyset"/"plain" with its pairs as condition@page:count. */
function describeChunks(chunks: Chunk[]): string[] {
  return chunks.map(
    (c) => `${c.keyset ? "keyset" : "plain"} ${c.pairs.map((p) => `${p.conditionId}@${p.pageId ?? "none"}:${p.count}`).join(" ")}`,
  );
}

/** A deterministic pseudo-random sequence (mulberry32), so a failing shape can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("batch sizes", () => {
  it("reads half as many rows per query on PGlite as on PostgreSQL", () => {
    expect(batchSizeFor("postgres")).toBe(BATCH_SIZE);
    expect(batchSizeFor("pglite")).toBe(BATCH_SIZE / 2);
  });

  it("hands out batches of HANDOUT_ROWS, or of a whole query when queries are smaller", () => {
    expect(handoutRows(batchSizeFor("postgres"))).toBe(HANDOUT_ROWS);
    expect(handoutRows(batchSizeFor("pglite"))).toBe(HANDOUT_ROWS);
    expect(handoutRows(3)).toBe(3);
  });

  it("reads ahead while less than a query's worth of rows waits to be parsed", () => {
    expect(wantsReadAhead(0, 0, 1000)).toBe(true);
    expect(wantsReadAhead(600, 399, 1000)).toBe(true);
    expect(wantsReadAhead(600, 400, 1000)).toBe(false);
    expect(wantsReadAhead(1000, 0, 1000)).toBe(false);
  });
});

describe("rankPairs", () => {
  it("ranks nothing for an empty source", () => {
    expect(rankPairs([], [], [])).toEqual([]);
    expect(rankPairs([], C, DOCS)).toEqual([]);
  });

  it("drops pairs of conditions the export leaves out", () => {
    const pairs = rankPairs([counted("c-alpha", "p1", 3), counted("c-beta", "p1", 2)], ["c-beta"], DOCS);
    expect(pairs.map((p) => [p.conditionId, p.conditionRank])).toEqual([["c-beta", 0]]);
  });

  it("gives measurements without a page no page details and ranks them after every document and page", () => {
    const [pair] = ranked([counted("c-alpha", null, 4)]);
    expect(pair.page).toEqual(NO_PAGE);
    expect(pair.documentRank).toBe(Number.MAX_SAFE_INTEGER);
    expect(pair.pageNumber).toBe(Number.MAX_SAFE_INTEGER);
  });

  it("ranks a page of an unlisted document after the listed ones but before measurements without a page", () => {
    const pairs = ranked([
      counted("c-alpha", "p-other", 1, { documentId: "d-unlisted" }),
      counted("c-alpha", null, 1),
      counted("c-alpha", "p1", 1),
    ]);
    const rank = Object.fromEntries(pairs.map((p) => [p.pageId ?? "none", p.documentRank]));
    expect(rank.p1).toBe(0);
    expect(rank["p-other"]).toBeGreaterThan(rank.p1);
    expect(rank.none).toBeGreaterThan(rank["p-other"]);
  });

  it("shares one page details object, document name included, between the pairs of a page", () => {
    const [a, b] = ranked([
      counted("c-alpha", "p1", 1, { pageNumber: 3, sheetNumber: "S-3", sheetTitle: "Plan" }),
      counted("c-beta", "p1", 2, { pageNumber: 3 }),
    ]);
    expect(a.page).toBe(b.page);
    expect(a.page).toEqual({ documentId: D[0], documentName: "First Set.pdf", pageNumber: 3, sheetNumber: "S-3", sheetTitle: "Plan" });
  });

  it("ranks documents in the order given, which is one document for a document export", () => {
    const counts = [counted("c-alpha", "p-a", 1, { documentId: "d-first" }), counted("c-alpha", "p-b", 1, { documentId: "d-second" })];
    expect(rankPairs(counts, C, [DOCS[1], DOCS[0]]).map((p) => p.documentRank)).toEqual([1, 0]);
    expect(rankPairs(counts.slice(1), C, [DOCS[1]]).map((p) => p.documentRank)).toEqual([0]);
    expect(rankPairs(counts.slice(1), C, [DOCS[1]])[0].page.documentName).toBe("Second Set.pdf");
  });
});

describe("planChunks", () => {
  /** Doc 1 pages 2 and 1 (listed out of order), doc 2 page 1, a page without a number, and no page. */
  const shape = () =>
    ranked([
      counted("c-beta", "p-d1-2", 1, { pageNumber: 2 }),
      counted("c-alpha", "p-d1-2", 2, { pageNumber: 2 }),
      counted("c-alpha", "p-d1-1", 2, { pageNumber: 1 }),
      counted("c-beta", "p-d1-1", 1, { pageNumber: 1 }),
      counted("c-alpha", "p-d2-1", 1, { documentId: "d-second", pageNumber: 1 }),
      counted("c-beta", "p-d1-x", 1, { pageNumber: null }),
      counted("c-alpha", null, 1),
    ]);

  it("plans no reads for an empty source", () => {
    expect(planChunks([], "export", 1000)).toEqual([]);
    expect(planChunks([], "page", 1000)).toEqual([]);
  });

  it("reads a single row in one plain query", () => {
    const chunks = planChunks(ranked([counted("c-alpha", "p1", 1)]), "export", 1000);
    expect(describeChunks(chunks)).toEqual(["plain c-alpha@p1:1"]);
  });

  it("reads in export order: condition, document, page number (nulls last), no page last; one condition per chunk", () => {
    expect(describeChunks(planChunks(shape(), "export", 1000))).toEqual([
      "plain c-alpha@p-d1-1:2 c-alpha@p-d1-2:2 c-alpha@p-d2-1:1 c-alpha@none:1",
      "plain c-beta@p-d1-1:1 c-beta@p-d1-2:1 c-beta@p-d1-x:1",
    ]);
  });

  it("reads in By-Page order: document, page number (nulls last), condition; one page per chunk", () => {
    expect(describeChunks(planChunks(shape(), "page", 1000))).toEqual([
      "plain c-alpha@p-d1-1:2 c-beta@p-d1-1:1",
      "plain c-alpha@p-d1-2:2 c-beta@p-d1-2:1",
      "plain c-beta@p-d1-x:1",
      "plain c-alpha@p-d2-1:1",
      "plain c-alpha@none:1",
    ]);
  });

  it("does not reorder the pairs it is given", () => {
    const pairs = shape();
    const before = [...pairs];
    planChunks(pairs, "page", 2);
    expect(pairs).toEqual(before);
  });

  it("fills a chunk up to exactly the batch size and starts the next one after it", () => {
    const pairs = ranked([
      counted("c-alpha", "p1", 600, { pageNumber: 1 }),
      counted("c-alpha", "p2", 400, { pageNumber: 2 }),
      counted("c-alpha", "p3", 1, { pageNumber: 3 }),
    ]);
    expect(describeChunks(planChunks(pairs, "export", 1000))).toEqual(["plain c-alpha@p1:600 c-alpha@p2:400", "plain c-alpha@p3:1"]);
  });

  it("reads a pair of exactly the batch size, or more, on its own with keyset pages", () => {
    const pairs = ranked([
      counted("c-alpha", "p1", 1, { pageNumber: 1 }),
      counted("c-alpha", "p2", 1000, { pageNumber: 2 }),
      counted("c-alpha", "p3", 999, { pageNumber: 3 }),
      counted("c-alpha", null, 2500),
    ]);
    expect(describeChunks(planChunks(pairs, "export", 1000))).toEqual([
      "plain c-alpha@p1:1",
      "keyset c-alpha@p2:1000",
      "plain c-alpha@p3:999",
      "keyset c-alpha@none:2500",
    ]);
  });

  it("reads a pair bigger than a PGlite query but not a PostgreSQL one in a plain query on PostgreSQL only", () => {
    const pairs = ranked([counted("c-alpha", "p1", 1500)]);
    expect(planChunks(pairs, "export", batchSizeFor("pglite"))[0].keyset).toBe(true);
    expect(planChunks(pairs, "export", batchSizeFor("postgres"))[0].keyset).toBe(false);
  });

  it("covers every pair once, in sorted order, in chunks of one group and at most one batch (seeded random shapes)", () => {
    for (let seed = 1; seed <= 50; seed++) {
      const next = random(seed);
      const counts: PairCount[] = [];
      const pages = Array.from({ length: 1 + Math.floor(next() * 8) }, (_, i) => ({
        id: `p${i}`,
        documentId: D[Math.floor(next() * D.length)],
        pageNumber: next() < 0.2 ? null : 1 + Math.floor(next() * 5),
      }));
      for (const c of C) {
        for (const page of [...pages, null]) {
          if (next() < 0.4) continue;
          const count = 1 + Math.floor(next() * 25);
          counts.push(
            page ? counted(c, page.id, count, { documentId: page.documentId, pageNumber: page.pageNumber }) : counted(c, null, count),
          );
        }
      }
      const pairs = ranked(counts);
      const batchSize = 1 + Math.floor(next() * 30);
      for (const order of ["export", "page"] as const) {
        const chunks = planChunks(pairs, order, batchSize);
        const flat = chunks.flatMap((c) => c.pairs);
        expect(new Set(flat).size).toBe(pairs.length);
        expect(flat).toHaveLength(pairs.length);
        for (let i = 1; i < flat.length; i++) {
          const [a, b] = [flat[i - 1], flat[i]];
          const key = (p: Pair) => (order === "export" ? [p.conditionRank, p.documentRank, p.pageNumber] : [p.documentRank, p.pageNumber]);
          const [x, y] = [key(a), key(b)];
          const cmp = x.findIndex((v, j) => v !== y[j]);
          if (cmp >= 0) expect(x[cmp], `seed ${seed} ${order}`).toBeLessThan(y[cmp]);
        }
        for (const chunk of chunks) {
          expect(chunk.order).toBe(order);
          if (chunk.keyset) {
            expect(chunk.pairs).toHaveLength(1);
            expect(chunk.pairs[0].count).toBeGreaterThanOrEqual(batchSize);
          } else {
            expect(chunkRows(chunk)).toBeLessThanOrEqual(batchSize);
            const group = (p: Pair) => (order === "export" ? p.conditionId : p.pageId);
            expect(new Set(chunk.pairs.map(group)).size).toBe(1);
          }
        }
      }
    }
  });
});

describe("reads of a chunk", () => {
  const plain = (counts: number[]): Chunk => ({
    pairs: ranked(counts.map((n, i) => counted("c-alpha", `p${i}`, n))),
    keyset: false,
    order: "export",
  });
  const keyset = (count: number): Chunk => ({ pairs: ranked([counted("c-alpha", "p1", count)]), keyset: true, order: "export" });

  it("reads a plain chunk in one query that brings all its rows", () => {
    const chunk = plain([3, 4]);
    expect(chunkRows(chunk)).toBe(7);
    expect(plannedReads(chunk, 7, 10)).toBe(1);
    expect(plannedRowsOfRead(chunk, 7, 0, 10)).toBe(7);
  });

  it("reads a keyset chunk of an exact multiple of the batch size in that many full pages", () => {
    const chunk = keyset(3000);
    expect(plannedReads(chunk, 3000, 1000)).toBe(3);
    expect([0, 1, 2].map((i) => plannedRowsOfRead(chunk, 3000, i, 1000))).toEqual([1000, 1000, 1000]);
  });

  it("plans a short last keyset page, and nothing past the plan", () => {
    const chunk = keyset(2001);
    expect(plannedReads(chunk, 2001, 1000)).toBe(3);
    expect([0, 1, 2, 3].map((i) => plannedRowsOfRead(chunk, 2001, i, 1000))).toEqual([1000, 1000, 1, 0]);
  });

  it("reads a chunk once more only when it has not been read, or its last keyset page came back full", () => {
    expect(readsOn(plain([1]), 0, false)).toBe(true);
    expect(readsOn(plain([1]), 1, false)).toBe(false);
    expect(readsOn(plain([1]), 1, true)).toBe(false);
    expect(readsOn(keyset(5), 0, false)).toBe(true);
    expect(readsOn(keyset(5), 2, true)).toBe(true);
    expect(readsOn(keyset(5), 2, false)).toBe(false);
  });

  it("takes a keyset page as full when it brought the limit's rows", () => {
    expect(pageIsFull(0, 0, 1000)).toBe(false);
    expect(pageIsFull(10, GROUP_ROWS, 1000)).toBe(true);
    expect(pageIsFull(10, GROUP_ROWS - 1, 1000)).toBe(false);
    expect(pageIsFull(1, 2, 2)).toBe(true);
    expect(pageIsFull(1, 1, 2)).toBe(false);
  });
});

describe("chunkFilter", () => {
  it("filters on pages only, on no page, or on both, by whether the chunk holds measurements without a page", () => {
    const chunk = (pageIds: (string | null)[]): Chunk => ({
      pairs: ranked(pageIds.map((id) => counted("c-alpha", id, 1))),
      keyset: false,
      order: "export",
    });
    expect(chunkFilter(chunk(["p1", "p2"])).pages).toBe("some");
    expect(chunkFilter(chunk([null])).pages).toBe("none");
    expect(chunkFilter(chunk(["p1", null]))).toEqual({
      conditionIds: ["c-alpha"],
      pageIds: ["p1"],
      pages: "some_or_null",
      keys: ["p1", null],
    });
  });

  it("numbers rows by page in export order and by condition By-Page, each id once in the filter", () => {
    const exportChunk: Chunk = {
      pairs: ranked([counted("c-alpha", "p1", 1), counted("c-alpha", "p2", 1)]),
      keyset: false,
      order: "export",
    };
    expect(chunkFilter(exportChunk)).toMatchObject({ conditionIds: ["c-alpha"], pageIds: ["p1", "p2"], keys: ["p1", "p2"] });
    const pageChunk: Chunk = { pairs: ranked([counted("c-alpha", "p1", 1), counted("c-beta", "p1", 1)]), keyset: false, order: "page" };
    expect(chunkFilter(pageChunk)).toMatchObject({ conditionIds: ["c-alpha", "c-beta"], pageIds: ["p1"], keys: ["c-alpha", "c-beta"] });
  });
});
