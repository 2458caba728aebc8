// Presets and "Export again" in the browser (SPEC §13.1, §13.2): save a preset from the export dialog and export with it; edit it on the presets page; export again from a row of the exports table.
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { apiGet, importProject, signUp, startExport, waitForExport, type ExportJson } from "./helpers";

type Preset = { id: string; name: string; format: string; options: Record<string, unknown>; name_template: string | null };
type Exported = ExportJson & { preset_id: string | null; duplicate_of: string | null; options: Record<string, unknown> };

async function noSeriousA11yProblems(page: Page, label: string) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(
    bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
    label,
  ).toEqual([]);
}

async function noSidewaysScroll(page: Page, label: string) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, `${label} scrolls sideways`).toBeLessThanOrEqual(0);
}

test("a preset saved from the export dialog fills it in next time, and the export records it", async ({ page }) => {
  await signUp(page, "presets");
  const project = await importProject(page, { name: "Preset Plaza", documents: [{ name: "Structural Set.pdf", pages: 2 }] });
  const doc = project.documents[0];
  // Phone width: the dialog and its preset controls must work there.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`/dashboard/documents/${doc.id}`);

  await page.getByTestId("export-button").click();
  const dialog = page.getByRole("dialog", { name: "Export Structural Set.pdf" });
  // No presets yet: no picker, but "Save as preset".
  await expect(dialog.getByRole("radio", { name: /^CSV/ })).toBeChecked();
  await expect(dialog.getByTestId("preset-picker")).toHaveCount(0);
  await dialog.getByRole("radio", { name: /^PDF/ }).check();
  await dialog.getByLabel("Orientation").selectOption("landscape");
  await dialog.getByLabel("Include costs").uncheck();

  await dialog.getByRole("button", { name: "Save as preset…" }).click();
  const nameField = dialog.getByLabel("Preset name");
  await expect(nameField).toBeFocused();
  // Enter saves the preset; it must not start the export.
  await nameField.fill("Landscape PDF, no costs");
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("toast").filter({ hasText: "Preset saved" })).toBeVisible();
  await expect(dialog).toBeVisible();
  const picker = dialog.getByLabel("Preset", { exact: true });
  await expect(picker).toHaveValue(/[0-9a-f-]{36}/);
  await expect(dialog.getByTestId("preset-state")).toContainText("The export uses the preset “Landscape PDF, no costs”");
  const { presets } = await apiGet<{ presets: Preset[] }>(page, "/api/presets");
  expect(presets).toHaveLength(1);
  expect(presets[0]).toMatchObject({ name: "Landscape PDF, no costs", format: "pdf" });
  expect(presets[0].options).toMatchObject({ orientation: "landscape", include_costs: false });
  await noSidewaysScroll(page, "export dialog with a saved preset");

  // A fresh opening starts from the defaults; picking the preset fills everything in.
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
  await page.getByTestId("export-button").click();
  await expect(dialog.getByRole("radio", { name: /^CSV/ })).toBeChecked();
  await picker.selectOption({ label: "Landscape PDF, no costs (PDF)" });
  await expect(dialog.getByRole("radio", { name: /^PDF/ })).toBeChecked();
  await expect(dialog.getByLabel("Orientation")).toHaveValue("landscape");
  await expect(dialog.getByLabel("Include costs")).not.toBeChecked();
  // A change says so; changing it back makes it the preset again.
  await dialog.getByLabel("Orientation").selectOption("portrait");
  await expect(dialog.getByTestId("preset-state")).toContainText("Changed from the preset");
  await dialog.getByLabel("Orientation").selectOption("landscape");
  await expect(dialog.getByTestId("preset-state")).toContainText("The export uses the preset");
  await noSeriousA11yProblems(page, "export dialog with presets");

  await dialog.getByLabel("Name", { exact: true }).fill("Preset export");
  await dialog.getByRole("button", { name: "Start PDF export" }).click();
  await expect(dialog).toBeHidden();
  const { exports } = await apiGet<{ exports: Exported[] }>(page, "/api/exports?limit=5");
  const made = exports.find((e) => e.name === "Preset export");
  expect(made).toMatchObject({ format: "pdf", preset_id: presets[0].id });
  expect(made!.options).toMatchObject({ orientation: "landscape", include_costs: false });
  expect((await waitForExport(page, made!.id, ["completed", "failed"])).status).toBe("completed");

  // The presets page lists it; an unknown placeholder is refused with the server's message, a good template is saved.
  await page.getByRole("button", { name: "Menu" }).click();
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Presets" }).click();
  await expect(page).toHaveURL(/\/dashboard\/presets$/);
  const item = page.getByTestId("preset-item").filter({ hasText: "Landscape PDF, no costs" });
  await expect(item).toContainText("No costs");
  await expect(item).toContainText("landscape");
  await noSidewaysScroll(page, "presets page");
  await item.getByRole("button", { name: "Edit Landscape PDF, no costs" }).click();
  const edit = page.getByRole("dialog", { name: "Edit “Landscape PDF, no costs”" });
  const template = edit.getByLabel(/Export name template/);
  await template.fill("{project} {client}");
  await expect(edit.getByText("Not a placeholder: {client}.")).toBeVisible();
  await edit.getByRole("button", { name: "Save changes" }).click();
  await expect(edit.getByTestId("preset-error")).toContainText("unknown placeholder {client}");
  await template.fill("{project} – {document} {date}");
  await expect(edit.getByText(/^For example: Riverside Clinic – Structural Set\.pdf \d{4}-\d{2}-\d{2}$/)).toBeVisible();
  await edit.getByRole("button", { name: "Save changes" }).click();
  await expect(edit).toBeHidden();
  await expect(item).toContainText("{project} – {document} {date}");
  await noSeriousA11yProblems(page, "presets page");

  // Exported with the template and no name: the export is named by it.
  const viaApi = await page.request.post(`/api/documents/${doc.id}/export`, { data: { preset_id: presets[0].id } });
  expect(viaApi.status()).toBe(202);
  expect((await viaApi.json()).export.name).toMatch(/^Preset Plaza – Structural Set\.pdf \d{4}-\d{2}-\d{2}$/);
});

