/**
 * Prepares a database for the API load test, before the app is started on it
 * (PGlite allows one process per directory): a user with an API key (created
 * through better-auth), a project with a 1,000-measurement document (for
 * POST → completed), a tiny document (for the creation load), 10,000 finished
 * exports of that user plus 20,000 of twenty other users (bulk INSERTs), and
 * EXPLAIN ANALYZE of the list queries `GET /api/exports` runs.
 *
 * Run by bench/api-load.ts with the database in the environment; prints one
 * line: BENCH_RESULT {json}.
 */
import crypto from "node:crypto";
import { and, count, desc, eq, fillPlaceholders } from "drizzle-orm";
import type { ExportStatus } from "@/db/schema";
import { ensureUser, seedProject } from "../scripts/seed";

export type ApiSetup = {
  driver: string;
  userId: string;
  apiKey: string;
  completedExportId: string;
  exportsForUser: number;
  exportsTotal: number;
  /** The 1,000-measurement document (POST → completed). */
  timingDocumentId: string;
  timingDocumentRows: number;
  /** A document of a few measurements (creation load). */
  loadDocumentId: string;
  loadConditionIds: string[];
  explain: { name: string; sql: string; plan: string[] }[];
  seconds: number;
};

const USER_EXPORTS = 10_000;
const OTHER_USERS = 20;
const OTHER_EXPORTS_PER_USER = 1_000;
const FORMATS = ["csv", "excel", "pdf", "json", "ost"] as const;
const EXTENSIONS = { csv: "csv", excel: "xlsx", pdf: "pdf", json: "json", ost: "xml" } as const;

function prng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

