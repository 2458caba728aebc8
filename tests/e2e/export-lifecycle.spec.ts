// Failing and retrying, cancelling a running export, live progress, and deleting with a confirmation dialog.
import { expect, test } from "@playwright/test";
import {
  apiGet,
  apiPost,
  cancelActive,
  importProject,
  setUploadFault,
  signUp,
  startExport,
  waitForExport,
  type ExportJson,
} from "./helpers";

test("an export that fails says why in a toast and on its row, and Retry makes it complete", async ({ page }) => {
  await signUp(page, "retry");
  const project = await importProject(page, { name: "Fault Line Depot", perPage: 2 });
  const doc = project.documents[0];
  await page.goto("/dashboard/exports");
  await expect(page.getByTestId("exports-empty")).toBeVisible();

  await setUploadFault(page, true);
  try {
    await page.goto(`/dashboard/documents/${doc.id}`);
    await page.getByRole("button", { name: `Export ${doc.name}` }).click();
    const dialog = page.getByRole("dialog", { name: `Export ${doc.name}` });
    await dialog.getByRole("radio", { name: /^JSON/ }).check();
    await dialog.getByRole("button", { name: "Start JSON export" }).click();
    await expect(page.getByTestId("toast").filter({ hasText: "Export started" })).toBeVisible();
    // The button follows the export to its failure.
    await expect(page.getByRole("link", { name: "Export failed — details" })).toBeVisible({ timeout: 60_000 });
  } finally {
    await setUploadFault(page, false);
  }

  await page.goto("/dashboard/exports?status=failed");
  const row = page.getByTestId("export-row").first();
  await expect(row).toHaveAttribute("data-status", "failed");
  const id = await row.getAttribute("data-export-id");
  const failed = await apiGet<ExportJson>(page, `/api/exports/${id}`);
  expect(failed.error_message).toBeTruthy();
  await expect(row).toContainText(failed.error_message!);
  await expect(page.getByTestId("export-stats")).toContainText(/Failed\s*1/);

  await row.getByRole("button", { name: /^Retry/ }).click();
  await expect(page.getByTestId("toast").filter({ hasText: "Retry started" })).toBeVisible();
  // The failed filter no longer matches it once it runs again; follow it on the unfiltered list.
  await page.getByLabel("Status").selectOption("");
  await expect(page).toHaveURL(/\/dashboard\/exports$/);
  const again = page.locator(`[data-testid="export-row"][data-export-id="${id}"]`);
  await expect(again).toHaveAttribute("data-status", "completed", { timeout: 60_000 });
  await expect(again.getByRole("link", { name: /^Download/ })).toBeVisible();

  await again.getByRole("link", { name: /^Details/ }).click();
  const timeline = page.getByTestId("export-timeline");
  for (const event of ["created", "failed", "retried", "completed"]) {
    await expect(timeline.locator(`[data-event="${event}"]`).first()).toBeVisible();
  }
});

