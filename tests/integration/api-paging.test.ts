/**
 * Listing exports: filters, search, and cursor paging that visits each
 * existing export exactly once while new ones are being created.
 */
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { sql } from "drizzle-orm";
import { exports } from "@/db/schema";
import { callRoute, createTestProject, createTestUser, type TestUser } from "../helpers/app";

async function insertExports(
  user: TestUser,
  projectId: string,
  documentId: string,
  n: number,
  opts: { createdAt?: Date; prefix?: string } = {},
) {
  const db = await getDb();
  const rows = Array.from({ length: n }, (_, i) => ({
    userId: user.id,
    type: (i % 2 ? "project_export" : "document_export") as "project_export" | "document_export",
    projectId,
    documentId: i % 2 ? null : documentId,
    name: `${opts.prefix ?? "Bulk"} export ${i}`,
    format: (["csv", "excel", "pdf", "json", "ost"] as const)[i % 5],
    options: {},
    status: (["completed", "failed", "cancelled"] as const)[i % 3],
    // Many rows share a timestamp, so the cursor must break ties by id.
    createdAt: opts.createdAt ?? new Date(Date.UTC(2026, 0, 1) + Math.floor(i / 7) * 1000),
  }));
  const inserted = await db.insert(exports).values(rows).returning({ id: exports.id });
  return inserted.map((r) => r.id);
}

