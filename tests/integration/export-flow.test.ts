import Papa from "papaparse";
import { describe, expect, it } from "vitest";
import { callRoute, createTestProject, createTestUser, waitForExport } from "../helpers/app";
import { SPEC_CSV_HEADER } from "../fixtures/spec-csv-header";

const HEADER = SPEC_CSV_HEADER;

async function fetchSigned(url: string) {
  const u = new URL(url);
  return callRoute("GET", `${u.pathname}${u.search}`);
}

describe("a CSV export end to end", () => {
  it("goes pending → completed and downloads through a signed URL with the SPEC §6.1 rows", async () => {
    const user = await createTestUser();
    const project = await createTestProject(user);
    const docId = project.documents[0].id;

    const res = await callRoute("POST", `/api/documents/${docId}/export`, { as: user, body: { format: "csv" } });
    expect(res.status).toBe(202);
    const created = await res.json();
    expect(created).toMatchObject({ success: true, export_id: expect.any(String), task_id: expect.any(String) });
    expect(created.task_id).not.toBe(created.export_id);
    expect(res.headers.get("location")).toBe(`/api/exports/${created.export_id}`);
    expect(created.message).toBe('Export of "Structural Set.pdf" started as CSV. Follow it on the Exports page.');
    expect(created.export).toMatchObject({
      status: "pending",
      format: "csv",
      type: "document_export",
      name: "Structural Set export",
      download_url: null,
    });

    const done = await waitForExport(user, created.export_id);
    expect(done).toMatchObject({
      status: "completed",
      progress: 100,
      records_count: 5,
      rows_total: 5,
      file_name: "Structural-Set-export.csv",
      content_type: "text/csv; charset=utf-8",
    });
    expect(done.file_size).toBeGreaterThan(0);
    expect(done.checksum_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(new Date(done.expires_at).getTime() - new Date(done.completed_at).getTime()).toBe(7 * 24 * 3600 * 1000);
    expect(done.download_url).toMatch(/^http:\/\/localhost:3000\/api\/storage\/.+signature=/);

    const list = await (await callRoute("GET", "/api/exports", { as: user })).json();
    expect(list.exports[0].id).toBe(created.export_id);

    const download = await callRoute("GET", `/api/exports/${created.export_id}/download`, { as: user });
    expect(download.status).toBe(302);
    const file = await fetchSigned(download.headers.get("location")!);
    expect(file.status).toBe(200);
    expect(file.headers.get("content-disposition")).toContain('filename="Structural-Set-export.csv"');
    const bytes = Buffer.from(await file.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString("utf8").replace(/^\uFEFF/, "");
    expect(text.split("\r\n").length).toBe(7); // header + 5 rows + final CRLF
    const rows = Papa.parse<string[]>(text, { skipEmptyLines: true }).data;
    expect(rows[0]).toEqual(HEADER);
    expect(rows[1]).toEqual([
      "Floor Slab",
      "1",
      "S-001",
      "polygon",
      "500.0000",
      "SF",
      '{"points":[{"x":100,"y":100},{"x":500,"y":100},{"x":500,"y":400},{"x":100,"y":400}]}',
      "Yes",
      "Yes",
      "Main area slab",
    ]);
    expect(rows.slice(1).map((r) => r[0])).toEqual(["Floor Slab", "Floor Slab", "Floor Slab", "Continuous Footing", "Continuous Footing"]);

    const after = await (await callRoute("GET", `/api/exports/${created.export_id}`, { as: user })).json();
    expect(after.download_count).toBe(1);
  });

  it("names the format in the 202 message and the default description as the dashboard does", async () => {
    const user = await createTestUser();
    const project = await createTestProject(user);
    const docId = project.documents[0].id;
    for (const [format, label] of [
      ["excel", "Excel"],
      ["ost", "OST XML"],
    ]) {
      const res = await callRoute("POST", `/api/documents/${docId}/export`, { as: user, body: { format } });
      expect(res.status).toBe(202);
      const created = await res.json();
      expect(created.message).toBe(`Export of "Structural Set.pdf" started as ${label}. Follow it on the Exports page.`);
      expect(created.export.description).toBe(`${label} export of Structural Set.pdf`);
    }
  });

  it("refuses a tampered or expired storage URL with 403", async () => {
    const user = await createTestUser();
    const project = await createTestProject(user);
    const created = await (await callRoute("POST", `/api/projects/${project.id}/export`, { as: user, body: { format: "csv" } })).json();
    const done = await waitForExport(user, created.export_id);
    const url = new URL(done.download_url);
    const tampered = new URL(url);
    tampered.searchParams.set("expires", String(Number(url.searchParams.get("expires")) + 60));
    expect((await fetchSigned(tampered.toString())).status).toBe(403);
    const expired = new URL(url);
    expired.searchParams.set("expires", "1000");
    expect((await fetchSigned(expired.toString())).status).toBe(403);
  });

  it("answers bad input with the SPEC error shape and the right status", async () => {
    const user = await createTestUser();
    const other = await createTestUser();
    const project = await createTestProject(user);
    const docId = project.documents[0].id;

    const malformed = await callRoute("POST", `/api/documents/${docId}/export`, {
      as: user,
      rawBody: "{",
      headers: { "content-type": "application/json" },
    });
    expect(malformed.status).toBe(400);
    expect((await malformed.json()).error.code).toBe("invalid_json");

    const docx = await callRoute("POST", `/api/documents/${docId}/export`, { as: user, body: { format: "docx" } });
    expect(docx.status).toBe(422);
    const docxBody = await docx.json();
    expect(docxBody).toMatchObject({ success: false, error: { code: "validation_failed", details: [{ path: "format" }] } });
    expect(docxBody.error.message).toContain('Unsupported format "docx". Use one of: csv, excel, pdf, json, ost.');

    // Names of Object.prototype members are not formats (they once resolved through the alias table to a 500).
    for (const format of ["__proto__", "constructor", "toString", "hasOwnProperty"]) {
      const res = await callRoute("POST", `/api/documents/${docId}/export`, { as: user, body: { format } });
      expect(res.status, format).toBe(422);
      expect((await res.json()).error.details[0].path).toBe("format");
    }

    const unknownOption = await callRoute("POST", `/api/documents/${docId}/export`, {
      as: user,
      body: { format: "csv", options: { colour: "red" } },
    });
    expect(unknownOption.status).toBe(422);
    expect((await unknownOption.json()).error.details[0].path).toBe("options");

    expect((await callRoute("POST", `/api/documents/not-a-uuid/export`, { as: user, body: { format: "csv" } })).status).toBe(404);
    expect((await callRoute("POST", `/api/documents/${docId}/export`, { as: other, body: { format: "csv" } })).status).toBe(404);
    expect((await callRoute("POST", `/api/documents/${docId}/export`, { body: { format: "csv" } })).status).toBe(401);
    expect((await callRoute("GET", `/api/exports/00000000-0000-4000-8000-000000000000`, { as: user })).status).toBe(404);
    expect((await callRoute("GET", `/api/exports/nope/download`, { as: user })).status).toBe(404);
  });
});