test("a large export shows live progress and can be cancelled while it runs", async ({ page }) => {
  test.setTimeout(180_000);
  await signUp(page, "cancel");
  // 3 documents × 40 pages × 250 = 30,000 measurements.
  const project = await importProject(page, {
    name: "Big Box Distribution Center",
    documents: [
      { name: "Site Set.pdf", pages: 40 },
      { name: "Shell Set.pdf", pages: 40 },
      { name: "Interiors Set.pdf", pages: 40 },
    ],
    perPage: 250,
  });
  expect(project.measurements_count).toBe(30_000);
  try {
    // Ten slow exports (PDF and Excel of the project and of each document), all requested at once, at
    // most two running per user: the last ones wait their turn for many seconds. That, not the speed of
    // any one job, is what makes this robust; cancelling a waiting export is as valid as a running one.
    const requests = [
      { url: `/api/projects/${project.id}/export`, data: { format: "pdf", name: "Big project pdf" } },
      { url: `/api/projects/${project.id}/export`, data: { format: "excel", name: "Big project excel" } },
      {
        url: `/api/projects/${project.id}/export`,
        data: { format: "pdf", name: "Big project pdf landscape", options: { orientation: "landscape" } },
      },
      {
        url: `/api/projects/${project.id}/export`,
        data: { format: "excel", name: "Big project excel no costs", options: { include_costs: false } },
      },
      ...project.documents.flatMap((d) => [
        { url: `/api/documents/${d.id}/export`, data: { format: "pdf", name: `Big ${d.name} pdf` } },
        { url: `/api/documents/${d.id}/export`, data: { format: "excel", name: `Big ${d.name} excel` } },
      ]),
    ];
    await Promise.all(requests.map((r) => apiPost(page, r.url, r.data)));

    await page.goto("/dashboard/exports");
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
    const active = page.locator('[data-testid="export-row"][data-status="processing"], [data-testid="export-row"][data-status="pending"]');
    await expect(active.first(), "every export finished before the page loaded; make the project bigger").toBeVisible();
    // Live progress: a progress bar and the step with its percentage on a queued or running row.
    await expect(active.first().getByRole("progressbar")).toBeVisible();
    await expect(active.first().getByTestId("export-step")).toContainText("%");

    // Cancel the newest export that is still queued or running (trying the next one if it finished in between).
    let cancelledId: string | null = null;
    for (let attempt = 0; attempt < 4 && !cancelledId; attempt++) {
      const id = await active
        .first()
        .getAttribute("data-export-id", { timeout: 5_000 })
        .catch(() => null);
      if (!id) break;
      const target = page.locator(`[data-testid="export-row"][data-export-id="${id}"]`);
      const clicked = await target
        .getByRole("button", { name: /^Cancel/ })
        .click({ timeout: 3_000 })
        .then(
          () => true,
          () => false,
        );
      if (!clicked) continue;
      const ok = page.getByTestId("toast").filter({ hasText: "Export cancelled" });
      const late = page.getByTestId("toast").filter({ hasText: "Could not cancel" });
      await expect(ok.or(late).first()).toBeVisible();
      if (await ok.count()) cancelledId = id;
      else
        await late
          .first()
          .getByRole("button", { name: /Dismiss/ })
          .click();
    }
    expect(cancelledId, "no export stayed queued or running long enough to cancel").toBeTruthy();
    const row = page.locator(`[data-testid="export-row"][data-export-id="${cancelledId}"]`);
    await expect(row).toHaveAttribute("data-status", "cancelled");
    await expect(row.getByRole("button", { name: /^Retry/ })).toBeVisible();
    await expect(row.getByRole("button", { name: /^Cancel/ })).toHaveCount(0);
    const cancelled = await waitForExport(page, cancelledId!, ["cancelled"]);
    expect(cancelled.file_name ?? null).toBeNull();

    // Others finish while we watch: the table follows without a reload and a toast offers the file.
    const ready = page.getByTestId("toast").filter({ hasText: "is ready" }).first();
    await expect(ready).toBeVisible({ timeout: 90_000 });
    await expect(ready.getByRole("link", { name: /^Download/ })).toBeVisible();
    await expect(page.locator('[data-testid="export-row"][data-status="completed"]').first()).toBeVisible();
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
  } finally {
    await cancelActive(page);
  }
});

