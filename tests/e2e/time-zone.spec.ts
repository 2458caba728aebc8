// The export dialog's time zone: a searchable combobox of today's IANA names (Asia/Kolkata, never Asia/Calcutta), run with the keyboard, and the zone picked is the one the export is made with.
import { expect, test } from "@playwright/test";
import { importProject, signUp } from "./helpers";

test("an estimator finds Kolkata by typing, picks it with the keyboard, and the export is made in Asia/Kolkata", async ({ page }) => {
  await signUp(page, "tz");
  const project = await importProject(page, { name: "Lakeside Depot" });
  const doc = project.documents[0];
  await page.goto(`/dashboard/documents/${doc.id}`);
  // Chromium on the test machine runs in UTC: the suggestion is UTC itself.
  await page.getByRole("button", { name: `Export ${doc.name}` }).click();
  const dialog = page.getByRole("dialog", { name: `Export ${doc.name}` });
  const zone = dialog.getByRole("combobox", { name: "Time zone" });
  await expect(zone).toHaveValue("UTC");
  await expect(zone).toHaveAttribute("aria-expanded", "false");

  // ↓ opens the list at the current zone; Escape closes the list and leaves the dialog open.
  await zone.focus();
  await page.keyboard.press("ArrowDown");
  await expect(zone).toHaveAttribute("aria-expanded", "true");
  const list = dialog.getByRole("listbox", { name: "Time zones" });
  await expect(list).toBeVisible();
  await expect(list.getByRole("option", { name: /^UTC/ })).toBeVisible();
  await expect(list.getByRole("option", { name: /Asia\/Calcutta/ })).toHaveCount(0);
  await expect(list.getByRole("option", { name: /Asia\/Kolkata/ })).toHaveCount(1);
  await page.keyboard.press("Escape");
  await expect(zone).toHaveAttribute("aria-expanded", "false");
  await expect(dialog).toBeVisible();

  // The old spelling still finds the zone, under today's name.
  await zone.fill("Calcutta");
  await expect(list.getByRole("option")).toHaveText([/^Asia\/Kolkata/]);
  await zone.fill("Kolkata");
  await expect(list.getByRole("option")).toHaveCount(1);
  const kolkata = list.getByRole("option", { name: /Asia\/Kolkata/ });
  await expect(kolkata).toHaveAttribute("aria-selected", "true");
  await expect(zone).toHaveAttribute("aria-activedescendant", (await kolkata.getAttribute("id"))!);
  // Enter picks the zone and does not submit the form.
  await page.keyboard.press("Enter");
  await expect(zone).toHaveValue("Asia/Kolkata");
  await expect(zone).toHaveAttribute("aria-expanded", "false");
  await expect(dialog).toBeVisible();

  await dialog.getByRole("button", { name: /Start CSV export/ }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("toast").filter({ hasText: "Export started" })).toBeVisible();

  await page.goto("/dashboard/exports");
  const row = page.getByTestId("export-row").first();
  await row.getByRole("link", { name: /Details/ }).click();
  const options = page.getByTestId("export-options");
  await expect(options).toContainText("Time zone");
  await expect(options).toContainText("Asia/Kolkata");
  // A CSV without cost columns has no costs: the option is not listed.
  await expect(options).not.toContainText("Include costs");
});
