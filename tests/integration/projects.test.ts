import { describe, expect, it } from "vitest";
import { specExampleProject } from "../fixtures/spec-example";
import { callRoute, createTestProject, createTestUser } from "../helpers/app";

describe("project import and browsing", () => {
  it("imports the SPEC example and answers 201 with the new ids", async () => {
    const user = await createTestUser();
    const res = await callRoute("POST", "/api/projects", { as: user, body: specExampleProject() });
    expect(res.status).toBe(201);
    const { project } = await res.json();
    expect(project.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(project.conditions.map((c: { ref: string }) => c.ref)).toEqual(["slab", "footing"]);
    expect(project.documents[0].pages).toHaveLength(2);
    expect(project.measurements_count).toBe(5);
  });

  it("computes condition totals from measurements", async () => {
    const user = await createTestUser();
    const project = await createTestProject(user);
    const res = await callRoute("GET", `/api/projects/${project.id}`, { as: user });
    expect(res.status).toBe(200);
    const body = await res.json();
    const slab = body.project.conditions.find((c: { name: string }) => c.name === "Floor Slab");
    expect(slab).toMatchObject({ total_quantity: 1500, measurement_count: 3, unit: "SF", measurement_type: "area" });
    expect(slab.costs.total_with_markup).toBe(9676);
    expect(body.project.totals).toMatchObject({ conditions: 2, measurements: 5, by_unit: { SF: { count: 3, total_quantity: 1500 } } });
  });

  it("lists the caller's projects with counts and hides other users' projects", async () => {
    const owner = await createTestUser();
    const other = await createTestUser();
    const project = await createTestProject(owner);
    const mine = await (await callRoute("GET", "/api/projects", { as: owner })).json();
    expect(mine.projects).toEqual([
      expect.objectContaining({ id: project.id, documents_count: 1, conditions_count: 2, measurements_count: 5 }),
    ]);
    const theirs = await (await callRoute("GET", "/api/projects", { as: other })).json();
    expect(theirs.projects).toEqual([]);
    const foreign = await callRoute("GET", `/api/projects/${project.id}`, { as: other });
    expect(foreign.status).toBe(404);
    expect((await foreign.json()).error.code).toBe("not_found");
  });

  it("answers a document with its pages and its own measurements only", async () => {
    const user = await createTestUser();
    const project = await createTestProject(user);
    const res = await callRoute("GET", `/api/documents/${project.documents[0].id}`, { as: user, headers: {} });
    expect(res.status).toBe(200);
    const { document } = await res.json();
    expect(document.name).toBe("Structural Set.pdf");
    expect(document.pages.map((p: { sheet_number: string }) => p.sheet_number)).toEqual(["S-001", "S-002"]);
    expect(document.conditions.map((c: { name: string; total_quantity: number }) => [c.name, c.total_quantity])).toEqual([
      ["Floor Slab", 1500],
      ["Continuous Footing", 110],
    ]);
  });

  it("refuses an invalid import with 422 and JSON paths, writing nothing", async () => {
    const user = await createTestUser();
    const body = specExampleProject();
    body.documents[0].pages[0].measurements[0].condition = "nope";
    (body.documents[0].pages[1].measurements[0].geometry as { points: unknown[] }).points = [{ x: 1, y: "a" }];
    const res = await callRoute("POST", "/api/projects", { as: user, body });
    expect(res.status).toBe(422);
    const { success, error } = await res.json();
    expect(success).toBe(false);
    expect(error.code).toBe("validation_failed");
    const paths = error.details.map((d: { path: string }) => d.path);
    expect(paths).toContain("documents[0].pages[0].measurements[0].condition");
    expect(paths.some((p: string) => p.startsWith("documents[0].pages[1].measurements[0].geometry.points"))).toBe(true);
    const list = await (await callRoute("GET", "/api/projects", { as: user })).json();
    expect(list.projects).toEqual([]);
  });

  it("answers malformed JSON with 400, no credentials with 401, a malformed id with 404", async () => {
    const user = await createTestUser();
    const bad = await callRoute("POST", "/api/projects", {
      as: user,
      rawBody: "{not json",
      headers: { "content-type": "application/json" },
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe("invalid_json");
    const wrongType = await callRoute("POST", "/api/projects", { as: user, rawBody: "name=x", headers: { "content-type": "text/plain" } });
    expect(wrongType.status).toBe(400);
    const anonymous = await callRoute("GET", "/api/projects");
    expect(anonymous.status).toBe(401);
    expect((await anonymous.json()).error.code).toBe("unauthorized");
    const malformed = await callRoute("GET", "/api/projects/not-a-uuid", { as: user });
    expect(malformed.status).toBe(404);
  });

  it("authenticates with an API key as well as a session", async () => {
    const user = await createTestUser();
    const res = await callRoute("GET", "/api/projects", { as: { apiKey: user.apiKey } });
    expect(res.status).toBe(200);
    const bad = await callRoute("GET", "/api/projects", { as: { apiKey: "tk_invalid" } });
    expect(bad.status).toBe(401);
  });
});