test("delete asks for confirmation in a modal dialog and then removes the export", async ({ page }) => {
  await signUp(page, "delete");
  const project = await importProject(page, { name: "Delete Me Annex", perPage: 2 });
  const doc = project.documents[0];
  const keep = await startExport(page, doc.id, { format: "csv", name: "Keep this one" });
  const drop = await startExport(page, doc.id, { format: "json", name: "Drop this one" });
  await waitForExport(page, keep.id, ["completed"]);
  await waitForExport(page, drop.id, ["completed"]);

  await page.goto("/dashboard/exports");
  const row = page.getByTestId("export-row").filter({ hasText: "Drop this one" });
  await row.getByRole("button", { name: /^Delete/ }).click();
  const confirm = page.getByRole("alertdialog", { name: "Delete this export?" });
  await expect(confirm).toBeVisible();
  await expect(confirm).toContainText("Drop this one");
  // The safe choice has the focus, and Escape backs out.
  await expect(confirm.getByRole("button", { name: "Cancel" })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(confirm).toBeHidden();
  await expect(row).toBeVisible();
  // Focus returns to the button that opened the dialog.
  await expect(row.getByRole("button", { name: /^Delete/ })).toBeFocused();

  await row.getByRole("button", { name: /^Delete/ }).click();
  await confirm.getByRole("button", { name: "Delete export" }).click();
  await expect(confirm).toBeHidden();
  await expect(page.getByTestId("toast").filter({ hasText: "Export deleted" })).toBeVisible();
  await expect(row).toHaveCount(0);
  await expect(page.getByTestId("export-row").filter({ hasText: "Keep this one" })).toBeVisible();
  await expect(page.getByTestId("export-stats")).toContainText(/Total exports\s*1/);
  expect((await page.request.get(`/api/exports/${drop.id}`)).status()).toBe(404);
  // Its page is a 404 too.
  await page.goto(`/dashboard/exports/${drop.id}`);
  await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
});

test("filters, search and pagination live in the URL, so a view can be shared", async ({ page, context }) => {
  await signUp(page, "filters");
  const project = await importProject(page, {
    name: "Filter Works",
    documents: [
      { name: "Plans.pdf", pages: 1 },
      { name: "Sections.pdf", pages: 1 },
    ],
    perPage: 2,
  });
  // 22 exports: enough for two pages of 20. Options differ so none is de-duplicated.
  const made: ExportJson[] = [];
  const formats = ["csv", "excel", "json", "ost", "pdf"] as const;
  for (let i = 0; i < 22; i++) {
    const format = formats[i % formats.length];
    const doc = project.documents[i % 2];
    const name = i % 7 === 0 ? `Quarterly report ${i}` : `Routine ${format} ${i}`;
    made.push(
      await startExport(page, doc.id, {
        format,
        name,
        options: { include_unverified: i % 2 === 0, include_costs: i % 3 === 0, timezone: i < 11 ? "UTC" : "Europe/Paris" },
      }),
    );
    if (i % 8 === 7) await waitForExport(page, made[i].id, ["completed"]);
  }
  for (const e of made) await waitForExport(page, e.id, ["completed"]);
  // One project export for the type filter.
  const projectExport = (
    await (await page.request.post(`/api/projects/${project.id}/export`, { data: { format: "csv", name: "Whole project csv" } })).json()
  ).export as ExportJson;
  await waitForExport(page, projectExport.id, ["completed"]);

  await page.goto("/dashboard/exports");
  await expect(page.getByTestId("export-row")).toHaveCount(20);
  await expect(page.getByText("Showing 1–20 of 23")).toBeVisible();
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page).toHaveURL(/cursor=/);
  await expect(page.getByTestId("export-row")).toHaveCount(3);
  await expect(page.getByText("Showing 21–23 of 23")).toBeVisible();
  await expect(page.getByRole("button", { name: "Next" })).toBeDisabled();
  await page.getByRole("button", { name: "Previous" }).click();
  await expect(page).not.toHaveURL(/cursor=/);
  await expect(page.getByTestId("export-row")).toHaveCount(20);

  await page.getByLabel("Format").selectOption("pdf");
  await expect(page).toHaveURL(/format=pdf/);
  await expect(page.getByTestId("export-row")).toHaveCount(4);
  for (const text of await page.getByTestId("export-row").locator("td:nth-child(2)").allTextContents()) expect(text).toContain("PDF");

  await page.getByLabel("Format").selectOption("");
  await page.getByLabel("Type").selectOption("project_export");
  await expect(page).toHaveURL(/type=project_export/);
  await expect(page.getByTestId("export-row")).toHaveCount(1);
  await expect(page.getByTestId("export-row")).toContainText("Whole project csv");
  await expect(page.getByTestId("export-row")).toContainText("Project: Filter Works");

  await page.getByLabel("Type").selectOption("");
  await page.getByLabel("Search by name").fill("quarterly");
  await expect(page).toHaveURL(/q=quarterly/);
  await expect(page.getByTestId("export-row")).toHaveCount(4);
  await page.getByLabel("Status").selectOption("completed");
  await expect(page).toHaveURL(/status=completed/);
  await expect(page.getByTestId("export-row")).toHaveCount(4);
  await page.getByLabel("Status").selectOption("failed");
  await expect(page.getByTestId("exports-no-match")).toBeVisible();
  await page.getByLabel("Status").selectOption("completed");
  await expect(page).toHaveURL(/status=completed/);

  // The same URL in another tab shows the same view.
  const shared = await context.newPage();
  await shared.goto(page.url());
  await expect(shared.getByLabel("Search by name")).toHaveValue("quarterly");
  await expect(shared.getByLabel("Status")).toHaveValue("completed");
  await expect(shared.getByTestId("export-row")).toHaveCount(4);
  await shared.close();

  await page.getByRole("button", { name: "Clear filters" }).first().click();
  await expect(page).toHaveURL(/\/dashboard\/exports$/);
  await expect(page.getByLabel("Search by name")).toHaveValue("");
  await expect(page.getByTestId("export-row")).toHaveCount(20);
  const all = await apiGet<{ total: number }>(page, "/api/exports?limit=1");
  expect(all.total).toBe(23);
});