describe("GET /api/exports paging and filters", () => {
  it("lists the same export objects as GET /api/exports/{id}, field for field and in the same key order", async () => {
    const user = await createTestUser();
    const project = await createTestProject(user);
    const db = await getDb();
    const [done, failed, plain] = await db
      .insert(exports)
      .values([
        {
          userId: user.id,
          type: "document_export",
          projectId: project.id,
          documentId: project.documents[0].id,
          name: 'Ünïcode "quoted" export',
          description: "Line one\nline two",
          format: "excel",
          options: { include_costs: true, condition_ids: [project.conditions[0].id] },
          status: "completed",
          progress: 100,
          progressStep: "Completed",
          rowsTotal: 1200,
          recordsCount: 1200,
          fileKey: `exports/${project.id}/x.xlsx`,
          fileName: "Unicode-export.xlsx",
          // Above 2^32, as a large workbook's size may be.
          fileSize: 5_000_000_123,
          contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
          checksumSha256: "a".repeat(64),
          warnings: ["Removed 2 control characters"],
          attempts: 2,
          downloadCount: 3,
          lastDownloadedAt: new Date(Date.UTC(2026, 1, 3, 4, 5, 6, 789)),
          expiresAt: new Date(Date.UTC(2026, 2, 1)),
          startedAt: new Date(Date.UTC(2026, 1, 1, 0, 0, 0, 1)),
          completedAt: new Date(Date.UTC(2026, 1, 1, 0, 0, 9, 999)),
          createdAt: new Date(Date.UTC(2026, 0, 31, 23, 59, 59, 999)),
        },
        {
          userId: user.id,
          type: "project_export",
          projectId: project.id,
          name: "Failed export",
          format: "pdf",
          status: "failed",
          errorMessage: "The project was deleted",
          errorKind: "user",
          attempts: 1,
          createdAt: new Date(Date.UTC(2026, 0, 30)),
        },
        {
          userId: user.id,
          type: "project_export",
          projectId: project.id,
          name: "Pending export",
          format: "csv",
          status: "pending",
          createdAt: new Date(Date.UTC(2026, 0, 29)),
        },
      ])
      .returning({ id: exports.id });
    // Microseconds, as PostgreSQL's now() writes them: both reads cut them to milliseconds alike.
    await db.execute(sql`update exports set updated_at = '2026-02-01 10:11:12.345678+00' where id = ${done.id}`);

    const list = await (await callRoute("GET", "/api/exports?limit=10", { as: user })).json();
    expect(list.exports.map((e: { id: string }) => e.id)).toEqual([done.id, failed.id, plain.id]);
    for (const listed of list.exports) {
      const one = await (await callRoute("GET", `/api/exports/${listed.id}`, { as: user })).json();
      expect(JSON.stringify(listed)).toBe(JSON.stringify(one));
    }
    const [first] = list.exports;
    expect(first).toMatchObject({
      file_size: 5_000_000_123,
      options: { include_costs: true, condition_ids: [project.conditions[0].id] },
      warnings: ["Removed 2 control characters"],
      last_downloaded_at: "2026-02-03T04:05:06.789Z",
      created_at: "2026-01-31T23:59:59.999Z",
      updated_at: "2026-02-01T10:11:12.345Z",
    });
    expect(first.download_url).toMatch(/^http/);
    expect(list.exports[1]).toMatchObject({ status: "failed", error_kind: "user", download_url: null, started_at: null, file_size: null });
  });

  it("walks next_cursor over a few hundred exports, while new ones are created, visiting each existing one exactly once", async () => {
    const user = await createTestUser();
    const project = await createTestProject(user);
    const existing = await insertExports(user, project.id, project.documents[0].id, 300);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url = `/api/exports?limit=37${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const res = await callRoute("GET", url, { as: user });
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(body.total).toBeGreaterThanOrEqual(300);
      seen.push(...body.exports.map((e: { id: string }) => e.id));
      cursor = body.next_cursor;
      pages++;
      // Newer exports arrive between pages; they sort before the cursor and must not disturb it.
      await insertExports(user, project.id, project.documents[0].id, 3, { createdAt: new Date(), prefix: `New ${pages}` });
    } while (cursor);

    const seenExisting = seen.filter((id) => existing.includes(id));
    expect(seenExisting).toHaveLength(existing.length);
    expect(new Set(seenExisting).size).toBe(existing.length);
    expect(pages).toBeGreaterThanOrEqual(9);
  });

  it("filters by status, format, type, project, document and name, and counts the total", async () => {
    const user = await createTestUser();
    const project = await createTestProject(user);
    const other = await createTestProject(user);
    await insertExports(user, project.id, project.documents[0].id, 30);
    await insertExports(user, other.id, other.documents[0].id, 5, { prefix: "Other" });

    const get = async (q: string) => (await callRoute("GET", `/api/exports?${q}&limit=100`, { as: user })).json();
    const failed = await get("status=failed");
    expect(failed.exports.every((e: { status: string }) => e.status === "failed")).toBe(true);
    expect(failed.total).toBe(failed.exports.length);
    expect((await get("format=xlsx")).exports.every((e: { format: string }) => e.format === "excel")).toBe(true);
    expect((await get("type=project_export")).exports.every((e: { type: string }) => e.type === "project_export")).toBe(true);
    expect((await get(`project_id=${other.id}`)).total).toBe(5);
    const byDoc = await get(`document_id=${project.documents[0].id}`);
    expect(byDoc.total).toBe(15);
    expect((await get("q=other%20export")).total).toBe(5);
    expect((await get("q=100%25")).total).toBe(0); // % is a literal, not a wildcard
    const bad = await callRoute("GET", "/api/exports?limit=500", { as: user });
    expect(bad.status).toBe(422);
    expect((await bad.json()).error.details[0].path).toBe("limit");
    expect((await callRoute("GET", "/api/exports?cursor=garbage", { as: user })).status).toBe(422);
    expect((await callRoute("GET", "/api/exports?status=done", { as: user })).status).toBe(422);
    expect((await callRoute("GET", "/api/exports?colour=red", { as: user })).status).toBe(422);
  });

  it("pages a combination of filters by cursor, with each user's values (the list statements are prepared once per shape)", async () => {
    const [alice, bob] = [await createTestUser(), await createTestUser()];
    const [pa, pb] = [await createTestProject(alice), await createTestProject(bob)];
    const aliceIds = await insertExports(alice, pa.id, pa.documents[0].id, 90);
    await insertExports(bob, pb.id, pb.documents[0].id, 90);
    const db = await getDb();
    const rows = await db.select().from(exports);
    const expected = rows
      .filter((r) => aliceIds.includes(r.id) && r.status === "completed" && r.format === "csv" && r.name.includes("export"))
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1))
      .map((r) => r.id);
    expect(expected.length).toBeGreaterThan(4);

    for (const [user, ids] of [
      [alice, expected],
      [bob, null],
    ] as const) {
      const seen: string[] = [];
      let cursor: string | null = null;
      let total = -1;
      do {
        const url: string = `/api/exports?status=completed&format=csv&q=export&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
        const body: { exports: { id: string }[]; total: number; next_cursor: string | null } = await (
          await callRoute("GET", url, { as: user })
        ).json();
        total = body.total;
        seen.push(...body.exports.map((e) => e.id));
        cursor = body.next_cursor;
      } while (cursor);
      if (ids) {
        expect(seen).toEqual(ids);
        expect(total).toBe(ids.length);
      } else {
        // Bob's own rows, never Alice's, through the same prepared statements.
        expect(seen.some((id) => aliceIds.includes(id))).toBe(false);
        expect(total).toBe(seen.length);
      }
    }
  });
});

describe("body limits", () => {
  it("answers 413 for an export body over 1 MB and a project import over 64 MB", async () => {
    const user = await createTestUser();
    const project = await createTestProject(user);
    const big = JSON.stringify({ format: "csv", description: "x".repeat(1024 * 1024 + 10) });
    const res = await callRoute("POST", `/api/projects/${project.id}/export`, {
      as: user,
      rawBody: big,
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe("payload_too_large");

    const declared = await callRoute("POST", "/api/projects", {
      as: user,
      rawBody: "{}",
      headers: { "content-type": "application/json", "content-length": String(65 * 1024 * 1024) },
    });
    expect(declared.status).toBe(413);
    const huge = Buffer.alloc(64 * 1024 * 1024 + 100, 0x20);
    const streamed = await callRoute("POST", "/api/projects", { as: user, rawBody: huge, headers: { "content-type": "application/json" } });
    expect(streamed.status).toBe(413);
  });
});
