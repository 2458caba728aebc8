// Exports of one document in every format from the dialog, followed live on the Exports page, downloaded and read back with independent readers.
import fs from "node:fs";
import Papa from "papaparse";
import * as XLSX from "xlsx";
import { expect, test, type Page } from "@playwright/test";
import { apiGet, importProject, pdfText, signUp, type ExportJson } from "./helpers";
import { SPEC_CSV_HEADER } from "../fixtures/spec-csv-header";

const CSV_HEADER = SPEC_CSV_HEADER;

async function openDialog(page: Page, documentName: string) {
  await page
    .getByRole("button", { name: `Export ${documentName}` })
    .first()
    .click();
  const dialog = page.getByRole("dialog", { name: `Export ${documentName}` });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole("radio").first()).toBeVisible();
  return dialog;
}

async function download(page: Page, row: ReturnType<Page["getByTestId"]>) {
  const pending = page.waitForEvent("download");
  await row.getByRole("link", { name: /^Download/ }).click();
  const file = await pending;
  return { name: file.suggestedFilename(), path: (await file.path())! };
}

test("a document exports in every format from the dialog; the Exports page follows them live and every file reads back", async ({
  page,
}) => {
  await signUp(page, "formats");
  const project = await importProject(page, {
    name: "Harbor View Tower",
    documents: [{ name: "Structural Set.pdf", pages: 2 }],
    perPage: 5,
  });
  const doc = project.documents[0];
  const rows = project.measurements_count;

  await page.goto(`/dashboard/documents/${doc.id}`);
  await expect(page.getByRole("heading", { level: 1, name: "Structural Set.pdf" })).toBeVisible();
  await expect(page.getByRole("table", { name: /Takeoff of Structural Set.pdf/ })).toContainText("Floor Slab");

  // Each format card has a description, and the chosen format's options show with their defaults.
  const dialog = await openDialog(page, doc.name);
  for (const label of ["CSV", "Excel", "PDF", "JSON", "OST XML"]) {
    await expect(dialog.getByRole("radio", { name: new RegExp(`^${label}\\b`) })).toBeVisible();
  }
  await expect(dialog.getByRole("radio", { name: /^CSV/ })).toBeChecked();
  await expect(dialog.getByLabel("Delimiter")).toHaveValue(",");
  await expect(dialog.getByLabel(/byte order mark/)).toBeChecked();
  // CSV has costs only in cost columns (SPEC §12.2): its switch shows once one is chosen.
  await expect(dialog.getByLabel("Include costs")).toHaveCount(0);
  await expect(dialog.getByLabel("Name", { exact: true })).toHaveValue("Structural Set export");
  await dialog.getByRole("radio", { name: /^PDF/ }).check();
  await expect(dialog.getByLabel("Include costs")).toBeChecked();
  await expect(dialog.getByLabel("Page size")).toHaveValue("letter");
  await expect(dialog.getByLabel("Orientation")).toHaveValue("portrait");
  await expect(dialog.getByLabel("Delimiter")).toHaveCount(0);
  await dialog.getByRole("radio", { name: /^JSON/ }).check();
  await expect(dialog.getByLabel(/Indent the JSON/)).toBeChecked();
  // Escape closes it without exporting.
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();

  const formats = [
    { id: "csv", label: "CSV" },
    { id: "excel", label: "Excel" },
    { id: "pdf", label: "PDF" },
    { id: "json", label: "JSON" },
    { id: "ost", label: "OST XML" },
  ];
  for (const f of formats) {
    const d = await openDialog(page, doc.name);
    await d.getByRole("radio", { name: new RegExp(`^${f.label}\\b`) }).check();
    await d.getByLabel("Name", { exact: true }).fill(`Harbor ${f.id} export`);
    const submit = d.getByRole("button", { name: `Start ${f.label} export` });
    // A double click must not make two exports.
    if (f.id === "csv") await submit.dblclick();
    else await submit.click();
    await expect(d).toBeHidden();
    await expect(
      page
        .getByTestId("toast")
        .filter({ hasText: `Export of "${doc.name}" started as` })
        .last(),
    ).toBeVisible();
  }
  // The button follows the last export and offers its file.
  await expect(page.getByTestId("inline-download")).toBeVisible({ timeout: 60_000 });

  const all = await apiGet<{ exports: ExportJson[]; total: number }>(page, "/api/exports?limit=100");
  expect(all.total).toBe(5);
  expect(all.exports.filter((e) => e.name === "Harbor csv export")).toHaveLength(1);

  // Nothing below reloads the page: completion must arrive by polling.
  await page.getByRole("link", { name: "Exports", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Exports" })).toBeVisible();
  // A marker on window survives client-side updates but not a reload.
  await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
  for (const f of formats) {
    const row = page.getByTestId("export-row").filter({ hasText: `Harbor ${f.id} export` });
    await expect(row).toHaveAttribute("data-status", "completed", { timeout: 60_000 });
  }
  await expect(page.getByTestId("export-stats")).toContainText(/Completed\s*5/);

  const row = (id: string) => page.getByTestId("export-row").filter({ hasText: `Harbor ${id} export` });

  // CSV: RFC 4180 with a BOM, one row per measurement.
  const csv = await download(page, row("csv"));
  expect(csv.name).toMatch(/\.csv$/);
  const csvText = fs.readFileSync(csv.path, "utf8");
  expect(csvText.charCodeAt(0)).toBe(0xfeff);
  const parsed = Papa.parse<string[]>(csvText.replace(/^\uFEFF/, ""), { skipEmptyLines: true });
  expect(parsed.errors).toEqual([]);
  expect(parsed.data[0]).toEqual(CSV_HEADER);
  expect(parsed.data).toHaveLength(rows + 1);
  // Formula injection is defused.
  expect(parsed.data.some((r) => r[9] === "'=SUM(A1) injected?")).toBe(true);

  // Excel: the Summary sheet names the project; By Page has every row.
  const xlsx = await download(page, row("excel"));
  expect(xlsx.name).toMatch(/\.xlsx$/);
  const book = XLSX.read(fs.readFileSync(xlsx.path));
  expect(book.SheetNames[0]).toBe("Summary");
  expect(book.SheetNames).toContain("By Page");
  expect(String(book.Sheets.Summary.A1.v)).toContain("Harbor View Tower");
  const byPage = XLSX.utils.sheet_to_json<unknown[]>(book.Sheets["By Page"], { header: 1 });
  expect(byPage.length).toBe(rows + 1);

  // PDF: a real PDF whose text has the title.
  const pdf = await download(page, row("pdf"));
  expect(pdf.name).toMatch(/\.pdf$/);
  expect(fs.readFileSync(pdf.path).subarray(0, 5).toString("latin1")).toBe("%PDF-");
  const text = pdfText(pdf.path);
  expect(text).toMatch(/Structural Set|Harbor View Tower/);
  expect(text).toContain("Floor Slab");

  // JSON: parses, with provenance and every measurement.
  const json = await download(page, row("json"));
  expect(json.name).toMatch(/\.json$/);
  const snapshot = JSON.parse(fs.readFileSync(json.path, "utf8"));
  expect(snapshot.exportInfo.format).toBe("takeoff-export-v1");
  expect(snapshot.document.name).toBe("Structural Set.pdf");
  expect(snapshot.summary.totalMeasurements).toBe(rows);

  // OST XML: well-formed (the browser's own XML parser) with an OSTProject root.
  const ost = await download(page, row("ost"));
  expect(ost.name).toMatch(/\.xml$/);
  const xml = fs.readFileSync(ost.path, "utf8");
  const root = await page.evaluate((source) => {
    const d = new DOMParser().parseFromString(source, "application/xml");
    return d.getElementsByTagName("parsererror").length ? "parsererror" : d.documentElement.nodeName;
  }, xml);
  expect(root).toBe("OSTProject");

  // Downloads are counted (the table refreshes after a download starts).
  await expect(row("csv").getByRole("cell").nth(7)).toHaveText("1", { timeout: 10_000 });
  expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);

  // The details page: every field and the timeline with the download.
  await row("csv")
    .getByRole("link", { name: /^Details/ })
    .click();
  const detail = page.getByTestId("export-detail");
  await expect(detail).toHaveAttribute("data-status", "completed");
  await expect(detail).toContainText(csv.name);
  await expect(detail).toContainText(/[0-9a-f]{64}/);
  await expect(detail.getByTestId("export-options")).toContainText("Comma (,)");
  const timeline = detail.getByTestId("export-timeline");
  for (const event of ["created", "started", "completed", "downloaded"]) {
    await expect(timeline.locator(`[data-event="${event}"]`).first()).toBeVisible();
  }

  // Renaming keeps the file and shows the new name at once.
  await page.getByRole("button", { name: "Rename" }).click();
  const rename = page.getByRole("dialog", { name: "Rename export" });
  await rename.getByLabel("Name").fill("Harbor takeoff rows");
  await rename.getByRole("button", { name: "Save" }).click();
  await expect(rename).toBeHidden();
  await expect(page.getByRole("heading", { level: 1, name: "Harbor takeoff rows" })).toBeVisible();
  expect((await apiGet<ExportJson>(page, `/api/exports/${page.url().split("/").pop()}`)).name).toBe("Harbor takeoff rows");
});
