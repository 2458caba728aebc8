// SPEC §12.2 through the API: the catalogue's columns and default layouts, the option's 422s, and a chosen layout end to end.
import Papa from "papaparse";
import { beforeAll, describe, expect, it } from "vitest";
import { SECOND_DOCUMENT, twoDocumentProject } from "../fixtures/formats-data";
import { callRoute, createTestProject, createTestUser, waitForExport, type TestUser } from "../helpers/app";

const SPEC_CSV = [
  "condition",
  "page",
  "sheet_number",
  "geometry_type",
  "quantity",
  "unit",
  "coordinates",
  "verified",
  "ai_generated",
  "notes",
];
const SPEC_EXCEL = ["page", "sheet_number", "geometry_type", "quantity", "unit", "verified", "notes"];
const SPEC_PDF = ["page", "sheet_number", "geometry_type", "quantity", "unit"];

type ErrorBody = { success: false; error: { code: string; message: string; details: { path: string; message: string }[] } };

describe("export columns through the API", () => {
  let user: TestUser;
  let project: Awaited<ReturnType<typeof createTestProject>>;
  let documentId: string;
  beforeAll(async () => {
    user = await createTestUser();
    project = await createTestProject(user, twoDocumentProject());
    documentId = project.documents[1].id;
  });

  const post = (options: Record<string, unknown>, format = "csv") =>
    callRoute("POST", `/api/documents/${documentId}/export`, { as: user, body: { format, options, name: `cols ${Math.random()}` } });

  it("the document catalogue lists every column with its CSV header, and the §6 layouts as defaults", async () => {
    const res = await callRoute("GET", `/api/documents/${documentId}/export`, { as: user });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.columns).toHaveLength(22);
    expect(body.columns.slice(0, 4)).toEqual([
      { id: "condition", header: "Condition", formats: ["csv", "excel", "pdf"] },
      { id: "document", header: "Document", formats: ["csv", "excel", "pdf"] },
      { id: "page", header: "Page", formats: ["csv", "excel", "pdf"] },
      { id: "sheet_number", header: "Sheet Number", formats: ["csv", "excel", "pdf"] },
    ]);
    expect(body.columns.map((c: { id: string }) => c.id)).toContain("extended_cost");
    expect(body.default_columns).toEqual({ csv: SPEC_CSV, excel: SPEC_EXCEL, pdf: SPEC_PDF });
    // The option itself, as the format cards describe it.
    const csv = body.formats.find((f: { id: string }) => f.id === "csv");
    expect(csv.options.find((o: { key: string }) => o.key === "columns")).toMatchObject({ type: "array", items: { type: "string" } });
    expect(body.formats.find((f: { id: string }) => f.id === "json").options.some((o: { key: string }) => o.key === "columns")).toBe(false);
  });

  it("the project catalogue's defaults name the document (last in CSV and Excel, first in PDF)", async () => {
    const res = await callRoute("GET", `/api/projects/${project.id}/export`, { as: user });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.default_columns).toEqual({
      csv: [...SPEC_CSV, "document"],
      excel: [...SPEC_EXCEL, "document"],
      pdf: ["document", ...SPEC_PDF],
    });
  });

  it("refuses unknown and repeated ids with 422, naming each at its index", async () => {
    const res = await post({ columns: ["page", "sheet", "quantity", "page"] });
    expect(res.status).toBe(422);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe("validation_failed");
    expect(body.error.details).toEqual([
      { path: "options.columns[1]", message: expect.stringContaining('unknown column "sheet"') },
      { path: "options.columns[3]", message: 'column "page" is listed more than once' },
    ]);
    expect(body.error.message).toContain("options.columns[1]");
  });

  it("refuses an empty list, a non-list, columns for a format without them, and cost columns without costs", async () => {
    const empty = (await (await post({ columns: [] }, "excel")).json()) as ErrorBody;
    expect(empty.error.details).toEqual([{ path: "options.columns", message: "must list at least one column" }]);
    expect((await post({ columns: "page" }, "pdf")).status).toBe(422);
    const json = await post({ columns: ["page"] }, "json");
    expect(json.status).toBe(422);
    expect(((await json.json()) as ErrorBody).error.details[0].path).toBe("options");

    const costs = await post({ columns: ["quantity", "extended_cost", "unit_cost"], include_costs: false });
    expect(costs.status).toBe(422);
    expect(((await costs.json()) as ErrorBody).error.details).toEqual([
      { path: "options.columns[1]", message: 'cost column "extended_cost" needs include_costs, which is false' },
      { path: "options.columns[2]", message: 'cost column "unit_cost" needs include_costs, which is false' },
    ]);
  });

  it("keeps the chosen order on the export and writes exactly those columns", async () => {
    const res = await post({ columns: ["document", "quantity", "extended_cost", "page"] });
    expect(res.status).toBe(202);
    const created = await res.json();
    expect(created.export.options.columns).toEqual(["document", "quantity", "extended_cost", "page"]);
    const done = await waitForExport(user, created.export_id);
    expect(done.status).toBe("completed");
    const url = new URL(done.download_url);
    const file = await callRoute("GET", `${url.pathname}${url.search}`);
    const parsed = Papa.parse<string[]>((await file.text()).replace(/^\uFEFF/, ""), { newline: "\r\n", skipEmptyLines: true });
    expect(parsed.data).toEqual([
      ["Document", "Quantity", "Extended Cost", "Page"],
      [SECOND_DOCUMENT, "125.5000", "686.49", "1"],
      [SECOND_DOCUMENT, "5.0000", "", "1"],
    ]);
  });
});
