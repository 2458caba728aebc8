/**
 * Bundles (SPEC §14.3): several documents × formats in one streamed .zip,
 * read back by independent readers (Info-ZIP's `unzip -t`, Python's zipfile
 * and openpyxl, a CSV parser, JSON.parse), its manifest checked against the
 * files, and the refusals at creation.
 */
import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Papa from "papaparse";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { getDb } from "@/db";
import { callRoute, createTestProject, createTestUser, drainRunner, waitForExport, type TestUser } from "../helpers/app";
import {
  addMeasurements,
  gatedStorage,
  getExportJson,
  holdingRunner,
  installRunner,
  patchEnv,
  readExportRow,
  TestRunner,
  useTempDiskStorage,
} from "../helpers/export-jobs";
import { specExampleProject } from "../fixtures/spec-example";
import { SPEC_CSV_HEADER } from "../fixtures/spec-csv-header";

const PYTHON = "/usr/bin/python3";
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bundles-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The SPEC example with its project and document renamed; `documents` copies of its one document. */
function project(name: string, documents: string[]) {
  const base = specExampleProject();
  return { ...base, name, documents: documents.map((d) => ({ ...base.documents[0], name: d })) };
}

/** Runs `during` with a trigger logging every progress write of export `id`; returns the distinct (progress, step) in order. */
async function progressLog(id: string, during: () => Promise<unknown>): Promise<{ progress: number; step: string }[]> {
  const db = await getDb();
  const table = `progress_log_${id.replace(/-/g, "")}`;
  await db.execute(sql.raw(`create table ${table} (n bigserial primary key, progress int not null, step text)`));
  await db.execute(
    sql.raw(`create function ${table}() returns trigger language plpgsql as $$
      begin insert into ${table} (progress, step) values (new.progress, new.progress_step); return new; end $$`),
  );
  await db.execute(
    sql.raw(`create trigger ${table} after update of progress, progress_step on exports
      for each row when (new.id = '${id}') execute function ${table}()`),
  );
  try {
    await during();
    const rows = (await db.execute(sql.raw(`select progress, step from ${table} order by n`))) as unknown as
      { rows: { progress: number; step: string | null }[] } | { progress: number; step: string | null }[];
    const list = Array.isArray(rows) ? rows : rows.rows;
    const out: { progress: number; step: string }[] = [];
    for (const r of list) {
      const last = out.at(-1);
      if (!last || last.progress !== r.progress || last.step !== (r.step ?? "")) out.push({ progress: r.progress, step: r.step ?? "" });
    }
    return out;
  } finally {
    await db.execute(sql.raw(`drop trigger ${table} on exports`));
    await db.execute(sql.raw(`drop function ${table}()`));
    await db.execute(sql.raw(`drop table ${table}`));
  }
}

async function createBundle(user: TestUser, body: Record<string, unknown>, headers?: Record<string, string>) {
  const res = await callRoute("POST", "/api/exports", { as: user, body, headers });
  return { status: res.status, body: await res.json() };
}

async function download(user: TestUser, id: string): Promise<Buffer> {
  const res = await callRoute("GET", `/api/exports/${id}/download`, { as: user });
  expect(res.status).toBe(302);
  const u = new URL(res.headers.get("location")!);
  const file = await callRoute("GET", `${u.pathname}${u.search}`);
  expect(file.status).toBe(200);
  expect(file.headers.get("content-type")).toBe("application/zip");
  return Buffer.from(await file.arrayBuffer());
}

type PyEntry = { name: string; size: number; sha256: string; text: string | null; sheets: string[] | null };

/** Python's zipfile (every CRC checked) and openpyxl for the .xlsx entries. */
function readWithPython(file: string): { bad: string | null; entries: PyEntry[] } {
  const script = `
import hashlib, io, json, sys, zipfile, openpyxl
out = []
with zipfile.ZipFile(sys.argv[1]) as z:
    bad = z.testzip()
    for info in z.infolist():
        data = z.read(info)
        entry = {"name": info.filename, "size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "text": None, "sheets": None}
        if info.filename.endswith(".xlsx"):
            entry["sheets"] = openpyxl.load_workbook(io.BytesIO(data)).sheetnames
        else:
            entry["text"] = data.decode("utf-8")
        out.append(entry)
print(json.dumps({"bad": bad, "entries": out}))
`;
  const run = spawnSync(PYTHON, ["-c", script, file], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`python zipfile could not read ${file}:\n${run.stderr}`);
  return JSON.parse(run.stdout);
}

