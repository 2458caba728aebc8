// Webhooks on the dashboard (SPEC §14.1): add an endpoint pointing at a receiver this spec runs on 127.0.0.1, copy its
// secret (shown once), send a test, see the attempt in the delivery log, and verify what arrived with standardwebhooks.
import { expect, test } from "@playwright/test";
import { verifyDelivery, WebhookReceiver } from "../helpers/webhook-receiver";
import { signUp } from "./helpers";

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

test("the webhooks page fits a phone", async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 800 });
  await signUp(page, "webhooks-phone");
  await page.goto("/dashboard/settings/webhooks");
  await page.getByLabel("Endpoint URL").fill(`${rx.url}/phone`);
  await page.getByRole("button", { name: "Add endpoint" }).click();
  await expect(page.getByTestId("webhook-secret")).toBeVisible();
  await page.getByTestId("webhook-row").first().getByRole("button", { name: "Deliveries" }).click();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
});
