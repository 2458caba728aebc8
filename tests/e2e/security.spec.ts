/** Security in the browser: page security headers, and names with markup shown as text, never run. */
import { expect, test } from "@playwright/test";
import { apiGet, apiPost, projectBody, signUp } from "./helpers";

test("pages carry a CSP without unsafe-eval, no framing, nosniff and a strict referrer policy", async ({ request }) => {
  for (const path of ["/sign-in", "/api-docs"]) {
    const res = await request.get(path);
    expect(res.status()).toBe(200);
    const h = res.headers();
    expect(h["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(h["content-security-policy"]).toContain("default-src 'self'");
    expect(h["content-security-policy"]).not.toContain("unsafe-eval");
    expect(h["x-frame-options"]).toBe("DENY");
    expect(h["x-content-type-options"]).toBe("nosniff");
    expect(h["referrer-policy"]).toBe("strict-origin-when-cross-origin");
  }
});

test("the API reference renders from local assets", async ({ page }) => {
  const external: string[] = [];
  page.on("request", (r) => {
    if (!r.url().startsWith("http://localhost")) external.push(r.url());
  });
  await page.goto("/api-docs");
  await expect(page.getByText("Takeoff Exports API").first()).toBeVisible();
  await expect(page.getByText("/api/exports/{id}/download").first()).toBeVisible();
  expect(external).toEqual([]);
});

test("script in export and project names is shown as text and never runs", async ({ page }) => {
  await signUp(page, "xss");
  const payload = `<img src=x onerror="window.__xss=1">`;
  const imported = await apiPost<{ project: { id: string; documents: { id: string }[] } }>(
    page,
    "/api/projects",
    projectBody({ name: `Tower ${payload}` }),
  );
  await apiPost(page, `/api/documents/${imported.project.documents[0].id}/export`, { format: "csv", name: `Export ${payload}` });
  const list = await apiGet<{ exports: { id: string }[] }>(page, "/api/exports");
  expect(list.exports.length).toBeGreaterThan(0);

  for (const path of [
    "/dashboard",
    "/dashboard/exports",
    `/dashboard/exports/${list.exports[0].id}`,
    `/dashboard/projects/${imported.project.id}`,
  ]) {
    await page.goto(path);
    await expect(page.getByText(payload, { exact: false }).first()).toBeVisible();
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.locator("img[src='x']").count()).toBe(0);
  }
});

test("a cross-origin form post with the session cookie is refused", async ({ page }) => {
  await signUp(page, "csrf");
  const imported = await apiPost<{ project: { id: string } }>(page, "/api/projects", projectBody({ name: "CSRF target" }));
  const res = await page.request.post(`/api/projects/${imported.project.id}/export`, {
    data: { format: "csv" },
    headers: { origin: "https://evil.example", "sec-fetch-site": "cross-site" },
  });
  expect(res.status()).toBe(403);
  const del = await page.request.delete(`/api/projects/${imported.project.id}`, { headers: { origin: "https://evil.example" } });
  expect(del.status()).toBe(403);
});
