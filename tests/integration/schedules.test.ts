// The schedule routes (SPEC §13.3): validation with detail paths, owner scoping (404), the 50-per-user limit,
// preset or format + options, PATCH recomputing next_run_at, pause/resume, run now (also when paused), delete.
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { exportSchedules } from "@/db/schema";
import { callRoute, createTestProject, createTestUser, type TestUser } from "../helpers/app";
import { exportJobsFixture } from "../helpers/export-jobs";

const jobs = exportJobsFixture();

async function setup() {
  const user = await createTestUser();
  const project = await createTestProject(user);
  return { user, project, documentId: project.documents[0].id as string };
}

const body = (documentId: string, over: Record<string, unknown> = {}) => ({
  name: "Weekly structural",
  source: { type: "document", id: documentId },
  format: "excel",
  options: { include_costs: false },
  cadence: { every: "week", on: "mon", at: "07:00" },
  timezone: "America/New_York",
  ...over,
});

async function post(user: TestUser, b: unknown) {
  const res = await callRoute("POST", "/api/schedules", { as: user, body: b });
  return { status: res.status, body: await res.json() };
}

describe("creating a schedule", () => {
  it("201 with the schedule: normalised options, canonical zone, its next Monday 07:00 in New York", async () => {
    const { user, documentId } = await setup();
    const before = Date.now();
    const { status, body: s } = await post(user, body(documentId, { timezone: "america/new_york" }));
    expect(status).toBe(201);
    expect(s).toMatchObject({
      name: "Weekly structural",
      source: { type: "document", id: documentId, name: "Structural Set.pdf" },
      preset_id: null,
      format: "excel",
      cadence: { every: "week", on: "mon", at: "07:00" },
      timezone: "America/New_York",
      enabled: true,
      paused_reason: null,
      last_run_at: null,
      last_export_id: null,
      last_export_status: null,
      consecutive_failures: 0,
    });
    expect(s.options).toMatchObject({ include_costs: false, include_unverified: true, timezone: "UTC", breakdown: "none" });
    const next = new Date(s.next_run_at);
    expect(next.getTime()).toBeGreaterThan(before);
    expect(next.getTime() - before).toBeLessThanOrEqual(7 * 24 * 3600_000 + 3600_000);
    const local = new Intl.DateTimeFormat("en-US", {
      timeZone: "America/New_York",
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
      hour12: false,
    }).format(next);
    expect(local).toBe("Mon 07:00");

    const listed = await (await callRoute("GET", "/api/schedules", { as: user })).json();
    expect(listed).toMatchObject({ total: 1, schedules: [{ id: s.id }] });
  });

  it.each([
    [{ cadence: { every: "day", at: "24:00" } }, "cadence.at"],
    [{ cadence: { every: "day", at: "7:5" } }, "cadence.at"],
    [{ cadence: { every: "month", day: 29, at: "07:00" } }, "cadence.day"],
    [{ cadence: { every: "week", on: "funday", at: "07:00" } }, "cadence.on"],
    [{ cadence: { every: "fortnight", at: "07:00" } }, "cadence.every"],
    [{ timezone: "Mars/Olympus_Mons" }, "timezone"],
    [{ format: "docx" }, "format"],
    [{ format: undefined, options: undefined }, "format"],
    [{ preset_id: "5f0c1b9e-0000-4000-8000-000000000000" }, "preset_id"],
    [{ options: { delimiter: ";" } }, "options"],
    [{ options: { columns: ["nope"] } }, "options.columns[0]"],
    [{ name: "" }, "name"],
    [{ source: { type: "page", id: "x" } }, "source.type"],
    [{ surprise: true }, ""],
  ])("422 for %j at %s", async (over, path) => {
    const { user, documentId } = await setup();
    const { status, body: res } = await post(user, body(documentId, over));
    expect(status).toBe(422);
    expect(res.error.code).toBe("validation_failed");
    expect(res.error.details.map((d: { path: string }) => d.path)).toContain(path);
  });

  it("options are checked against the source: a condition of another project is 422", async () => {
    const { user, documentId } = await setup();
    const other = await createTestProject(user);
    const { status, body: res } = await post(user, body(documentId, { options: { condition_ids: [other.conditions[0].id] } }));
    expect(status).toBe(422);
    expect(res.error.details[0].path).toBe("options.condition_ids[0]");
  });

  it("another user's document, project or preset in the body is 404, like a missing one", async () => {
    const { user } = await setup();
    const stranger = await setup();
    const presetRes = await callRoute("POST", "/api/presets", { as: stranger.user, body: { name: "Theirs", format: "csv" } });
    const preset = await presetRes.json();
    for (const b of [
      body(stranger.documentId),
      body(stranger.project.id, { source: { type: "project", id: stranger.project.id } }),
      body(stranger.documentId, { source: { type: "document", id: "not-a-uuid" } }),
    ]) {
      const { status, body: res } = await post(user, b);
      expect(status).toBe(404);
      expect(res.error.code).toBe("not_found");
    }
    const own = await setup();
    const { status } = await post(own.user, { ...body(own.documentId, { format: undefined, options: undefined }), preset_id: preset.id });
    expect(status).toBe(404);
  });

  it("with a preset: no format or options of its own; runs take the preset's", async () => {
    const { user, documentId } = await setup();
    const preset = await (
      await callRoute("POST", "/api/presets", {
        as: user,
        body: {
          name: "Costs off",
          format: "json",
          options: { include_costs: false, pretty: false },
          name_template: "{document} weekly {date}",
        },
      })
    ).json();
    const { status, body: s } = await post(user, { ...body(documentId, { format: undefined, options: undefined }), preset_id: preset.id });
    expect(status).toBe(201);
    expect(s).toMatchObject({ preset_id: preset.id, format: null, options: null });

    const run = await callRoute("POST", `/api/schedules/${s.id}/run`, { as: user });
    expect(run.status).toBe(202);
    const made = await run.json();
    expect(made.export).toMatchObject({ format: "json", preset_id: preset.id, schedule_id: s.id, schedule_slot: null });
    expect(made.export.options).toMatchObject({ include_costs: false, pretty: false });
    expect(made.export.name).toMatch(/^Structural Set\.pdf weekly \d{4}-\d{2}-\d{2}$/);
    await jobs.runner.drain();
  });

  it("at most 50 per user: the 51st is 409 with a message saying so", async () => {
    const { user, documentId } = await setup();
    const db = await getDb();
    const template = (await post(user, body(documentId))).body;
    const [row] = await db.select().from(exportSchedules).where(eq(exportSchedules.id, template.id));
    const copy: Partial<typeof row> = { ...row };
    delete copy.id;
    await db.insert(exportSchedules).values(Array.from({ length: 49 }, (_, i) => ({ ...(copy as typeof row), name: `copy ${i}` })));
    const { status, body: res } = await post(user, body(documentId));
    expect(status).toBe(409);
    expect(res.error.message).toContain("50");
    // Another user is not affected.
    const other = await setup();
    expect((await post(other.user, body(other.documentId))).status).toBe(201);
    // Deleting one makes room.
    expect((await callRoute("DELETE", `/api/schedules/${template.id}`, { as: user })).status).toBe(204);
    expect((await post(user, body(documentId))).status).toBe(201);
  });
});

