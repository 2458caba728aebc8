import { defineConfig, devices } from "@playwright/test";

/**
 * End-to-end tests in Debian's Chromium against the built app (`next start`)
 * on its embedded defaults, with a fresh data directory for every run.
 */
const PORT = Number(process.env.E2E_PORT ?? 3100);
const BASE_URL = `http://localhost:${PORT}`;
const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export default defineConfig({
  testDir: "tests/e2e",
  timeout: 120_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  outputDir: "test-results",
  use: {
    baseURL: BASE_URL,
    acceptDownloads: true,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: chromium,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"], channel: undefined } }],
  webServer: {
    command: `rm -rf .test-data/e2e && npx next start -p ${PORT}`,
    url: `${BASE_URL}/api/health`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      NEXT_TELEMETRY_DISABLED: "1",
      APP_URL: BASE_URL,
      DATA_DIR: ".test-data/e2e",
      SEED_DEMO: "true",
      LOG_LEVEL: "warn",
      EXPORTS_RETRY_DELAY_MS: "200",
      // Enables POST /api/test/faults (embedded mode only) so a test can make storage uploads fail on purpose.
      TEST_FAULTS: "1",
      // Every spec signs in from the same address; the limits themselves are covered by integration tests.
      AUTH_ATTEMPTS_PER_MINUTE: "1000",
      EXPORTS_CREATE_PER_MINUTE: "1000",
    },
  },
});
