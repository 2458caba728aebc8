// API keys: created on the settings page and shown once with a copy button, used with "Authorization: Bearer", then revoked.
import { expect, test } from "@playwright/test";
import { importProject, signUp } from "./helpers";

test("an API key is shown once, works as a Bearer token from a cookie-less fetch, and stops working when revoked", async ({
  page,
  context,
}) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await signUp(page, "keys");
  const project = await importProject(page, { name: "Keyed Project", perPage: 2 });

  await page.goto("/dashboard/settings/api-keys");
  await expect(page.getByRole("heading", { level: 1, name: "API keys" })).toBeVisible();
  await expect(page.getByText("No API keys yet.")).toBeVisible();
  await page.getByLabel("Key name").fill("Estimating integration");
  await page.getByRole("button", { name: "Create key" }).click();

  const panel = page.getByTestId("new-api-key");
  await expect(panel).toContainText("will not be shown again");
  const key = await panel.getByTestId("new-api-key-value").inputValue();
  expect(key).toMatch(/^tk_/);
  await panel.getByRole("button", { name: "Copy key" }).click();
  await expect(panel.getByRole("button", { name: "Copied", exact: true })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);

  const row = page.getByTestId("api-key-row").filter({ hasText: "Estimating integration" });
  await expect(row).toBeVisible();

  // A fetch that sends no cookies at all: only the key authenticates it.
  const call = (k: string | null) =>
    page.evaluate(
      async ({ k, documentId }) => {
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (k) headers.authorization = `Bearer ${k}`;
        const list = await fetch("/api/exports", { headers, credentials: "omit" });
        const create = await fetch(`/api/documents/${documentId}/export`, {
          method: "POST",
          headers,
          credentials: "omit",
          body: JSON.stringify({ format: "json", name: "Made with a key" }),
        });
        return { list: list.status, create: create.status, body: await create.json().catch(() => null) };
      },
      { k, documentId: project.documents[0].id },
    );
  expect((await call(null)).list).toBe(401);
  const ok = await call(key);
  expect(ok.list).toBe(200);
  expect(ok.create).toBe(202);
  expect(ok.body.export.name).toBe("Made with a key");

  // Shown once: after a reload only its first characters remain.
  await page.reload();
  await expect(page.getByTestId("new-api-key")).toHaveCount(0);
  await expect(page.locator("body")).not.toContainText(key);
  await expect(row).toContainText("last used");

  await row.getByRole("button", { name: /^Revoke/ }).click();
  const confirm = page.getByRole("alertdialog", { name: "Revoke this API key?" });
  await confirm.getByRole("button", { name: "Revoke key" }).click();
  await expect(page.getByTestId("toast").filter({ hasText: "API key revoked" })).toBeVisible();
  await expect(row).toHaveCount(0);
  expect((await call(key)).list).toBe(401);

  // The export made with the key is the user's like any other.
  await page.goto("/dashboard/exports");
  await expect(page.getByTestId("export-row").filter({ hasText: "Made with a key" })).toBeVisible();
});