describe("reading, changing and deleting", () => {
  it("another user's schedule is 404 on every route", async () => {
    const { user, documentId } = await setup();
    const stranger = await createTestUser();
    const { body: s } = await post(user, body(documentId));
    for (const [method, path, b] of [
      ["GET", `/api/schedules/${s.id}`, undefined],
      ["PATCH", `/api/schedules/${s.id}`, { name: "Mine now" }],
      ["DELETE", `/api/schedules/${s.id}`, undefined],
      ["POST", `/api/schedules/${s.id}/run`, undefined],
      ["POST", `/api/schedules/${s.id}/pause`, undefined],
      ["POST", `/api/schedules/${s.id}/resume`, undefined],
    ] as const) {
      const res = await callRoute(method, path, { as: stranger, body: b });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    expect((await (await callRoute("GET", "/api/schedules", { as: stranger })).json()).total).toBe(0);
    expect((await callRoute("GET", "/api/schedules/not-a-uuid", { as: user })).status).toBe(404);
    // Untouched.
    expect((await (await callRoute("GET", `/api/schedules/${s.id}`, { as: user })).json()).name).toBe("Weekly structural");
  });

  it("PATCH recomputes next_run_at from the new cadence and zone", async () => {
    const { user, documentId } = await setup();
    const { body: s } = await post(user, body(documentId));
    const res = await callRoute("PATCH", `/api/schedules/${s.id}`, {
      as: user,
      body: { cadence: { every: "month", day: 1, at: "00:00" }, timezone: "Asia/Tokyo", name: "Monthly" },
    });
    expect(res.status).toBe(200);
    const changed = await res.json();
    expect(changed).toMatchObject({ name: "Monthly", cadence: { every: "month", day: 1, at: "00:00" }, timezone: "Asia/Tokyo" });
    const local = new Intl.DateTimeFormat("en-GB", {
      timeZone: "Asia/Tokyo",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hour12: false,
    }).format(new Date(changed.next_run_at));
    expect(local).toBe("01, 00:00");
  });

  it("PATCH switches between a preset and format + options; both at once is 422", async () => {
    const { user, documentId } = await setup();
    const { body: s } = await post(user, body(documentId));
    const preset = await (await callRoute("POST", "/api/presets", { as: user, body: { name: "P", format: "ost" } })).json();
    const both = await callRoute("PATCH", `/api/schedules/${s.id}`, { as: user, body: { preset_id: preset.id, format: "csv" } });
    expect(both.status).toBe(422);
    const toPreset = await (await callRoute("PATCH", `/api/schedules/${s.id}`, { as: user, body: { preset_id: preset.id } })).json();
    expect(toPreset).toMatchObject({ preset_id: preset.id, format: null, options: null });
    const back = await (
      await callRoute("PATCH", `/api/schedules/${s.id}`, { as: user, body: { format: "csv", options: { bom: false } } })
    ).json();
    expect(back).toMatchObject({ preset_id: null, format: "csv" });
    expect(back.options).toMatchObject({ bom: false });
    const badOptions = await callRoute("PATCH", `/api/schedules/${s.id}`, { as: user, body: { options: { pretty: true } } });
    expect(badOptions.status).toBe(422);
    expect((await callRoute("PATCH", `/api/schedules/${s.id}`, { as: user, body: {} })).status).toBe(422);
  });

  it("pause, run now while paused, resume", async () => {
    const { user, documentId } = await setup();
    const { body: s } = await post(user, body(documentId, { format: "csv", options: {} }));
    const paused = await callRoute("POST", `/api/schedules/${s.id}/pause`, { as: user });
    expect(paused.status).toBe(200);
    expect(await paused.json()).toMatchObject({ enabled: false, next_run_at: null });

    const run = await callRoute("POST", `/api/schedules/${s.id}/run`, { as: user });
    expect(run.status).toBe(202);
    expect(run.headers.get("location")).toMatch(/^\/api\/exports\//);
    const made = await run.json();
    expect(made.export).toMatchObject({ schedule_id: s.id, schedule_slot: null, format: "csv" });
    expect(made.export.name).toMatch(/^Weekly structural \d{4}-\d{2}-\d{2}$/);
    await jobs.runner.drain();

    const shown = await (await callRoute("GET", `/api/schedules/${s.id}`, { as: user })).json();
    expect(shown).toMatchObject({ enabled: false, last_export_id: made.export_id, last_export_status: "completed" });
    expect(shown.last_run_at).not.toBeNull();

    const resumed = await callRoute("POST", `/api/schedules/${s.id}/resume`, { as: user });
    expect(resumed.status).toBe(200);
    const r = await resumed.json();
    expect(r).toMatchObject({ enabled: true, consecutive_failures: 0, paused_reason: null });
    expect(new Date(r.next_run_at).getTime()).toBeGreaterThan(Date.now());

    const listed = await (await callRoute("GET", `/api/exports?schedule_id=${s.id}`, { as: user })).json();
    expect(listed.exports.map((e: { id: string }) => e.id)).toEqual([made.export_id]);
  });

  it("run now on a schedule whose source was deleted: 409, and the schedule is paused with the reason", async () => {
    const { user, project } = await setup();
    const { body: s } = await post(user, body(project.id, { source: { type: "project", id: project.id } }));
    const db = await getDb();
    // The project goes without the route (as another instance's delete would), so the schedule is still enabled.
    const { projects } = await import("@/db/schema");
    await db.delete(projects).where(eq(projects.id, project.id));
    const run = await callRoute("POST", `/api/schedules/${s.id}/run`, { as: user });
    expect(run.status).toBe(409);
    expect((await run.json()).error.message).toContain("The project was deleted");
    expect(await (await callRoute("GET", `/api/schedules/${s.id}`, { as: user })).json()).toMatchObject({
      enabled: false,
      paused_reason: "The project was deleted",
    });
    // Resuming it as it is would only pause it again: 409 until it points at another source.
    const resume = await callRoute("POST", `/api/schedules/${s.id}/resume`, { as: user });
    expect(resume.status).toBe(409);
    expect((await resume.json()).error.message).toContain("Point it at another source");
    const other = await createTestProject(user);
    const moved = await callRoute("PATCH", `/api/schedules/${s.id}`, {
      as: user,
      body: { source: { type: "document", id: other.documents[0].id }, enabled: true },
    });
    expect(moved.status).toBe(200);
    expect(await moved.json()).toMatchObject({ enabled: true, paused_reason: null, source: { name: "Structural Set.pdf" } });
  });

  it("delete is 204, then 404; the schedule's exports stay", async () => {
    const { user, documentId } = await setup();
    const { body: s } = await post(user, body(documentId, { format: "csv", options: {} }));
    const made = await (await callRoute("POST", `/api/schedules/${s.id}/run`, { as: user })).json();
    await jobs.runner.drain();
    expect((await callRoute("DELETE", `/api/schedules/${s.id}`, { as: user })).status).toBe(204);
    expect((await callRoute("DELETE", `/api/schedules/${s.id}`, { as: user })).status).toBe(404);
    expect((await callRoute("GET", `/api/schedules/${s.id}`, { as: user })).status).toBe(404);
    const exp = await (await callRoute("GET", `/api/exports/${made.export_id}`, { as: user })).json();
    expect(exp).toMatchObject({ status: "completed", schedule_id: s.id });
  });
});