describe("bundles", () => {
  let storage: ReturnType<typeof useTempDiskStorage>;
  beforeAll(() => {
    installRunner(new TestRunner());
  });
  afterEach(async () => {
    await drainRunner();
    storage?.cleanup();
  });

  it("zips 3 documents of 2 projects × 3 formats with clashing unicode names, and a manifest that matches the files", async () => {
    storage = useTempDiskStorage();
    const user = await createTestUser();
    // Both project names sanitise to "Bâtiment-Nord"; both documents of the first to "Façade-Ω".
    const a = await createTestProject(user, project("Bâtiment: Nord", ["Façade Ω.pdf", "Façade Ω.dwg"]));
    const b = await createTestProject(user, project("Bâtiment/Nord", ["Façade Ω.pdf"]));
    const ids = [a.documents[0].id, a.documents[1].id, b.documents[0].id];

    const created = await createBundle(user, { source: { type: "documents", ids }, formats: ["csv", "xlsx", "json"] });
    expect(created.status).toBe(202);
    expect(created.body.message).toBe("Bundle of 3 documents (9 files: CSV, Excel, JSON) started as ZIP. Follow it on the Exports page.");
    expect(created.body.export).toMatchObject({
      type: "bulk_export",
      format: "zip",
      project_id: a.id,
      document_id: null,
      status: "pending",
    });
    expect(created.body.export.options.bundle).toMatchObject({ document_ids: ids, formats: ["csv", "excel", "json"] });

    const done = await waitForExport(user, created.body.export_id);
    expect(done).toMatchObject({
      status: "completed",
      progress: 100,
      content_type: "application/zip",
      file_name: "Bundle-of-3-documents.zip",
      records_count: 45,
      rows_total: 45,
    });
    const zip = await download(user, done.id);
    expect(crypto.createHash("sha256").update(zip).digest("hex")).toBe(done.checksum_sha256);
    const file = path.join(tmp, "bundle.zip");
    fs.writeFileSync(file, zip);

    // Info-ZIP prints names in the locale's charset: a UTF-8 one, so the names can be compared.
    const unzip = spawnSync("unzip", ["-t", file], { encoding: "utf8", env: { ...process.env, LC_ALL: "C.UTF-8" } });
    expect(unzip.status, unzip.stdout + unzip.stderr).toBe(0);
    expect(unzip.stdout).toContain("No errors detected");

    const { bad, entries } = readWithPython(file);
    expect(bad).toBeNull();
    const expectedPaths = [
      "Bâtiment-Nord/Façade-Ω.csv",
      "Bâtiment-Nord/Façade-Ω.xlsx",
      "Bâtiment-Nord/Façade-Ω.json",
      "Bâtiment-Nord/Façade-Ω-2.csv",
      "Bâtiment-Nord/Façade-Ω-2.xlsx",
      "Bâtiment-Nord/Façade-Ω-2.json",
      "Bâtiment-Nord-2/Façade-Ω.csv",
      "Bâtiment-Nord-2/Façade-Ω.xlsx",
      "Bâtiment-Nord-2/Façade-Ω.json",
    ];
    expect(entries.map((e) => e.name)).toEqual([...expectedPaths, "manifest.json"]);
    // Every entry name is UTF-8 flagged, so unzip lists the same names Python does.
    for (const p of expectedPaths) expect(unzip.stdout).toContain(p);

    const byName = new Map(entries.map((e) => [e.name, e]));
    const manifest = JSON.parse(byName.get("manifest.json")!.text!);
    expect(manifest.export_id).toBe(done.id);
    expect(new Date(manifest.generated_at).toISOString()).toBe(manifest.generated_at);
    expect(manifest.files.map((f: { path: string }) => f.path)).toEqual(expectedPaths);
    const docOf = [ids[0], ids[0], ids[0], ids[1], ids[1], ids[1], ids[2], ids[2], ids[2]];
    const projectOf = [a.id, a.id, a.id, a.id, a.id, a.id, b.id, b.id, b.id];
    manifest.files.forEach((f: Record<string, unknown>, i: number) => {
      const entry = byName.get(f.path as string)!;
      expect(f).toEqual({
        path: expectedPaths[i],
        project_id: projectOf[i],
        document_id: docOf[i],
        format: ["csv", "excel", "json"][i % 3],
        records: 5,
        bytes: entry.size,
        sha256: entry.sha256,
      });
    });

    for (const entry of entries) {
      if (entry.name.endsWith(".csv")) {
        const rows = Papa.parse<string[]>(entry.text!.replace(/^\uFEFF/, ""), { skipEmptyLines: true }).data;
        expect(rows[0]).toEqual([...SPEC_CSV_HEADER]);
        expect(rows).toHaveLength(6);
      } else if (entry.name.endsWith(".xlsx")) {
        expect(entry.sheets).toEqual(["Summary", "Floor Slab", "Continuous Footing", "By Page", "Cost Summary"]);
      } else if (entry.name.endsWith(".json") && entry.name !== "manifest.json") {
        const json = JSON.parse(entry.text!);
        expect(json.exportInfo.exportId).toBe(done.id);
        expect(json.document.name).toMatch(/^Façade Ω\.(pdf|dwg)$/);
        expect(json.summary.totalMeasurements).toBe(5);
      }
    }
  });

  it("applies options per format, validated for that format", async () => {
    storage = useTempDiskStorage();
    const user = await createTestUser();
    const p = await createTestProject(user);
    const created = await createBundle(user, {
      source: { type: "documents", ids: [p.documents[0].id] },
      formats: ["csv", "json"],
      options: { csv: { delimiter: ";", bom: false, include_unverified: false }, json: { pretty: false } },
    });
    expect(created.status).toBe(202);
    const done = await waitForExport(user, created.body.export_id);
    expect(done.status).toBe("completed");
    const file = path.join(tmp, "options.zip");
    fs.writeFileSync(file, await download(user, done.id));
    const { entries } = readWithPython(file);
    const csv = entries.find((e) => e.name.endsWith(".csv"))!.text!;
    expect(csv.startsWith("\uFEFF")).toBe(false);
    expect(csv.split("\r\n")[0]).toBe(SPEC_CSV_HEADER.join(";"));
    expect(csv.trim().split("\r\n")).toHaveLength(5); // the unverified row is left out
    const json = entries.find((e) => e.name.endsWith(".json") && e.name !== "manifest.json")!.text!;
    expect(json.includes("\n")).toBe(false);
  });

  it("refuses bad requests with 422 or 404 naming the part, and creates nothing", async () => {
    installRunner(holdingRunner());
    try {
      const user = await createTestUser();
      const other = await createTestUser();
      const p = await createTestProject(user);
      const theirs = await createTestProject(other);
      const doc = p.documents[0].id;
      const ids = (n: number) => Array.from({ length: n }, () => crypto.randomUUID());
      const cases: [Record<string, unknown>, number, string][] = [
        [{ source: { type: "documents", ids: [] }, formats: ["csv"] }, 422, "source.ids"],
        [{ source: { type: "documents", ids: ids(101) }, formats: ["csv"] }, 422, "source.ids"],
        [{ source: { type: "documents", ids: [doc] }, formats: [] }, 422, "formats"],
        [{ source: { type: "documents", ids: [doc] }, formats: ["csv", "excel", "pdf", "json", "ost", "csv"] }, 422, "formats"],
        [{ source: { type: "documents", ids: [doc] }, formats: ["csv", "excel", "xlsx"] }, 422, "formats[2]"],
        [{ source: { type: "documents", ids: [doc, doc.toUpperCase()] }, formats: ["csv"] }, 422, "source.ids[1]"],
        [{ source: { type: "documents", ids: [doc] }, formats: ["csv"], format: "csv" }, 422, "format"],
        [{ source: { type: "documents", ids: [doc] }, formats: ["docx"] }, 422, "formats[0]"],
        [{ source: { type: "documents", ids: [doc] }, formats: ["csv"], options: { csv: { pretty: true } } }, 422, "options.csv"],
        [{ source: { type: "documents", ids: [doc] }, formats: ["csv"], options: { pdf: {} } }, 422, "options.pdf"],
        [{ source: { type: "documents", ids: [doc] }, formats: ["csv"], options: { include_costs: false } }, 422, "options.include_costs"],
        [
          { source: { type: "documents", ids: [doc] }, formats: ["csv"], options: { csv: { condition_ids: [p.conditions[0].id] } } },
          422,
          "options.csv.condition_ids",
        ],
        [{ source: { type: "documents", ids: [doc, theirs.documents[0].id] }, formats: ["csv"] }, 404, "source.ids[1]"],
        [{ source: { type: "documents", ids: [doc, "not-a-uuid"] }, formats: ["csv"] }, 404, "source.ids[1]"],
      ];
      for (const [body, status, at] of cases) {
        const res = await createBundle(user, body);
        expect(res.status, JSON.stringify(body).slice(0, 200)).toBe(status);
        expect(res.body.success).toBe(false);
        const paths = (res.body.error.details ?? []).map((d: { path: string }) => d.path);
        expect(
          paths.some((p: string) => p === at || p.startsWith(`${at}.`) || p.startsWith(`${at}[`)),
          `${at} in ${paths}`,
        ).toBe(true);
      }
      const notFound = await createBundle(user, { source: { type: "documents", ids: [doc, theirs.documents[0].id] }, formats: ["csv"] });
      expect(notFound.body.error.message).toBe(`Document ${theirs.documents[0].id} not found`);
      const list = await (await callRoute("GET", "/api/exports", { as: user })).json();
      expect(list.total).toBe(0);
    } finally {
      installRunner(new TestRunner());
    }
  });

  it("refuses a bundle whose PDF part would pass PDF_MAX_ROWS, naming the document", async () => {
    installRunner(holdingRunner());
    const undo = patchEnv({ PDF_MAX_ROWS: 6 });
    try {
      const user = await createTestUser();
      const p = await createTestProject(user, project("Tower", ["Small.pdf"]));
      const big = await createTestProject(user, project("Annex", ["Big Set.pdf"]));
      await addMeasurements(big, 2);
      const ids = [p.documents[0].id, big.documents[0].id];
      const res = await createBundle(user, { source: { type: "documents", ids }, formats: ["csv", "pdf"] });
      expect(res.status).toBe(422);
      expect(res.body.error.message).toContain('"Big Set.pdf" has 7 measurements');
      expect(res.body.error.details).toEqual([{ path: "source.ids[1]", message: `document ${ids[1]} is over the PDF row cap` }]);
      // Without the PDF the same documents are fine.
      expect((await createBundle(user, { source: { type: "documents", ids }, formats: ["csv", "excel"] })).status).toBe(202);
    } finally {
      undo();
      installRunner(new TestRunner());
    }
  });

  it("de-duplicates an identical bundle in flight and replays an Idempotency-Key", async () => {
    installRunner(holdingRunner());
    try {
      const user = await createTestUser();
      const p = await createTestProject(user);
      const body = { source: { type: "documents", ids: [p.documents[0].id] }, formats: ["csv", "ost"] };
      const first = await createBundle(user, body, { "idempotency-key": "bundle-1" });
      expect(first.status).toBe(202);
      const again = await createBundle(user, body, { "idempotency-key": "bundle-1" });
      expect(again).toMatchObject({ status: 200, body: { export_id: first.body.export_id } });
      const twin = await createBundle(user, body);
      expect(twin).toMatchObject({ status: 200, body: { deduplicated: true, export_id: first.body.export_id } });
      const reused = await createBundle(user, { ...body, formats: ["csv"] }, { "idempotency-key": "bundle-1" });
      expect(reused.status).toBe(422);
    } finally {
      installRunner(new TestRunner());
    }
  });

  it("reports progress across parts; a cancel mid-bundle stops it and leaves no file, and a retry makes it whole", async () => {
    const disk = useTempDiskStorage();
    storage = disk;
    const gated = gatedStorage(disk);
    const { setStorageForTests } = await import("@/lib/storage");
    setStorageForTests(gated.storage);
    const user = await createTestUser();
    const p = await createTestProject(user, project("Tower", ["One.pdf", "Two.pdf", "Three.pdf"]));
    await addMeasurements(p, 30_000);
    const created = await createBundle(user, {
      source: { type: "documents", ids: p.documents.map((d) => d.id) },
      formats: ["csv", "json"],
    });
    expect(created.status).toBe(202);
    const id = created.body.export_id;
    await gated.uploading;
    const steps: string[] = [];
    for (let i = 0; i < 100 && steps.length === 0; i++) {
      const row = await readExportRow(id);
      if (row?.progressStep?.startsWith("Part ")) steps.push(row.progressStep);
      else await new Promise((r) => setTimeout(r, 20));
    }
    expect(steps[0]).toMatch(/^Part 1 of 6: Tower\/One\.csv/);
    const cancel = await callRoute("POST", `/api/exports/${id}/cancel`, { as: user });
    expect(cancel.status).toBe(200);
    gated.open();
    await drainRunner();
    const row = await getExportJson(user, id);
    expect(row.status).toBe("cancelled");
    expect(row.file_key).toBeNull();
    expect(fs.readdirSync(disk.dir, { recursive: true }).filter((f) => String(f).endsWith(".zip"))).toEqual([]);

    setStorageForTests(disk);
    const retry = await callRoute("POST", `/api/exports/${id}/retry`, { as: user });
    expect(retry.status).toBe(202);
    const done = await waitForExport(user, id);
    expect(done).toMatchObject({ status: "completed", records_count: 2 * (30_005 + 5 + 5) });
    const file = path.join(tmp, "retried.zip");
    fs.writeFileSync(file, await download(user, id));
    const { bad, entries } = readWithPython(file);
    expect(bad).toBeNull();
    expect(entries.map((e) => e.name)).toEqual([
      "Tower/One.csv",
      "Tower/One.json",
      "Tower/Two.csv",
      "Tower/Two.json",
      "Tower/Three.csv",
      "Tower/Three.json",
      "manifest.json",
    ]);
  });

  it("moves its progress forward part after part up to completion, then exports again and deletes like any export", async () => {
    storage = useTempDiskStorage();
    const user = await createTestUser();
    const p = await createTestProject(user, project("Tower", ["One.pdf", "Two.pdf"]));
    await addMeasurements(p, 20_000);
    const created = await createBundle(user, { source: { type: "documents", ids: p.documents.map((d) => d.id) }, formats: ["csv", "ost"] });
    const id = created.body.export_id;
    // Every progress write of this export, in order, logged by a trigger: polling would see only
    // the writes that happened to land between two polls, and parts are quick on PostgreSQL.
    const seen = await progressLog(id, () => waitForExport(user, id));
    expect(seen.at(-1)).toEqual({ progress: 100, step: "Completed" });
    const percents = seen.map((s) => s.progress);
    expect([...percents].sort((x, y) => x - y)).toEqual(percents);
    const parts = new Set(seen.map((s) => /^Part (\d) of 4/.exec(s.step)?.[1]).filter(Boolean));
    expect(parts.size).toBeGreaterThanOrEqual(2);

    const again = await callRoute("POST", `/api/exports/${id}/duplicate`, { as: user });
    expect(again.status).toBe(202);
    const copy = (await again.json()).export;
    expect(copy).toMatchObject({ type: "bulk_export", format: "zip", duplicate_of: id, options: created.body.export.options });
    expect((await waitForExport(user, copy.id)).status).toBe("completed");

    const del = await callRoute("DELETE", `/api/exports/${id}`, { as: user });
    expect(del.status).toBe(204);
    const list = await (await callRoute("GET", "/api/exports?format=zip&type=bulk_export", { as: user })).json();
    expect(list.exports.map((e: { id: string }) => e.id)).toEqual([copy.id]);
  });
});
