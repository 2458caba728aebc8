// Schedules on the dashboard (SPEC §13.3): create a weekly schedule, "Run now" and see its export complete,
// pause and resume; the export shows its schedule on the Exports page.
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { apiGet, importProject, signUp } from "./helpers";

/** No serious or critical axe violations (the rules of tests/e2e/a11y-screenshots.spec.ts). */
async function axe(page: Page, label: string) {
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"])
    .analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(
    bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`),
    label,
  ).toEqual([]);
}

test("a weekly schedule: created on the dashboard, run now to a completed export, paused and resumed", async ({ page }) => {
  await signUp(page, "schedules");
  const project = await importProject(page, { name: "Scheduled Tower", documents: [{ name: "Framing Set.pdf", pages: 2 }] });

  await page.goto("/dashboard/schedules");
  await expect(page.getByRole("heading", { level: 1, name: "Schedules" })).toBeVisible();
  await expect(page.getByText("Nothing runs on its own yet.")).toBeVisible();

  await axe(page, "empty schedules page");
  await page.getByRole("button", { name: "New schedule" }).click();
  const dialog = page.getByRole("dialog", { name: "New schedule" });
  await expect(dialog).toBeVisible();
  await axe(page, "new schedule dialog");
  await dialog.getByLabel("Name", { exact: true }).fill("Weekly framing takeoff");
  await dialog.getByLabel("Export", { exact: true }).selectOption({ label: "Framing Set.pdf — Scheduled Tower" });
  await dialog.getByLabel("As", { exact: true }).selectOption({ label: "CSV" });
  await dialog.getByText("Weekly", { exact: true }).click();
  await dialog.getByLabel("On", { exact: true }).selectOption("wed");
  await dialog.getByLabel("At", { exact: true }).fill("06:45");
  const zone = dialog.getByRole("combobox", { name: "Time zone" });
  await zone.fill("Europe/Berlin");
  await zone.press("Enter");
  await dialog.getByRole("button", { name: "Create schedule" }).click();
  await expect(dialog).toBeHidden();

  const card = page.getByRole("listitem", { name: "Weekly framing takeoff" });
  await expect(card).toContainText("Every Wednesday at 06:45 (Europe/Berlin)");
  await expect(card).toContainText("CSV");
  await expect(card.getByText("Active")).toBeVisible();
  await axe(page, "schedules page");
  // Next run: relative, with the exact time on hover.
  const next = card.locator("dd time").first();
  await expect(next).toHaveText(/^in \d+ (day|days|hour|hours|minute|minutes)$/);
  await expect(next).toHaveAttribute("title", /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/);

  const [schedule] = (await apiGet<{ schedules: { id: string; next_run_at: string }[] }>(page, "/api/schedules")).schedules;
  const local = new Intl.DateTimeFormat("en-GB", {
    timeZone: "Europe/Berlin",
    weekday: "short",
    hour: "2-digit",
    minute: "2-digit",
  }).format(new Date(schedule.next_run_at));
  expect(local).toBe("Wed 06:45");

  // Run now: its export completes and the card links to it.
  await card.getByRole("button", { name: "Run now" }).click();
  await expect(page.getByText("“Weekly framing takeoff” is running")).toBeVisible();
  const last = card.getByRole("link", { name: /Last export: completed/ });
  await expect(last).toBeVisible({ timeout: 60_000 });
  await last.click();
  await expect(page).toHaveURL(/\/dashboard\/exports\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Weekly framing takeoff");
  await expect(page.getByRole("link", { name: "Weekly framing takeoff", exact: true })).toHaveAttribute(
    "href",
    /\/dashboard\/schedules#schedule-/,
  );

  // The Exports page names the schedule beside the source.
  await page.goto("/dashboard/exports");
  await expect(page.getByText("Schedule:").first()).toBeVisible();
  await expect(page.getByRole("link", { name: "Weekly framing takeoff", exact: true }).first()).toHaveAttribute(
    "href",
    `/dashboard/schedules#schedule-${schedule.id}`,
  );

  // Pause, then resume.
  await page.goto("/dashboard/schedules");
  await card.getByRole("button", { name: "Pause" }).click();
  await expect(card.getByText("Paused", { exact: true }).first()).toBeVisible();
  await expect(card.getByRole("button", { name: "Resume" })).toBeVisible();
  expect((await apiGet<{ enabled: boolean; next_run_at: string | null }>(page, `/api/schedules/${schedule.id}`)).next_run_at).toBeNull();
  await card.getByRole("button", { name: "Resume" }).click();
  await expect(card.getByText("Active")).toBeVisible();
  const resumed = await apiGet<{ enabled: boolean; next_run_at: string }>(page, `/api/schedules/${schedule.id}`);
  expect(resumed.enabled).toBe(true);
  expect(Date.parse(resumed.next_run_at)).toBeGreaterThan(Date.now());
  expect(project.documents).toHaveLength(1);
});

test("at phone width the schedules page fits and keeps its actions", async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 800 });
  await signUp(page, "schedules-phone");
  const project = await importProject(page, { name: "Phone Project" });
  await page.request.post("/api/schedules", {
    data: {
      name: "Monthly phone check with a long name that has to wrap on a small screen",
      source: { type: "project", id: project.id },
      format: "json",
      cadence: { every: "month", day: 28, at: "23:30" },
      timezone: "America/New_York",
    },
  });
  await page.goto("/dashboard/schedules");
  const card = page.getByRole("listitem").filter({ hasText: "Monthly phone check" });
  await expect(card).toContainText("Monthly on the 28th at 23:30 (America/New_York)");
  for (const name of ["Run now", "Pause", /^Edit/, /^Delete/]) await expect(card.getByRole("button", { name })).toBeVisible();
  await axe(page, "schedules page at phone width");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
});
