// Webhooks on the dashboard (SPEC §14.1): add an endpoint pointing at a receiver this spec runs on 127.0.0.1, copy its
// secret (shown once), send a test, see the attempt in the delivery log, and verify what arrived with standardwebhooks.
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { verifyDelivery, WebhookReceiver } from "../helpers/webhook-receiver";
import { signUp } from "./helpers";

/** No serious or critical axe violations. */
async function scan(page: Page, label: string) {
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"])
    .analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(
    bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`),
    label,
  ).toEqual([]);
}

let rx: WebhookReceiver;
test.beforeAll(async () => {
  rx = await new WebhookReceiver().start();
});
test.afterAll(async () => {
  await rx.stop();
});

test("a webhook is added on the dashboard, sends a signed test, and shows it in the delivery log", async ({ page }) => {
  await signUp(page, "webhooks");
  await page.goto("/dashboard");
  await page.getByRole("link", { name: "Webhooks" }).first().click();
  await expect(page.getByRole("heading", { level: 1, name: "Webhooks" })).toBeVisible();
  await expect(page.getByText("No webhooks yet.")).toBeVisible();

  await page.getByLabel("Endpoint URL").fill(rx.url);
  await page.getByLabel("Description").fill("E2E receiver");
  await page.getByRole("checkbox", { name: /Export cancelled/ }).check();
  await page.getByRole("button", { name: "Add endpoint" }).click();

  const panel = page.getByTestId("webhook-secret");
  await expect(panel).toContainText("will not be shown again");
  const secret = await panel.getByTestId("webhook-secret-value").inputValue();
  expect(secret).toMatch(/^whsec_/);
  const row = page.getByTestId("webhook-row").filter({ hasText: rx.url });
  await expect(row).toContainText("E2E receiver");
  await expect(row).toContainText("export.completed, export.failed, export.cancelled");
  await expect(row).toContainText("Enabled");
  // Nothing is sent on creation.
  expect(rx.received).toHaveLength(0);

  await row.getByRole("button", { name: /^Send test/ }).click();
  await expect(page.getByTestId("toast").filter({ hasText: "Test sent" })).toBeVisible();
  const delivery = row.getByTestId("webhook-delivery-row").first();
  await expect(delivery).toContainText("webhook.test");
  await expect(delivery).toContainText("Succeeded");
  await expect(delivery).toContainText("200");
  await expect(delivery).toContainText(/\d+ ms/);

  expect(rx.received).toHaveLength(1);
  const body = verifyDelivery(secret, rx.received[0]);
  expect(body.type).toBe("webhook.test");
  expect(await delivery.getByTitle(`webhook-id ${rx.received[0].headers["webhook-id"]}`).count()).toBe(1);

  // Shown once: after a reload the secret is gone from the page.
  await page.reload();
  await expect(page.getByTestId("webhook-secret")).toHaveCount(0);
  await expect(page.locator("body")).not.toContainText(secret);

  // Disable, and the reason area says it was by hand; enable again.
  const reloaded = page.getByTestId("webhook-row").filter({ hasText: rx.url });
  await reloaded.getByRole("button", { name: "Disable" }).click();
  await expect(reloaded.getByTestId("webhook-disabled")).toContainText("Disabled by you.");
  await expect(reloaded.getByRole("button", { name: /^Send test/ })).toBeDisabled();
  await reloaded.getByRole("button", { name: "Enable" }).click();
  await expect(reloaded).toContainText("Enabled");
});

test("the webhooks page is accessible and fits from a phone to a desktop; rotating shows a new secret once", async ({ page }) => {
  await signUp(page, "webhooks-a11y");
  await page.goto("/dashboard/settings/webhooks");
  await page.getByLabel("Endpoint URL").fill(`${rx.url}/a11y`);
  await page.getByRole("button", { name: "Add endpoint" }).click();
  const first = await page.getByTestId("webhook-secret-value").inputValue();
  const row = page.getByTestId("webhook-row").first();
  await row.getByRole("button", { name: /^Send test/ }).click();
  await expect(row.getByTestId("webhook-delivery-row").first()).toContainText("Succeeded");

  for (const width of [375, 768, 1024, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, `scrolls sideways at ${width}px`).toBeLessThanOrEqual(0);
    await scan(page, `webhooks @ ${width}px`);
  }

  await row.getByRole("button", { name: "Rotate secret" }).click();
  const dialog = page.getByRole("alertdialog", { name: "Rotate the signing secret?" });
  await expect(dialog).toContainText("For 24 hours");
  await scan(page, "rotate dialog");
  await dialog.getByRole("button", { name: "Rotate secret" }).click();
  await expect(page.getByTestId("webhook-secret")).toContainText("For 24 hours deliveries carry the old and the new signature");
  const second = await page.getByTestId("webhook-secret-value").inputValue();
  expect(second).toMatch(/^whsec_/);
  expect(second).not.toBe(first);
  await expect(row).toContainText("previous secret also signs until");

  await row.getByRole("button", { name: /^Delete/ }).click();
  await page.getByRole("alertdialog", { name: "Delete this webhook?" }).getByRole("button", { name: "Delete webhook" }).click();
  await expect(page.getByText("No webhooks yet.")).toBeVisible();
});
