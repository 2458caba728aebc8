import fs from "node:fs";
import Papa from "papaparse";
import { expect, test } from "@playwright/test";
import { SPEC_CSV_HEADER } from "../fixtures/spec-csv-header";

const HEADER = SPEC_CSV_HEADER;

test("sign in as the demo user, export a document as CSV, watch it complete and download it", async ({ page }) => {
  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.getByTestId("demo-credentials")).toContainText("demo@example.com");
  await page.getByLabel("Email").fill("demo@example.com");
  await page.getByLabel("Password").fill("demo-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Projects" })).toBeVisible();

  const riverside = page.getByRole("region", { name: "Riverside Medical Office Building" });
  const docItem = riverside.getByRole("listitem").filter({ hasText: "Structural Set.pdf" });
  const measurements = Number(
    (await docItem.getByText(/measurements/).textContent())!.match(/(\d[\d,]*) measurements/)![1].replace(/,/g, ""),
  );
  expect(measurements).toBeGreaterThan(0);

  await docItem.getByRole("button", { name: "Export Structural Set.pdf" }).click();
  const dialog = page.getByRole("dialog", { name: "Export Structural Set.pdf" });
  await expect(dialog.getByRole("radio", { name: /CSV/ })).toBeChecked();
  await dialog.getByRole("button", { name: /Start CSV export/ }).click();
  await expect(page.getByTestId("toast").filter({ hasText: "Export started" })).toBeVisible();

  await page.getByRole("link", { name: "Exports", exact: true }).click();
  const row = page.getByTestId("export-row").filter({ hasText: "Structural Set export" }).first();
  await expect(row.getByTestId("export-status")).toHaveAttribute("data-status", "completed");

  const downloadPromise = page.waitForEvent("download");
  await row.getByRole("link", { name: "Download" }).click();
  const download = await downloadPromise;
  expect(download.suggestedFilename()).toBe("Structural-Set-export.csv");
  const text = fs.readFileSync((await download.path())!, "utf8");
  expect(text.charCodeAt(0)).toBe(0xfeff);
  expect(text).toContain("\r\n");
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ""), { skipEmptyLines: true });
  expect(parsed.errors).toEqual([]);
  expect(parsed.data[0]).toEqual(HEADER);
  expect(parsed.data).toHaveLength(measurements + 1);
  await expect(row).toContainText("1");
});
