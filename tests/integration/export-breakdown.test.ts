// SPEC §12.3 through the API: the breakdown and group_by options' 422s, and a JSON breakdown end to end.
import { beforeAll, describe, expect, it } from "vitest";
import { SECOND_DOCUMENT, twoDocumentProject } from "../fixtures/formats-data";
import { callRoute, createTestProject, createTestUser, waitForExport, type TestUser } from "../helpers/app";

type ErrorBody = { success: false; error: { code: string; message: string; details: { path: string; message: string }[] } };

describe("export breakdowns through the API", () => {
  let user: TestUser;
  let project: Awaited<ReturnType<typeof createTestProject>>;
  let documentId: string;
  beforeAll(async () => {
    user = await createTestUser();
    project = await createTestProject(user, twoDocumentProject());
    documentId = project.documents[0].id;
  });

  const post = (options: Record<string, unknown>, format = "excel") =>
    callRoute("POST", `/api/documents/${documentId}/export`, { as: user, body: { format, options, name: `bd ${Math.random()}` } });

  it("refuses unknown breakdown and group_by values with 422 at their path", async () => {
    for (const format of ["excel", "pdf", "json"]) {
      const res = await post({ breakdown: "page" }, format);
      expect(res.status, format).toBe(422);
      const body = (await res.json()) as ErrorBody;
      expect(body.error.code).toBe("validation_failed");
      expect(body.error.details[0].path).toBe("options.breakdown");
    }
    for (const format of ["excel", "pdf"]) {
      const res = await post({ group_by: "floor" }, format);
      expect(res.status, format).toBe(422);
      expect(((await res.json()) as ErrorBody).error.details[0].path).toBe("options.group_by");
    }
    // Not options of these formats: unknown keys.
    expect((await post({ breakdown: "sheet" }, "csv")).status).toBe(422);
    expect((await post({ breakdown: "sheet" }, "ost")).status).toBe(422);
    expect((await post({ group_by: "building" }, "json")).status).toBe(422);
    expect((await post({ breakdown: 1 }, "json")).status).toBe(422);
  });

  it("stores the defaults and writes a JSON breakdown whose cells add up to the condition totals", async () => {
    const plain = await post({ include_costs: false });
    expect(plain.status).toBe(202);
    expect((await plain.json()).export.options).toMatchObject({ breakdown: "none", group_by: "none" });

    const res = await callRoute("POST", `/api/projects/${project.id}/export`, {
      as: user,
      body: { format: "json", options: { breakdown: "sheet" }, name: "bd json" },
    });
    expect(res.status).toBe(202);
    const created = await res.json();
    const done = await waitForExport(user, created.export_id);
    expect(done.status).toBe("completed");
    const url = new URL(done.download_url);
    const data = await (await callRoute("GET", `${url.pathname}${url.search}`)).json();
    const rows = data.summary.breakdown.rows as { documentName: string; pageNumber: number; quantities: Record<string, number> }[];
    expect(rows.map((r) => [r.documentName, r.pageNumber])).toEqual([
      ["Structural Set.pdf", 1],
      ["Structural Set.pdf", 2],
      [SECOND_DOCUMENT, 1],
    ]);
    for (const c of data.conditions as { id: string; totalQuantity: number }[]) {
      const sum = rows.reduce((s, r) => s + (r.quantities[c.id] ?? 0), 0);
      expect(Math.round(sum * 100)).toBe(Math.round(c.totalQuantity * 100));
    }
  });
});
