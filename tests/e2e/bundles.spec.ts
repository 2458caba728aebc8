/**
 * Bundles in the browser (SPEC §14.3): tick documents on the project page,
 * "Export selected" with three formats, one job; it completes and downloads
 * as one .zip that Python's zipfile reads, with the files and manifest.json.
 */
import { execFileSync } from "node:child_process";
import { expect, test } from "@playwright/test";
import { importProject, signUp } from "./helpers";

test("select documents on the project page, export them as one zip and download it", async ({ page }) => {
  await signUp(page, "bundles");
  const project = await importProject(page, {
    name: "Harbour Tower",
    documents: [
      { name: "Structural Set.pdf", pages: 2 },
      { name: "Architectural Set.pdf", pages: 1 },
      { name: "Civil Set.pdf", pages: 1 },
    ],
  });
  await page.goto(`/dashboard/projects/${project.id}`);

  const exportSelected = page.getByRole("button", { name: "Export selected" });
  await expect(exportSelected).toBeDisabled();
  await page.getByRole("checkbox", { name: "Select Structural Set.pdf" }).check();
  await page.getByRole("checkbox", { name: "Select Civil Set.pdf" }).check();
  await expect(page.getByTestId("selected-count")).toHaveText("2 documents selected");

  await exportSelected.click();
  const dialog = page.getByRole("dialog", { name: "Export selected documents" });
  await expect(dialog.getByRole("checkbox", { name: "CSV" })).toBeChecked();
  await expect(dialog.getByRole("checkbox", { name: "Excel" })).toBeChecked();
  await dialog.getByRole("checkbox", { name: "JSON" }).check();
  await dialog.getByRole("button", { name: "Export 6 files as ZIP" }).click();

  const toast = page.getByTestId("toast").filter({ hasText: "Bundle started" });
  await expect(toast).toContainText("Bundle of 2 documents (6 files: CSV, Excel, JSON) started as ZIP.");
  await expect(toast.getByRole("link", { name: "Open the export" })).toHaveAttribute("href", /\/dashboard\/exports\/[0-9a-f-]{36}$/);

  const link = page.getByTestId("bundle-download");
  await expect(link).toBeVisible({ timeout: 60_000 });
  const downloadPromise = page.waitForEvent("download");
  await link.click();
  const download = await downloadPromise;
  expect(download.suggestedFilename()).toBe("Bundle-of-2-documents.zip");

  const listing = execFileSync(
    "/usr/bin/python3",
    [
      "-c",
      "import json, sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; " +
        "print(json.dumps({'names': z.namelist(), 'manifest': json.loads(z.read('manifest.json'))}))",
      (await download.path())!,
    ],
    { encoding: "utf8" },
  );
  const { names, manifest } = JSON.parse(listing) as { names: string[]; manifest: { files: { path: string; records: number }[] } };
  expect(names).toEqual([
    "Harbour-Tower/Structural-Set.csv",
    "Harbour-Tower/Structural-Set.xlsx",
    "Harbour-Tower/Structural-Set.json",
    "Harbour-Tower/Civil-Set.csv",
    "Harbour-Tower/Civil-Set.xlsx",
    "Harbour-Tower/Civil-Set.json",
    "manifest.json",
  ]);
  expect(manifest.files.map((f) => f.path)).toEqual(names.slice(0, 6));

  // The exports page lists it as ZIP.
  await page.goto("/dashboard/exports");
  const row = page.getByTestId("export-row").filter({ hasText: "Bundle of 2 documents" });
  await expect(row).toContainText("ZIP");

  // Phone width: the project page's selection toolbar fits without scrolling sideways.
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto(`/dashboard/projects/${project.id}`);
  await expect(page.getByRole("button", { name: "Export selected" })).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
});