test("Export again from a row makes a new export of the same settings, and the toast leads to it", async ({ page }) => {
  await signUp(page, "again");
  const project = await importProject(page, { name: "Again Annex", documents: [{ name: "Civil Set.pdf", pages: 1 }] });
  const first = await startExport(page, project.documents[0].id, { format: "json", name: "Weekly JSON", options: { pretty: false } });
  await waitForExport(page, first.id, ["completed"]);

  await page.goto("/dashboard/exports");
  const row = page.locator(`[data-testid="export-row"][data-export-id="${first.id}"]`);
  await expect(row).toHaveAttribute("data-status", "completed");
  const again = row.getByRole("button", { name: "Export again Weekly JSON" });
  await again.focus();
  await page.keyboard.press("Enter");
  const toast = page.getByTestId("toast").filter({ hasText: "Exporting again" });
  await expect(toast).toBeVisible();
  await expect(toast).toContainText('Export of "Civil Set.pdf" started as JSON');
  await toast.getByRole("link", { name: "Open the new export" }).click();

  await expect(page).toHaveURL(/\/dashboard\/exports\/[0-9a-f-]{36}$/);
  const copyId = page.url().split("/").pop()!;
  expect(copyId).not.toBe(first.id);
  await expect(page.getByRole("heading", { level: 1, name: "Weekly JSON" })).toBeVisible();
  await expect(page.getByTestId("export-status")).toHaveAttribute("data-status", "completed", { timeout: 60_000 });
  await expect(page.getByText("the export it was made again from")).toBeVisible();

  const copy = await apiGet<Exported>(page, `/api/exports/${copyId}`);
  expect(copy).toMatchObject({ format: "json", name: "Weekly JSON", duplicate_of: first.id });
  expect(copy.options).toMatchObject({ pretty: false });
  const { events } = await apiGet<{ events: { type: string; data: Record<string, unknown> }[] }>(page, `/api/exports/${first.id}/events`);
  expect(events.filter((e) => e.type === "duplicated").map((e) => e.data)).toEqual([{ export_id: copyId }]);
  const original = await apiGet<Exported>(page, `/api/exports/${first.id}`);
  expect(original).toMatchObject({ status: "completed", duplicate_of: null, name: "Weekly JSON" });
});
