// Share links and download analytics in the browser (SPEC §14.2, §14.4): share from the dashboard, download without a session, see it on the chart.
import { createHash } from "node:crypto";
import fs from "node:fs";
import { expect, test } from "@playwright/test";
import { apiGet, importProject, signUp, startExport, waitForExport } from "./helpers";

test("share a completed export, download it in a fresh browser without a session, and see the download on the chart", async ({
  page,
  browser,
}) => {
  await signUp(page, "shares");
  const project = await importProject(page, { name: "Share Tower", documents: [{ name: "Shared Set.pdf", pages: 2 }] });
  const started = await startExport(page, project.documents[0].id, { format: "csv", name: "Bid package for Acme" });
  await waitForExport(page, started.id, ["completed"]);
  const exp = await apiGet<{ checksum_sha256: string; file_name: string }>(page, `/api/exports/${started.id}`);

  // The owner makes a link on the details page.
  await page.goto(`/dashboard/exports/${started.id}`);
  await page.getByTestId("share-button").click();
  const dialog = page.getByRole("dialog", { name: "Share this export" });
  await dialog.getByLabel(/^Label/).fill("Acme Drywall");
  await dialog.getByLabel(/^Download limit/).fill("3");
  await dialog.getByRole("button", { name: "Create link" }).click();
  const urlField = dialog.getByTestId("share-url");
  await expect(urlField).toHaveValue(/\/s\/[A-Za-z0-9_-]{22}$/);
  const url = await urlField.inputValue();
  await expect(dialog.getByRole("button", { name: "Copy link" })).toBeVisible();
  const row = dialog.getByTestId("share-row").filter({ hasText: "Acme Drywall" });
  await expect(row).toHaveAttribute("data-state", "active");
  await expect(row.getByTestId("share-downloads")).toHaveText("0 of 3 downloads");
  await dialog.getByRole("button", { name: "Close" }).click();

  // A recipient without an account opens it in a fresh browser context.
  const visitor = await browser.newContext({ acceptDownloads: true });
  try {
    const recipient = await visitor.newPage();
    const response = await recipient.goto(url);
    expect(response!.status()).toBe(200);
    expect(response!.headers()["x-robots-tag"]).toContain("noindex");
    expect(response!.headers()["referrer-policy"]).toBe("no-referrer");
    await expect(recipient.locator('meta[name="robots"]')).toHaveAttribute("content", /noindex/);
    await expect(recipient.getByRole("heading", { name: "Bid package for Acme" })).toBeVisible();
    await expect(recipient.getByText("Document: Shared Set.pdf")).toBeVisible();
    await expect(recipient.getByTestId("share-checksum")).toHaveText(exp.checksum_sha256);

    const downloadPromise = recipient.waitForEvent("download");
    await recipient.getByRole("link", { name: "Download" }).click();
    const download = await downloadPromise;
    expect(download.suggestedFilename()).toBe(exp.file_name);
    const bytes = fs.readFileSync((await download.path())!);
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(exp.checksum_sha256);
    expect((await visitor.cookies()).filter((c) => c.name.includes("session"))).toEqual([]);
  } finally {
    await visitor.close();
  }

  // Back on the dashboard: the link counted it, and the chart shows it under "Share links".
  await page.reload();
  await page.getByTestId("share-button").click();
  await expect(page.getByTestId("share-row").filter({ hasText: "Acme Drywall" }).getByTestId("share-downloads")).toContainText(
    "1 of 3 downloads · last",
  );
  await page.keyboard.press("Escape");

  await page.goto("/dashboard/exports");
  const chart = page.getByTestId("downloads-chart");
  await expect(chart).toHaveAttribute("data-total", "1");
  await expect(chart.getByRole("img")).toHaveAccessibleName(/1 download in all \(Dashboard 0, API 0, Share links 1\)/);
  await expect(chart.locator('g[data-downloads="1"]')).toHaveCount(1);
  await expect(chart.getByRole("table")).toContainText("Share links");

  // A download from the dashboard refreshes the chart without reloading the page.
  const tableRow = page.getByTestId("export-row").filter({ hasText: "Bid package for Acme" });
  const ownDownload = page.waitForEvent("download");
  await tableRow.getByRole("link", { name: /Download/ }).click();
  await ownDownload;
  await expect(chart).toHaveAttribute("data-total", "2");
  await expect(chart.getByRole("img")).toHaveAccessibleName(/2 downloads in all \(Dashboard 1, API 0, Share links 1\)/);
});
