// The document page's takeoff maps (SPEC §12.4): thumbnails of each page's SVG map, a large view with its legend, keyboard and phone widths.
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Locator, type Page } from "@playwright/test";
import { apiPost, screenshot, signUp } from "./helpers";

const HOSTILE = `Footing <script>alert("x")</script> & "Co"`;

function bigPage(n: number) {
  return Array.from({ length: n }, (_, i) => {
    const x = (i % 100) * 12;
    const y = Math.floor(i / 100) * 12;
    return i % 2 === 0
      ? {
          condition: "slab",
          geometry_type: "rectangle",
          geometry: { x, y, width: 10, height: 6, rotation: i % 45 },
          quantity: 2,
          unit: "SF",
        }
      : {
          condition: "footing",
          geometry_type: "line",
          geometry: { start: { x, y }, end: { x: x + 10, y: y + 10 } },
          quantity: 1.5,
          unit: "LF",
        };
  });
}

function body() {
  return {
    name: "Map Test Project",
    client_name: "Harbor Health Partners",
    address: null,
    conditions: [
      { ref: "slab", name: "Floor Slab", measurement_type: "area", unit: "SF", color: "#3B82F6" },
      { ref: "footing", name: HOSTILE, measurement_type: "linear", unit: "LF", color: "#EF4444" },
      { ref: "anchor", name: "Anchor Bolts", measurement_type: "count", unit: "EA", color: "#16A34A" },
    ],
    documents: [
      {
        name: "Structural Set.pdf",
        pages: [
          {
            page_number: 1,
            sheet_number: "S-101",
            sheet_title: "Foundation Plan",
            measurements: [
              {
                condition: "slab",
                geometry_type: "polygon",
                geometry: {
                  points: [
                    { x: 100, y: 100 },
                    { x: 500, y: 100 },
                    { x: 500, y: 400 },
                    { x: 100, y: 400 },
                  ],
                },
                quantity: 1200,
                unit: "SF",
              },
              {
                condition: "slab",
                geometry_type: "rectangle",
                geometry: { x: 600, y: 100, width: 250, height: 100, rotation: 90 },
                quantity: 250,
                unit: "SF",
              },
              {
                condition: "slab",
                geometry_type: "circle",
                geometry: { center: { x: 300, y: 550 }, radius: 80 },
                quantity: 201,
                unit: "SF",
              },
              {
                condition: "footing",
                geometry_type: "line",
                geometry: { start: { x: 100, y: 450 }, end: { x: 850, y: 450 } },
                quantity: 75,
                unit: "LF",
              },
              {
                condition: "footing",
                geometry_type: "polyline",
                geometry: {
                  points: [
                    { x: 550, y: 500 },
                    { x: 700, y: 620 },
                    { x: 850, y: 500 },
                  ],
                },
                quantity: 38.5,
                unit: "LF",
              },
              { condition: "anchor", geometry_type: "point", geometry: { x: 120, y: 620 }, quantity: 1, unit: "EA" },
              { condition: "anchor", geometry_type: "point", geometry: { x: 160, y: 620 }, quantity: 1, unit: "EA" },
            ],
          },
          { page_number: 2, sheet_number: "S-102", sheet_title: "Dense Plan", measurements: bigPage(10_000) },
          { page_number: 3, measurements: [] },
        ],
      },
    ],
  };
}

async function imagesLoaded(images: Locator) {
  await expect
    .poll(async () =>
      images.evaluateAll((imgs) => imgs.every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0)),
    )
    .toBe(true);
}

async function noSidewaysScroll(page: Page, label: string) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, `${label} scrolls sideways`).toBeLessThanOrEqual(0);
}

async function scan(page: Page, label: string) {
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"])
    .analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(
    bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
    label,
  ).toEqual([]);
}

test("the document page shows each page's takeoff map; a page opens large with its legend and closes with Escape", async ({ page }) => {
  test.setTimeout(180_000);
  await signUp(page, "maps");
  const { project } = await apiPost<{ project: { documents: { id: string; pages: { id: string }[] }[] } }>(page, "/api/projects", body());
  const doc = project.documents[0];

  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`/dashboard/documents/${doc.id}`);
  const maps = page.getByRole("region", { name: "Takeoff maps" });
  await expect(maps).toBeVisible();
  const thumbs = maps.getByTestId("page-map-thumbnail");
  await expect(thumbs).toHaveCount(2);
  await expect(thumbs.nth(0)).toContainText("S-101 Foundation Plan");
  await expect(thumbs.nth(0)).toContainText("7 measurements");
  await expect(thumbs.nth(1)).toContainText("S-102 Dense Plan");
  await expect(maps.getByText("Page 3")).toBeVisible();
  await expect(thumbs.locator("img").first()).toHaveAttribute("loading", "lazy");
  await maps.scrollIntoViewIfNeeded();
  await imagesLoaded(thumbs.locator("img"));
  await screenshot(page, "takeoff-maps-document-desktop");

  // Keyboard: focus the first thumbnail, Enter opens the dialog, Tab stays inside, Escape closes and gives focus back.
  await thumbs.nth(0).focus();
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: "Takeoff map — S-101 Foundation Plan" });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText("Structural Set.pdf · page 1 · 7 measurements");
  const rows = dialog.getByTestId("legend-row");
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(0)).toContainText("Floor Slab");
  await expect(rows.nth(0)).toContainText("1,651 SF");
  await expect(rows.nth(0)).toContainText("3");
  await expect(rows.nth(1)).toContainText(HOSTILE);
  await expect(rows.nth(1)).toContainText("113.5 LF");
  await expect(rows.nth(2)).toContainText("2 EA");
  await imagesLoaded(dialog.getByTestId("page-map-large"));
  await expect(dialog.getByRole("img", { name: /Takeoff map of S-101 Foundation Plan/ })).toBeVisible();
  for (let i = 0; i < 6; i++) {
    await page.keyboard.press("Tab");
    expect(await dialog.evaluate((d) => d.contains(document.activeElement) || document.activeElement === document.body)).toBe(true);
  }
  await scan(page, "map dialog @ 1280");
  await screenshot(page, "takeoff-maps-dialog-desktop", false);
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(thumbs.nth(0)).toBeFocused();

  // The 10,000-shape page opens at once: the legend is there before the image, then the image loads.
  const started = Date.now();
  await thumbs.nth(1).click();
  const dense = page.getByRole("dialog", { name: "Takeoff map — S-102 Dense Plan" });
  await expect(dense.getByTestId("legend-row")).toHaveCount(2);
  await expect(dense.getByTestId("legend-row").nth(0)).toContainText("10,000 SF");
  await expect(dense.getByTestId("legend-row").nth(0)).toContainText("5,000");
  await imagesLoaded(dense.getByTestId("page-map-large"));
  console.log(`10,000-shape page: dialog with its map loaded ${Date.now() - started} ms after the click`);
  await page.keyboard.press("Escape");
  await expect(dense).toBeHidden();

  // A phone.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  await maps.scrollIntoViewIfNeeded();
  await imagesLoaded(thumbs.locator("img"));
  await noSidewaysScroll(page, "document page at 390 px");
  await scan(page, "document page @ 390");
  await screenshot(page, "takeoff-maps-document-phone");
  await thumbs.nth(0).click();
  await expect(dialog).toBeVisible();
  await imagesLoaded(dialog.getByTestId("page-map-large"));
  await noSidewaysScroll(page, "map dialog at 390 px");
  await screenshot(page, "takeoff-maps-dialog-phone", false);
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
});
