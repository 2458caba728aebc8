/**
 * The per-user, per-status export counts (db/schema.ts exportCounts) are kept
 * by triggers, and `GET /api/exports` reads its total from them when the only
 * filter is the status. These tests hold the counts to a real count(*) after
 * every kind of change: inserts, status changes, deletes through the API,
 * project and user deletion (cascades), and random sequences of all of them.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { EXPORT_STATUSES, exportCounts, exports, users, type ExportStatus } from "@/db/schema";
import { callRoute, createTestProject, createTestUser, type TestUser } from "../helpers/app";

/** Every user's counts as the triggers keep them, and as count(*) says they are (zero counts omitted). */
async function countsOf(userIds: string[]) {
  const db = await getDb();
  const kept = await db
    .select({ userId: exportCounts.userId, status: exportCounts.status, n: exportCounts.n })
    .from(exportCounts)
    .where(inArray(exportCounts.userId, userIds));
  const actual = await db
    .select({ userId: exports.userId, status: exports.status, n: sql<number>`count(*)::int` })
    .from(exports)
    .where(inArray(exports.userId, userIds))
    .groupBy(exports.userId, exports.status);
  const key = (r: { userId: string; status: string; n: number }) => `${r.userId}/${r.status}=${r.n}`;
  return {
    kept: kept
      .filter((r) => r.n !== 0)
      .map(key)
      .sort(),
    actual: actual.map(key).sort(),
  };
}

async function insertExports(user: { id: string }, projectId: string, statuses: ExportStatus[]) {
  if (statuses.length === 0) return [];
  const db = await getDb();
  const rows = await db
    .insert(exports)
    .values(
      statuses.map((status, i) => ({
        userId: user.id,
        type: "project_export" as const,
        projectId,
        name: `Counted ${i}`,
        format: "csv" as const,
        options: {},
        status,
      })),
    )
    .returning({ id: exports.id });
  return rows.map((r) => r.id);
}

async function apiTotal(user: TestUser, query = "") {
  const res = await callRoute("GET", `/api/exports?limit=1${query}`, { as: user });
  expect(res.status).toBe(200);
  return (await res.json()).total as number;
}

describe("export counts", () => {
  it("match count(*) after inserts, status changes, API deletes, project deletion and user deletion, and serve the list totals", async () => {
    const [alice, bob] = [await createTestUser(), await createTestUser()];
    const [pa, pa2, pb] = [await createTestProject(alice), await createTestProject(alice), await createTestProject(bob)];
    const db = await getDb();
    const expectConsistent = async () => {
      const { kept, actual } = await countsOf([alice.id, bob.id]);
      expect(kept).toEqual(actual);
    };

    const ids = await insertExports(alice, pa.id, ["pending", "processing", "completed", "completed", "failed", "cancelled", "expired"]);
    await insertExports(alice, pa2.id, ["completed", "failed"]);
    await insertExports(bob, pb.id, ["completed"]);
    await expectConsistent();
    expect(await apiTotal(alice)).toBe(9);
    expect(await apiTotal(alice, "&status=completed")).toBe(3);
    expect(await apiTotal(alice, "&status=failed")).toBe(2);
    expect(await apiTotal(bob)).toBe(1);

    // Status changes, one row and many rows at once; updates that leave the status alone.
    await db.update(exports).set({ status: "completed" }).where(eq(exports.id, ids[1]));
    await db
      .update(exports)
      .set({ status: "expired" })
      .where(and(eq(exports.userId, alice.id), eq(exports.status, "completed")));
    await db.update(exports).set({ progress: 50 }).where(eq(exports.userId, alice.id));
    await expectConsistent();
    expect(await apiTotal(alice, "&status=expired")).toBe(5);
    expect(await apiTotal(alice, "&status=completed")).toBe(0);

    // Deleting through the API, and deleting a project (its exports go with it).
    const del = await callRoute("DELETE", `/api/exports/${ids[4]}`, { as: alice });
    expect(del.status).toBe(204);
    await expectConsistent();
    expect(await apiTotal(alice)).toBe(8);
    expect((await callRoute("DELETE", `/api/projects/${pa2.id}`, { as: alice })).status).toBe(204);
    await expectConsistent();
    expect(await apiTotal(alice)).toBe(6);
    // Filters other than the status still count the rows themselves.
    expect(await apiTotal(alice, `&project_id=${pa.id}`)).toBe(6);
    expect(await apiTotal(alice, `&project_id=${pa.id}&status=expired`)).toBe(4);

    // Deleting a user removes their exports and their counts; other users' are untouched.
    await db.delete(users).where(eq(users.id, alice.id));
    expect(await db.select().from(exportCounts).where(eq(exportCounts.userId, alice.id))).toEqual([]);
    await expectConsistent();
    expect(await apiTotal(bob)).toBe(1);
  });

  it("stay equal to count(*) over random sequences of inserts, status changes and deletes", async () => {
    const users = [await createTestUser(), await createTestUser()];
    const projects = [await createTestProject(users[0]), await createTestProject(users[1])];
    const db = await getDb();
    const status = fc.constantFrom(...EXPORT_STATUSES);
    const op = fc.oneof(
      fc.record({ kind: fc.constant("insert" as const), user: fc.nat(1), statuses: fc.array(status, { maxLength: 4 }) }),
      fc.record({ kind: fc.constant("update" as const), user: fc.nat(1), from: status, to: status }),
      fc.record({ kind: fc.constant("delete" as const), user: fc.nat(1), status }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
        for (const o of ops) {
          const userId = users[o.user].id;
          if (o.kind === "insert") await insertExports(users[o.user], projects[o.user].id, o.statuses);
          else if (o.kind === "update")
            await db
              .update(exports)
              .set({ status: o.to })
              .where(and(eq(exports.userId, userId), eq(exports.status, o.from)));
          else await db.delete(exports).where(and(eq(exports.userId, userId), eq(exports.status, o.status)));
        }
        const { kept, actual } = await countsOf(users.map((u) => u.id));
        expect(kept).toEqual(actual);
      }),
      { numRuns: 25 },
    );
    for (const [i, user] of users.entries()) {
      const [{ n }] = await db
        .select({ n: sql<number>`count(*)::int` })
        .from(exports)
        .where(eq(exports.userId, users[i].id));
      expect(await apiTotal(user)).toBe(n);
    }
  });
});
