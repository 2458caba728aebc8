// Every page (and the dialogs) scanned with axe — no serious or critical violations — and photographed at phone and desktop widths.
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { importProject, screenshot, signUp, startExport, trySetUploadFault, waitForExport } from "./helpers";

const WIDTHS = [
  { name: "phone", width: 375, height: 812 },
  { name: "desktop", width: 1280, height: 900 },
];

async function scan(page: Page, label: string) {
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"])
    .analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  const report = bad
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes
          .map((n) => n.target.join(" "))
          .slice(0, 5)
          .join("\n  ")}`,
    )
    .join("\n");
  expect(bad, `${label}:\n${report}`).toEqual([]);
}

async function check(page: Page, label: string, fullPage = true) {
  for (const size of WIDTHS) {
    await page.setViewportSize({ width: size.width, height: size.height });
    // Nothing may overflow sideways at any width.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, `${label} scrolls sideways at ${size.width}px`).toBeLessThanOrEqual(0);
    await scan(page, `${label} @ ${size.width}px`);
    await screenshot(page, `${label}-${size.name}`, fullPage);
  }
}

test("every page is accessible and looks right from 375 px to desktop", async ({ page }) => {
  test.setTimeout(180_000);
  for (const path of ["/sign-in", "/sign-up"]) {
    await page.goto(path);
    await check(page, path.slice(1));
  }

  await signUp(page, "a11y");
  const project = await importProject(page, {
    name: "Riverside Clinic Extension",
    client: "Harbor Health Partners",
    documents: [
      { name: "Structural Set.pdf", pages: 3 },
      { name: "Architectural Set.pdf", pages: 2 },
    ],
    perPage: 4,
  });
  const doc = project.documents[0];
  // A few exports in different states for the table and the details page.
  const done = await startExport(page, doc.id, {
    format: "excel",
    name: "Structural Set workbook",
    description: "For the estimating team",
  });
  await startExport(page, project.documents[1].id, { format: "pdf", name: "Architectural Set report" });
  await waitForExport(page, done.id, ["completed"]);
  let failedId: string | null = null;
  const faults = await trySetUploadFault(page, true);
  try {
    const failing = await startExport(page, doc.id, { format: "json", name: "Structural Set snapshot" });
    if (faults) failedId = (await waitForExport(page, failing.id, ["failed"])).id;
  } finally {
    if (faults) await trySetUploadFault(page, false);
  }
  await page.request.get(`/api/exports/${done.id}/download?redirect=false`);

  await page.goto("/dashboard");
  await check(page, "dashboard");
  await page.goto(`/dashboard/projects/${project.id}`);
  await check(page, "project");
  await page.goto(`/dashboard/documents/${doc.id}`);
  await check(page, "document");

  // The export dialog, keyboard first: focus goes into it and Tab stays inside.
  await page.getByRole("button", { name: `Export ${doc.name}` }).focus();
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: `Export ${doc.name}` });
  await expect(dialog.getByRole("radio", { name: /^CSV/ })).toBeChecked();
  // (Past the last control a native modal lets focus go to the browser's own UI, never to the page behind.)
  for (let i = 0; i < 25; i++) {
    await page.keyboard.press("Tab");
    expect(await dialog.evaluate((d) => d.contains(document.activeElement) || document.activeElement === document.body)).toBe(true);
  }
  await dialog.getByRole("radio", { name: /^PDF/ }).check();
  await check(page, "export-dialog", false);
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();

  await page.goto("/dashboard/exports");
  await expect(page.getByTestId("export-row")).toHaveCount(3);
  await check(page, "exports");
  await page
    .getByTestId("export-row")
    .filter({ hasText: "Structural Set workbook" })
    .getByRole("button", { name: /^Delete/ })
    .click();
  await expect(page.getByRole("alertdialog")).toBeVisible();
  await check(page, "delete-dialog", false);
  await page.keyboard.press("Escape");

  await page.goto(`/dashboard/exports/${done.id}`);
  await check(page, "export-details");
  if (failedId) {
    await page.goto(`/dashboard/exports/${failedId}`);
    await expect(page.getByTestId("export-error")).toBeVisible();
    await check(page, "export-details-failed");
  }

  await page.goto("/dashboard/settings/api-keys");
  await page.getByLabel("Key name").fill("Screenshot key");
  await page.getByRole("button", { name: "Create key" }).click();
  await expect(page.getByTestId("new-api-key")).toBeVisible();
  await check(page, "api-keys");

  // The phone menu opens, works with the keyboard and closes on Escape.
  await page.setViewportSize({ width: 375, height: 812 });
  const menu = page.getByRole("button", { name: "Menu" });
  await menu.click();
  await expect(menu).toHaveAttribute("aria-expanded", "true");
  await expect(page.getByRole("link", { name: "Exports", exact: true })).toBeVisible();
  await screenshot(page, "menu-phone");
  await scan(page, "menu");
  await page.keyboard.press("Escape");
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  await expect(menu).toBeFocused();
});
