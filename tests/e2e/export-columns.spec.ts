// The export dialog's column picker (SPEC §12.2): a project's default names the document; columns are removed, moved with the keyboard and added; the CSV downloaded has that header order.
import fs from "node:fs";
import Papa from "papaparse";
import { expect, test } from "@playwright/test";
import { importProject, signUp } from "./helpers";
import { SPEC_CSV_HEADER } from "../fixtures/spec-csv-header";

const CSV_PROJECT_DEFAULT = [...SPEC_CSV_HEADER, "Document"];

test("columns picked in the dialog, moved with the keyboard, come out of the CSV in that order", async ({ page }) => {
  await signUp(page, "columns");
  const project = await importProject(page, {
    name: "Two Sets Tower",
    documents: [
      { name: "Structural Set.pdf", pages: 2 },
      { name: "Архитектура.pdf", pages: 1 },
    ],
    perPage: 2,
  });
  // A phone-sized window: the picker must work without sideways scrolling.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`/dashboard/projects/${project.id}`);
  await page.getByRole("button", { name: /^Export project/ }).click();
  const dialog = page.getByRole("dialog", { name: "Export Two Sets Tower" });
  await expect(dialog.getByRole("radio", { name: /^CSV/ })).toBeChecked();

  // The default comes from the catalogue: a project's CSV ends with Document.
  const columns = dialog.getByRole("list", { name: "Chosen columns" });
  const items = columns.getByTestId("column-item");
  await expect(items).toHaveText(CSV_PROJECT_DEFAULT);
  // CSV has costs only in cost columns: no "Include costs" until one is chosen.
  await expect(dialog.getByLabel("Include costs")).toHaveCount(0);
  await expect(dialog.getByRole("button", { name: "Reset to default" })).toBeDisabled();

  // Remove Coordinates; the focus moves on to the next column's Remove.
  await dialog.getByRole("button", { name: "Remove Coordinates" }).click();
  await expect(dialog.getByRole("button", { name: "Remove Verified" })).toBeFocused();

  // Move Document to the top with the keyboard: the focus stays on its button, then moves to "down" at the top.
  const up = dialog.getByRole("button", { name: "Move Document up" });
  await up.focus();
  for (let i = 0; i < 9; i++) {
    await page.keyboard.press("Enter");
    if (i < 8) await expect(up).toBeFocused();
  }
  await expect(up).toBeDisabled();
  await expect(dialog.getByRole("button", { name: "Move Document down" })).toBeFocused();
  await expect(items.first()).toHaveText("Document");
  await expect(dialog.getByText("Document moved to position 1 of 10.")).toBeAttached();

  // Add Extended Cost: costs turn on and the switch shows.
  await dialog.getByLabel("Add a column").selectOption({ label: "Extended Cost (includes costs)" });
  await dialog.getByRole("button", { name: "Add", exact: true }).click();
  await expect(items.last()).toHaveText("Extended Cost");
  await expect(dialog.getByLabel("Include costs")).toBeChecked();
  await expect(dialog.getByRole("button", { name: "Reset to default" })).toBeEnabled();

  const width = await dialog.evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
  expect(width.scroll).toBeLessThanOrEqual(width.client);

  await dialog.getByLabel("Name", { exact: true }).fill("Columns export");
  await dialog.getByRole("button", { name: "Start CSV export" }).click();
  await expect(dialog).toBeHidden();
  const download = page.getByTestId("inline-download");
  await expect(download).toBeVisible({ timeout: 60_000 });
  const pending = page.waitForEvent("download");
  await download.click();
  const file = await (await pending).path();

  const parsed = Papa.parse<string[]>(fs.readFileSync(file!, "utf8").replace(/^\uFEFF/, ""), { skipEmptyLines: true });
  expect(parsed.errors).toEqual([]);
  expect(parsed.data[0]).toEqual([
    "Document",
    "Condition",
    "Page",
    "Sheet Number",
    "Geometry Type",
    "Quantity",
    "Unit",
    "Verified",
    "AI Generated",
    "Notes",
    "Extended Cost",
  ]);
  expect(parsed.data).toHaveLength(1 + 3 * 2);
  expect(new Set(parsed.data.slice(1).map((r) => r[0]))).toEqual(new Set(["Structural Set.pdf", "Архитектура.pdf"]));
  // Floor Slab rows: 500 × 5.47; footing rows have no unit cost.
  expect(parsed.data.slice(1).map((r) => r[10])).toContain("2735.00");
  expect(parsed.data.slice(1).map((r) => r[10])).toContain("");
});