async function main() {
  const started = performance.now();
  const { getDbHandle, closeDb } = await import("@/db");
  const { exports, users } = await import("@/db/schema");
  const { getAuth } = await import("@/lib/auth");
  const { listQuery } = await import("@/lib/exports/services");
  const handle = await getDbHandle();
  const db = handle.db;

  const user = await ensureUser("api-bench@example.com");
  const auth = await getAuth();
  const created = await auth.api.createApiKey({ body: { name: "bench", userId: user.id } });

  const timing = await seedProject(handle, {
    userId: user.id,
    measurements: 1000,
    documents: 1,
    pagesPerDocument: 4,
    name: "API timing project",
    seed: 7,
  });
  const load = await seedProject(handle, {
    userId: user.id,
    measurements: 5,
    documents: 1,
    pagesPerDocument: 1,
    name: "API load project",
    seed: 11,
  });

  // Other tenants, so the list query has to pick the user's rows out of a shared table.
  const others = Array.from({ length: OTHER_USERS }, (_, i) => ({
    id: crypto.randomUUID(),
    name: `Tenant ${i + 1}`,
    email: `tenant-${i + 1}-${crypto.randomUUID().slice(0, 8)}@bench.example.com`,
  }));
  await db.insert(users).values(others);

  // Finished exports only: the app's runner would pick up pending ones at start-up.
  const rnd = prng(99);
  const now = Date.now();
  const day = 24 * 3600 * 1000;
  const rowsFor = (userId: string, n: number, projectId: string, documentId: string) =>
    Array.from({ length: n }, (_, i) => {
      const format = FORMATS[Math.floor(rnd() * FORMATS.length)];
      const roll = rnd();
      const status: ExportStatus = roll < 0.85 ? "completed" : roll < 0.93 ? "failed" : roll < 0.97 ? "expired" : "cancelled";
      const createdAt = new Date(now - Math.floor(rnd() * 90 * day));
      const id = crypto.randomUUID();
      const completed = status === "completed" || status === "expired";
      return {
        id,
        userId,
        type: "document_export" as const,
        projectId,
        documentId,
        name: `Structural Set export #${i + 1}`,
        description: `${format.toUpperCase()} export of Structural Set.pdf`,
        format,
        options: { include_costs: true, include_unverified: true, timezone: "UTC" },
        status,
        progress: completed ? 100 : 40,
        progressStep:
          status === "completed" ? "Completed" : status === "failed" ? "Failed" : status === "expired" ? "Expired" : "Cancelled",
        rowsTotal: 1000 + Math.floor(rnd() * 50_000),
        recordsCount: completed ? 1000 : 0,
        fileKey: status === "completed" ? `exports/${projectId}/${id}.${EXTENSIONS[format]}` : null,
        fileName: status === "completed" ? `Structural-Set-export.${EXTENSIONS[format]}` : null,
        fileSize: completed ? 10_000 + Math.floor(rnd() * 5_000_000) : null,
        contentType: completed ? "application/octet-stream" : null,
        checksumSha256: completed ? crypto.createHash("sha256").update(id).digest("hex") : null,
        errorMessage: status === "failed" ? "The file store is not reachable right now." : null,
        errorKind: status === "failed" ? ("system" as const) : null,
        attempts: status === "failed" ? 3 : 1,
        downloadCount: Math.floor(rnd() * 4),
        startedAt: createdAt,
        completedAt: completed ? new Date(createdAt.getTime() + 4000) : null,
        // Far enough ahead that the app's expiry sweep leaves them alone during the run.
        expiresAt: status === "completed" ? new Date(now + 7 * day) : status === "expired" ? new Date(createdAt.getTime() + 7 * day) : null,
        createdAt,
        updatedAt: createdAt,
      };
    });
  const insertAll = async (rows: ReturnType<typeof rowsFor>) => {
    for (let i = 0; i < rows.length; i += 500) await db.insert(exports).values(rows.slice(i, i + 500));
  };
  const docId = timing.documents[0].id;
  await insertAll(rowsFor(user.id, USER_EXPORTS, timing.projectId, docId));
  for (const o of others) await insertAll(rowsFor(o.id, OTHER_EXPORTS_PER_USER, crypto.randomUUID(), crypto.randomUUID()));
  // What autovacuum does on PostgreSQL soon after a bulk load (visibility map, statistics).
  if (handle.sql) await handle.sql.unsafe("vacuum analyze exports");
  else await handle.pglite!.exec("vacuum analyze exports");

  const [completed] = await db
    .select({ id: exports.id })
    .from(exports)
    .where(and(eq(exports.userId, user.id), eq(exports.status, "completed")))
    .orderBy(desc(exports.createdAt))
    .limit(1);

  // The queries listExports runs (lib/exports/services/list.ts), with this user's values bound.
  const [mid] = await db
    .select({ createdAt: exports.createdAt, id: exports.id })
    .from(exports)
    .where(eq(exports.userId, user.id))
    .orderBy(desc(exports.createdAt), desc(exports.id))
    .offset(5000)
    .limit(1);
  const values = { userId: user.id, status: "completed", limit: 21, cursorTime: mid.createdAt.toISOString(), cursorId: mid.id };
  const queries = [
    { name: "list and total, first page (limit 21)", q: listQuery(db, new Set(), false).page },
    { name: "list and total, page by cursor (limit 21)", q: listQuery(db, new Set(), true).page },
    { name: "list and total filtered by status=completed (limit 21)", q: listQuery(db, new Set(["status"]), false).page },
  ];
  const explain: ApiSetup["explain"] = [];
  for (const { name, q } of queries) {
    const { sql, params: placeholders } = q.toSQL();
    const params = fillPlaceholders(placeholders, values);
    // Run twice: the second plan shows warm caches, like a server that has been up a while.
    let plan: string[] = [];
    for (let i = 0; i < 2; i++) {
      const text = `explain (analyze, buffers) ${sql}`;
      const rows = handle.sql
        ? ((await handle.sql.unsafe(text, params as never[])) as unknown as Record<string, string>[])
        : (await handle.pglite!.query<Record<string, string>>(text, params)).rows;
      plan = rows.map((r) => r["QUERY PLAN"]);
    }
    explain.push({ name, sql, plan });
  }

  const [{ total }] = await db.select({ total: count() }).from(exports);
  const result: ApiSetup = {
    driver: handle.driver,
    userId: user.id,
    apiKey: created.key,
    completedExportId: completed.id,
    exportsForUser: USER_EXPORTS,
    exportsTotal: total,
    timingDocumentId: docId,
    timingDocumentRows: timing.documents[0].measurements,
    loadDocumentId: load.documents[0].id,
    loadConditionIds: load.conditions.map((c) => c.id),
    explain,
    seconds: (performance.now() - started) / 1000,
  };
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
  await closeDb();
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
