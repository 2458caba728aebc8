/**
 * Shared steps of the browser tests: a fresh user per test (signed up through
 * the API, the session cookie lands in the page's context), project imports
 * through POST /api/projects, export creation and status polling through the
 * API, and the test-only storage fault switch.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { APIResponse, Page } from "@playwright/test";
import { expect } from "@playwright/test";

export type Json = Record<string, unknown>;

let counter = 0;

/** A new account for this test only; the page's context holds its session afterwards. */
export async function signUp(page: Page, label: string) {
  const email = `${label}-${Date.now()}-${++counter}@e2e.test`;
  const password = "e2e-password-1";
  const name = `E2E ${label}`;
  const res = await page.request.post("/api/auth/sign-up/email", { data: { email, password, name } });
  expect(res.ok(), await res.text()).toBeTruthy();
  return { email, password, name };
}

async function body<T>(res: APIResponse): Promise<T> {
  const text = await res.text();
  expect(res.ok(), `${res.url()} → ${res.status()} ${text}`).toBeTruthy();
  return (text ? JSON.parse(text) : null) as T;
}

export async function apiGet<T = Json>(page: Page, url: string): Promise<T> {
  return body<T>(await page.request.get(url));
}

export async function apiPost<T = Json>(page: Page, url: string, data: unknown = {}): Promise<T> {
  return body<T>(await page.request.post(url, { data }));
}

type ProjectSpec = {
  name: string;
  client?: string;
  /** Documents with their number of pages. */
  documents?: { name: string; pages: number }[];
  /** Measurements per page. */
  perPage?: number;
};

/** A deterministic takeoff project: a costed area condition and a linear one, measurements spread over the pages. */
export function projectBody(spec: ProjectSpec) {
  const docs = spec.documents ?? [{ name: "Structural Set.pdf", pages: 2 }];
  const perPage = spec.perPage ?? 3;
  return {
    name: spec.name,
    description: "Created by the browser tests",
    client_name: spec.client ?? "Acme Construction Co.",
    address: null,
    conditions: [
      {
        ref: "slab",
        name: "Floor Slab",
        description: "Ground floor concrete slab",
        scope: "concrete",
        category: "slab",
        measurement_type: "area",
        unit: "SF",
        color: "#3B82F6",
        costs: {
          material_cost: 4500,
          labor_cost: 3000,
          equipment_cost: 500,
          subcontract_cost: 0,
          other_cost: 200,
          total_cost: 8200,
          unit_cost: 5.47,
          total_labor_hours: 40,
          overhead_percent: 10,
          profit_percent: 8,
          total_with_markup: 9676,
        },
      },
      {
        ref: "footing",
        name: "Continuous Footing – Ωmega",
        scope: "concrete",
        category: "footing",
        measurement_type: "linear",
        unit: "LF",
        color: "#EF4444",
      },
    ],
    documents: docs.map((d) => ({
      name: d.name,
      pages: Array.from({ length: d.pages }, (_, p) => ({
        page_number: p + 1,
        sheet_number: `S-${String(p + 1).padStart(3, "0")}`,
        sheet_title: `Sheet ${p + 1}`,
        measurements: Array.from({ length: perPage }, (_, i) =>
          i % 2 === 0
            ? {
                condition: "slab",
                geometry_type: "polygon",
                geometry: {
                  points: [
                    { x: i, y: 0 },
                    { x: i + 100, y: 0 },
                    { x: i + 100, y: 50 },
                    { x: i, y: 50 },
                  ],
                },
                quantity: 500 + i,
                unit: "SF",
                is_ai_generated: i % 3 === 0,
                is_verified: true,
                notes: i === 0 ? "=SUM(A1) injected?" : null,
              }
            : {
                condition: "footing",
                geometry_type: "line",
                geometry: { start: { x: 0, y: i }, end: { x: 120, y: i } },
                quantity: 12.5,
                unit: "LF",
                is_ai_generated: false,
                is_verified: i % 4 !== 1,
                notes: null,
              },
        ),
      })),
    })),
  };
}

export type ImportedProject = {
  id: string;
  name: string;
  documents: { id: string; name: string }[];
  conditions: { id: string; name: string }[];
  measurements_count: number;
};

export async function importProject(page: Page, spec: ProjectSpec): Promise<ImportedProject> {
  const res = await page.request.post("/api/projects", { data: projectBody(spec), timeout: 120_000 });
  return (await body<{ project: ImportedProject }>(res)).project;
}

export type ExportJson = {
  id: string;
  name: string;
  status: string;
  format: string;
  error_message: string | null;
  file_name: string | null;
  download_count: number;
};

export async function startExport(page: Page, documentId: string, data: Json): Promise<ExportJson> {
  return (await apiPost<{ export: ExportJson }>(page, `/api/documents/${documentId}/export`, data)).export;
}

export async function waitForExport(page: Page, id: string, statuses: string[], timeout = 60_000): Promise<ExportJson> {
  let last: ExportJson | undefined;
  await expect
    .poll(
      async () => {
        last = await apiGet<ExportJson>(page, `/api/exports/${id}`);
        return statuses.includes(last.status);
      },
      { timeout, intervals: [250, 500, 1000] },
    )
    .toBe(true);
  return last!;
}

/** Cancels whatever this user still has queued or running, so slow jobs do not hold the shared runner for later tests. */
export async function cancelActive(page: Page) {
  for (const status of ["pending", "processing"]) {
    const { exports } = await apiGet<{ exports: ExportJson[] }>(page, `/api/exports?status=${status}&limit=100`);
    for (const e of exports) await page.request.post(`/api/exports/${e.id}/cancel`, { data: {} });
  }
}

/** The test-only fault switch of the embedded mode (TEST_FAULTS=1): make storage uploads fail, or stop doing so. */
export async function setUploadFault(page: Page, on: boolean) {
  const res = await page.request.post("/api/test/faults", { data: { storage_upload: on } });
  expect(res.ok(), `POST /api/test/faults → ${res.status()} ${await res.text()}`).toBeTruthy();
}

/** Like setUploadFault, but reports whether the switch exists instead of failing (for tests where a failed export is a nice-to-have). */
export async function trySetUploadFault(page: Page, on: boolean): Promise<boolean> {
  const res = await page.request.post("/api/test/faults", { data: { storage_upload: on } });
  return res.ok();
}

/** Text of a PDF, through poppler's pdftotext (an independent reader). */
export function pdfText(file: string): string {
  return execFileSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8" });
}

export const SCREENSHOT_DIR = path.join("test-results", "screenshots");

/** Full-page by default; a modal's backdrop only covers the viewport, so dialogs are taken as the viewport. */
export async function screenshot(page: Page, name: string, fullPage = true) {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage });
}
