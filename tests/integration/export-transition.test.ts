// Every status change writes its status and its audit event together, or neither (SPEC §7; lib/exports/lifecycle.ts).
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { exportEvents, exports, type ExportStatus } from "@/db/schema";
import { transition } from "@/lib/exports/lifecycle";
import { createTestProject, createTestUser } from "../helpers/app";

async function exportIn(status: ExportStatus) {
  const user = await createTestUser();
  const project = await createTestProject(user);
  const db = await getDb();
  const [row] = await db
    .insert(exports)
    .values({ userId: user.id, type: "project_export", projectId: project.id, name: "Transition", format: "csv", options: {}, status })
    .returning();
  return row!;
}

async function state(id: string) {
  const db = await getDb();
  const [row] = await db.select({ status: exports.status, step: exports.progressStep }).from(exports).where(eq(exports.id, id));
  const events = await db
    .select({ type: exportEvents.type, data: exportEvents.data })
    .from(exportEvents)
    .where(eq(exportEvents.exportId, id));
  return { status: row?.status, step: row?.step, events };
}

describe("transition()", () => {
  it("writes the status and its event in one transaction", async () => {
    const row = await exportIn("completed");
    const moved = await transition(await getDb(), row.id, {
      from: ["completed"],
      to: "expired",
      set: { progressStep: "Expired" },
      event: { type: "expired", data: { why: "test" } },
    });
    expect(moved?.status).toBe("expired");
    expect(await state(row.id)).toEqual({ status: "expired", step: "Expired", events: [{ type: "expired", data: { why: "test" } }] });
  });

  it("changes nothing and records nothing when the export is not in a `from` status", async () => {
    const row = await exportIn("processing");
    const moved = await transition(await getDb(), row.id, { from: ["completed"], to: "expired", event: { type: "expired" } });
    expect(moved).toBeNull();
    expect(await state(row.id)).toEqual({ status: "processing", step: null, events: [] });
  });

  it("leaves the status as it was when the event cannot be written", async () => {
    const row = await exportIn("completed");
    const db = await getDb();
    // An event type the database refuses: the insert fails after the update, and both roll back.
    const bad = transition(db, row.id, {
      from: ["completed"],
      to: "expired",
      set: { progressStep: "Expired" },
      event: { type: "no-such-event" as never },
    });
    await expect(bad).rejects.toThrow();
    expect(await state(row.id)).toEqual({ status: "completed", step: null, events: [] });
  });

  it("inside a caller's transaction, a later failure rolls the transition back too", async () => {
    const row = await exportIn("failed");
    const db = await getDb();
    await expect(
      db.transaction(async (tx) => {
        await transition(tx, row.id, { from: ["failed"], to: "pending", event: { type: "retried" } });
        throw new Error("later step failed");
      }),
    ).rejects.toThrow("later step failed");
    expect(await state(row.id)).toEqual({ status: "failed", step: null, events: [] });
  });
});
