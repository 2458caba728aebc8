// Presets (SPEC §13.1): the routes, their validation, owner scoping, exports made with preset_id, and deletion while schedules use one.
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { exportSchedules, exports } from "@/db/schema";
import { localDate } from "@/lib/presets/template";
import { callRoute, createTestProject, createTestUser, type TestUser } from "../helpers/app";
import { eventsOf, exportJobsFixture, getExportJson, holdingRunner, installRunner } from "../helpers/export-jobs";

const jobs = exportJobsFixture();

type Preset = {
  id: string;
  name: string;
  description: string | null;
  format: string;
  options: Record<string, unknown>;
  name_template: string | null;
  created_at: string;
  updated_at: string;
};

async function call(user: TestUser, method: string, path: string, body?: unknown) {
  const res = await callRoute(method, path, { as: user, body });
  return { status: res.status, body: res.status === 204 ? null : await res.json() };
}

async function createPreset(user: TestUser, body: Record<string, unknown>): Promise<Preset> {
  const res = await call(user, "POST", "/api/presets", body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as Preset;
}

/** Leaves the exports a test creates `pending` (nothing runs them), so creations never wait for renders. */
function holdExports() {
  return installRunner(holdingRunner());
}

describe("preset routes", () => {
  it("create (201) normalises options as an export would; list, get, patch and delete (204) work", async () => {
    const user = await createTestUser();
    const created = await createPreset(user, {
      name: "Weekly Excel",
      description: "For the Monday meeting",
      format: "xlsx",
      options: { include_costs: false, group_by: "building" },
      name_template: "{project} {date}",
    });
    expect(created).toMatchObject({
      name: "Weekly Excel",
      description: "For the Monday meeting",
      format: "excel",
      name_template: "{project} {date}",
      options: { include_costs: false, include_unverified: true, timezone: "UTC", breakdown: "none", group_by: "building" },
    });

    await createPreset(user, { name: "a csv preset", format: "csv" });
    const list = await call(user, "GET", "/api/presets");
    expect(list.status).toBe(200);
    expect(list.body.presets.map((p: Preset) => p.name)).toEqual(["a csv preset", "Weekly Excel"]);

    expect((await call(user, "GET", `/api/presets/${created.id}`)).body).toEqual(created);

    const patched = await call(user, "PATCH", `/api/presets/${created.id}`, {
      name: "Weekly Excel (costs)",
      options: { include_costs: true },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      name: "Weekly Excel (costs)",
      format: "excel",
      options: { include_costs: true, group_by: "none" },
    });
    expect(patched.body.name_template).toBe("{project} {date}");

    const cleared = await call(user, "PATCH", `/api/presets/${created.id}`, { name_template: null, description: null });
    expect(cleared.body).toMatchObject({ name_template: null, description: null });

    expect((await call(user, "DELETE", `/api/presets/${created.id}`)).status).toBe(204);
    const gone = await call(user, "GET", `/api/presets/${created.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error).toMatchObject({ code: "not_found", message: "Preset not found" });
  });

  it("changing the format without options keeps the options the new format takes", async () => {
    const user = await createTestUser();
    const preset = await createPreset(user, {
      name: "CSV semicolons",
      format: "csv",
      options: { delimiter: ";", include_unverified: false, timezone: "Europe/Berlin" },
    });
    const res = await call(user, "PATCH", `/api/presets/${preset.id}`, { format: "pdf" });
    expect(res.status).toBe(200);
    expect(res.body.format).toBe("pdf");
    expect(res.body.options).toMatchObject({ include_unverified: false, timezone: "Europe/Berlin", page_size: "letter" });
    expect(res.body.options).not.toHaveProperty("delimiter");
  });
});

describe("preset validation", () => {
  it("an unknown name_template placeholder is 422 naming it", async () => {
    const user = await createTestUser();
    const res = await call(user, "POST", "/api/presets", { name: "x", format: "csv", name_template: "{project} for {client} {date}" });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("validation_failed");
    expect(res.body.error.message).toContain("{client}");
    expect(res.body.error.details).toEqual([{ path: "name_template", message: expect.stringContaining("unknown placeholder {client}") }]);

    const preset = await createPreset(user, { name: "ok", format: "csv", name_template: "{source} – {format}" });
    const patch = await call(user, "PATCH", `/api/presets/${preset.id}`, { name_template: "{Source}" });
    expect(patch.status).toBe(422);
    expect(patch.body.error.details[0]).toMatchObject({ path: "name_template", message: expect.stringContaining("{Source}") });
  });

  it("options are validated for the preset's format exactly as on export creation", async () => {
    const user = await createTestUser();
    const project = await createTestProject(user);
    const bad = { format: "csv", options: { page_size: "a4", timezone: "Mars/Olympus" } };
    const asPreset = await call(user, "POST", "/api/presets", { name: "bad", ...bad });
    const asExport = await call(user, "POST", `/api/documents/${project.documents[0].id}/export`, bad);
    expect(asPreset.status).toBe(422);
    expect(asPreset.body.error.details).toEqual(asExport.body.error.details);
    expect(asPreset.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(["options", "options.timezone"]);

    const costColumn = await call(user, "POST", "/api/presets", {
      name: "bad columns",
      format: "excel",
      options: { include_costs: false, columns: ["quantity", "extended_cost"] },
    });
    expect(costColumn.status).toBe(422);
    expect(costColumn.body.error.details[0].path).toBe("options.columns[1]");

    const preset = await createPreset(user, { name: "json", format: "json" });
    const patch = await call(user, "PATCH", `/api/presets/${preset.id}`, { options: { delimiter: ";" } });
    expect(patch.status).toBe(422);
    expect(patch.body.error.details[0].path).toBe("options");
  });

  it("names are unique per user ignoring case (409), but two users may use the same name", async () => {
    const user = await createTestUser();
    const other = await createTestUser();
    const first = await createPreset(user, { name: "Weekly", format: "csv" });
    const clash = await call(user, "POST", "/api/presets", { name: "  WEEKLY ", format: "pdf" });
    expect(clash.status).toBe(409);
    expect(clash.body.error).toMatchObject({ code: "conflict", details: [{ path: "name" }] });
    expect(clash.body.error.message).toContain('"Weekly"');
    await createPreset(other, { name: "weekly", format: "csv" });

    const second = await createPreset(user, { name: "Daily", format: "csv" });
    const rename = await call(user, "PATCH", `/api/presets/${second.id}`, { name: "weekly" });
    expect(rename.status).toBe(409);
    // Renaming a preset to its own name in another case is fine.
    expect((await call(user, "PATCH", `/api/presets/${first.id}`, { name: "WEEKLY" })).body.name).toBe("WEEKLY");
  });

  it("parallel creations of one name make one preset; the others are 409", async () => {
    const user = await createTestUser();
    const results = await Promise.all(
      ["Race", "race", "RACE", "Race", "rAce"].map((name) => call(user, "POST", "/api/presets", { name, format: "csv" })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
    expect((await call(user, "GET", "/api/presets")).body.presets).toHaveLength(1);
  });

  it("bodies are checked: missing fields, unknown keys, an empty patch", async () => {
    const user = await createTestUser();
    const missing = await call(user, "POST", "/api/presets", { format: "csv" });
    expect(missing.status).toBe(422);
    expect(missing.body.error.details[0].path).toBe("name");
    const unknown = await call(user, "POST", "/api/presets", { name: "x", format: "docx", colour: "red" });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.message).toMatch(/Unsupported format "docx"|colour/);
    const preset = await createPreset(user, { name: "x", format: "csv" });
    const empty = await call(user, "PATCH", `/api/presets/${preset.id}`, {});
    expect(empty.status).toBe(422);
  });
});

describe("owner scoping", () => {
  it("another user's preset is 404 on every route and as preset_id on every create route", async () => {
    holdExports();
    const owner = await createTestUser();
    const stranger = await createTestUser();
    const preset = await createPreset(owner, { name: "Mine", format: "csv" });
    for (const [method, body] of [["GET"], ["PATCH", { name: "Theirs" }], ["DELETE"]] as const) {
      const res = await call(stranger, method, `/api/presets/${preset.id}`, body);
      expect(res.status, method).toBe(404);
      expect(res.body.error.message).toBe("Preset not found");
    }
    expect((await call(stranger, "GET", "/api/presets")).body.presets).toEqual([]);

    const project = await createTestProject(stranger);
    for (const [path, body] of [
      [`/api/documents/${project.documents[0].id}/export`, { preset_id: preset.id }],
      [`/api/projects/${project.id}/export`, { preset_id: preset.id }],
      ["/api/exports", { source: { type: "project", id: project.id }, preset_id: preset.id }],
      [`/api/projects/${project.id}/export`, { preset_id: "not-a-uuid" }],
    ] as const) {
      const res = await call(stranger, "POST", path, body);
      expect(res.status, path).toBe(404);
      expect(res.body.error).toMatchObject({ code: "not_found", message: "Preset not found" });
    }
    const db = await getDb();
    expect(await db.select().from(exports).where(eq(exports.userId, stranger.id))).toEqual([]);
    // The owner's preset is untouched.
    expect((await call(owner, "GET", `/api/presets/${preset.id}`)).body.name).toBe("Mine");
  });
});

describe("exports made with a preset", () => {
  it("every create route takes preset_id: the preset's format, a copy of its options, preset_id recorded", async () => {
    holdExports();
    const user = await createTestUser();
    const project = await createTestProject(user);
    const other = await createTestProject(user);
    const docId = project.documents[0].id;
    const preset = await createPreset(user, {
      name: "PDF landscape",
      format: "pdf",
      options: { orientation: "landscape", include_costs: false },
    });
    const routes = [
      { path: `/api/documents/${docId}/export`, body: { preset_id: preset.id, name: "By document route" } },
      { path: `/api/projects/${project.id}/export`, body: { preset_id: preset.id, name: "By project route" } },
      // Another source: an identical request while the first is queued would be merged into it (SPEC §5.2).
      {
        path: "/api/exports",
        body: { source: { type: "document", id: other.documents[0].id }, preset_id: preset.id, name: "By generic route" },
      },
    ];
    for (const r of routes) {
      const res = await call(user, "POST", r.path, r.body);
      expect(res.status, r.path).toBe(202);
      const exp = res.body.export;
      expect(exp).toMatchObject({ format: "pdf", preset_id: preset.id, name: r.body.name, options: preset.options });
      const created = (await eventsOf(user, exp.id)).find((e) => e.type === "created");
      expect(created?.data).toMatchObject({ preset_id: preset.id, format: "pdf" });
    }
  });

  it("without a name, the preset's name_template names the export ({date} in the options' time zone)", async () => {
    holdExports();
    const user = await createTestUser();
    const project = await createTestProject(user);
    const doc = project.documents[0];
    const preset = await createPreset(user, {
      name: "Templated",
      format: "csv",
      options: { timezone: "Pacific/Kiritimati" },
      name_template: "{project} / {document} / {source} {format} {date}",
    });
    const today = localDate(new Date(), "Pacific/Kiritimati");
    const byDoc = await call(user, "POST", `/api/documents/${doc.id}/export`, { preset_id: preset.id });
    expect(byDoc.status).toBe(202);
    expect(byDoc.body.export.name).toBe(`${project.name} / ${doc.name} / ${doc.name} CSV ${today}`);

    // A project export has no document: {document} is empty and the spaces fold.
    const byProject = await call(user, "POST", `/api/projects/${project.id}/export`, { preset_id: preset.id });
    expect(byProject.body.export.name).toBe(`${project.name} / / ${project.name} CSV ${today}`);

    // A name in the request wins over the template.
    const another = await createTestProject(user);
    const named = await call(user, "POST", "/api/exports", {
      source: { type: "project", id: another.id },
      preset_id: preset.id,
      name: "Chosen name",
      description: "Mine",
    });
    expect(named.body.export).toMatchObject({ name: "Chosen name", description: "Mine" });
  });

  it("preset_id with format or options is 422; neither is 422", async () => {
    const user = await createTestUser();
    const project = await createTestProject(user);
    const preset = await createPreset(user, { name: "p", format: "csv" });
    const path = `/api/projects/${project.id}/export`;
    const both = await call(user, "POST", path, { preset_id: preset.id, format: "csv" });
    expect(both.status).toBe(422);
    expect(both.body.error.details).toEqual([{ path: "format", message: expect.stringContaining("not both") }]);
    const withOptions = await call(user, "POST", "/api/exports", {
      source: { type: "project", id: project.id },
      preset_id: preset.id,
      options: { bom: false },
    });
    expect(withOptions.status).toBe(422);
    expect(withOptions.body.error.details[0].path).toBe("options");
    const neither = await call(user, "POST", `/api/documents/${project.documents[0].id}/export`, { name: "nothing" });
    expect(neither.status).toBe(422);
    expect(neither.body.error.details[0]).toMatchObject({ path: "format", message: expect.stringContaining("preset_id") });
  });

  it("editing or deleting a preset never changes exports already made with it", async () => {
    const user = await createTestUser();
    const project = await createTestProject(user);
    const preset = await createPreset(user, { name: "Excel", format: "excel", options: { group_by: "scope" }, name_template: "{source}" });
    const made = await call(user, "POST", `/api/projects/${project.id}/export`, { preset_id: preset.id });
    expect(made.status).toBe(202);
    await jobs.runner.drain();
    const before = await getExportJson(user, made.body.export_id);
    expect(before.status).toBe("completed");

    const patched = await call(user, "PATCH", `/api/presets/${preset.id}`, {
      format: "csv",
      options: { delimiter: ";" },
      name: "Now CSV",
      name_template: "{date}",
    });
    expect(patched.status).toBe(200);
    const after = await getExportJson(user, made.body.export_id);
    expect(after).toMatchObject({ format: "excel", options: before.options, name: before.name, preset_id: preset.id });
    expect(after.options.group_by).toBe("scope");

    expect((await call(user, "DELETE", `/api/presets/${preset.id}`)).status).toBe(204);
    expect(await getExportJson(user, made.body.export_id)).toMatchObject({
      format: "excel",
      options: before.options,
      preset_id: preset.id,
    });
  });
});

describe("deleting a preset that schedules use", () => {
  it("is refused with 409 naming the schedules; once they are gone it is deleted", async () => {
    const user = await createTestUser();
    const project = await createTestProject(user);
    const preset = await createPreset(user, { name: "Scheduled", format: "csv" });
    const db = await getDb();
    const schedules = await db
      .insert(exportSchedules)
      .values(
        ["Monday numbers", "Month end"].map((name) => ({
          userId: user.id,
          name,
          sourceType: "project" as const,
          sourceId: project.id,
          presetId: preset.id,
          cadence: { every: "week", on: "mon", at: "07:00" },
        })),
      )
      .returning();

    const refused = await call(user, "DELETE", `/api/presets/${preset.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("conflict");
    expect(refused.body.error.message).toContain('"Monday numbers"');
    expect(refused.body.error.message).toContain('"Month end"');
    expect(refused.body.error.details).toHaveLength(2);
    for (const s of schedules) expect(JSON.stringify(refused.body.error.details)).toContain(s.id);
    expect((await call(user, "GET", `/api/presets/${preset.id}`)).status).toBe(200);

    await db.delete(exportSchedules).where(eq(exportSchedules.presetId, preset.id));
    expect((await call(user, "DELETE", `/api/presets/${preset.id}`)).status).toBe(204);
  });
});
