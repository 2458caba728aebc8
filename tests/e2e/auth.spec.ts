// Sign-up, the empty states a new user meets, sign-out and sign-in, and the redirect of signed-out visitors.
import { expect, test } from "@playwright/test";

test("a visitor signs up, finds the empty states that lead to the documents, signs out and back in", async ({ page }) => {
  const email = `signup-${Date.now()}@e2e.test`;
  const password = "correct-horse-9";

  // The page asked for travels through sign-in and sign-up (?next=) and is where the new account lands.
  await page.goto("/dashboard/exports");
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fdashboard%2Fexports$/);
  await page.getByRole("link", { name: "Sign up" }).click();
  await expect(page).toHaveURL(/\/sign-up\?next=%2Fdashboard%2Fexports$/);
  await expect(page.getByRole("heading", { name: "Create your account" })).toBeVisible();
  await page.getByLabel("Name").fill("Sam Estimator");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();

  await expect(page).toHaveURL(/\/dashboard\/exports$/);
  await expect(page.getByTestId("exports-empty")).toBeVisible();
  await expect(page.getByTestId("export-stats")).toContainText(/Total exports\s*0/);
  await page.getByRole("link", { name: "Browse documents" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByRole("heading", { level: 1, name: "Projects" })).toBeVisible();
  await expect(page.getByTestId("projects-empty")).toContainText("No projects yet");
  await expect(page.getByRole("link", { name: "API reference" }).first()).toHaveAttribute("href", "/api-docs");

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/sign-in$/);

  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("wrong-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "do not match" })).toBeVisible();
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Projects" })).toBeVisible();
  await expect(page.getByRole("banner")).toContainText("Sam Estimator");
});

test("signing in returns to the page asked for, with its query; a return path off the site goes to the dashboard", async ({ page }) => {
  const signIn = async () => {
    await page.getByLabel("Email").fill("demo@example.com");
    await page.getByLabel("Password").fill("demo-password");
    await page.getByRole("button", { name: "Sign in" }).click();
  };

  await page.goto("/dashboard/exports?status=completed&format=csv");
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fdashboard%2Fexports%3Fstatus%3Dcompleted%26format%3Dcsv$/);
  await signIn();
  await expect(page).toHaveURL(/\/dashboard\/exports\?status=completed&format=csv$/);
  await expect(page.getByRole("heading", { level: 1, name: "Exports" })).toBeVisible();
  await expect(page.getByLabel("Status")).toHaveValue("completed");

  // Already signed in: the sign-in page goes straight on to the return path.
  await page.goto("/sign-in?next=%2Fdashboard%2Fsettings%2Fapi-keys");
  await expect(page).toHaveURL(/\/dashboard\/settings\/api-keys$/);

  await page.context().clearCookies();
  for (const hostile of [
    "//evil.example/dashboard",
    "/\\evil.example",
    "https://evil.example",
    "/\t/evil.example",
    "javascript:alert(1)",
  ]) {
    await page.goto(`/sign-in?next=${encodeURIComponent(hostile)}`);
    await signIn();
    await expect(page).toHaveURL(/^http:\/\/localhost:\d+\/dashboard$/);
    await page.context().clearCookies();
  }
});

test("another user's export, a malformed id and a missing project are all plain 404 pages", async ({ page }) => {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill("demo@example.com");
  await page.getByLabel("Password").fill("demo-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Projects" })).toBeVisible();
  for (const path of [
    "/dashboard/exports/not-a-uuid",
    "/dashboard/projects/00000000-0000-4000-8000-000000000000",
    "/dashboard/documents/123",
  ]) {
    const res = await page.goto(path);
    expect(res?.status()).toBe(404);
    await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
  }
});
