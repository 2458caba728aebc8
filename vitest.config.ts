import path from "node:path";
import { defineConfig } from "vitest/config";

/**
 * Three lanes, all in `npm test` (`vitest run` runs every project):
 * - unit: renderers, storage drivers, helpers — no app database beyond
 *   in-memory PGlite where a renderer needs rows;
 * - integration: route handlers and services on embedded PGlite, and again on
 *   a real PostgreSQL when TEST_DATABASE_URL is set (CI sets it);
 * - slow: memory bounds, the crash-and-restart child processes and the load
 *   test, which take a minute or more each (`npm run test:slow`).
 */
const testEnv = {
  NODE_ENV: "test" as const,
  PGLITE_DIR: "memory://",
  APP_SECRET: "test-secret-test-secret-test-secret-0123456789",
  APP_URL: "http://localhost:3000",
  DATA_DIR: ".test-data",
  EXPORTS_DIR: ".test-data/exports",
  LOG_LEVEL: process.env.LOG_LEVEL ?? "silent",
  SEED_DEMO: "false",
};

const SLOW = [
  "tests/unit/formats/memory.test.ts",
  "tests/integration/export-crash.test.ts",
  "tests/integration/load.test.ts",
  // 70,000 zip entries, read back by Python and unzip (~20 s).
  "tests/unit/bundles/zip64.test.ts",
];

const alias = { "@": path.resolve(import.meta.dirname) };
const pgUrl = process.env.TEST_DATABASE_URL;
const common = { setupFiles: ["tests/setup.ts"], testTimeout: 120_000, hookTimeout: 60_000 };
const pgEnv = { ...testEnv, DATABASE_URL: pgUrl ?? "", DATABASE_POOL_SIZE: "4" };

export default defineConfig({
  resolve: { alias },
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    setupFiles: ["tests/setup.ts"],
    projects: [
      { resolve: { alias }, test: { name: "unit", include: ["tests/unit/**/*.test.ts"], exclude: SLOW, env: testEnv, ...common } },
      {
        resolve: { alias },
        test: { name: "integration", include: ["tests/integration/**/*.test.ts"], exclude: SLOW, env: testEnv, ...common },
      },
      { resolve: { alias }, test: { name: "slow", include: SLOW, env: testEnv, ...common } },
      ...(pgUrl
        ? [
            {
              resolve: { alias },
              test: {
                name: "integration-pg",
                include: ["tests/integration/**/*.test.ts"],
                exclude: SLOW,
                env: pgEnv,
                globalSetup: ["tests/global-setup-pg.ts"],
                ...common,
              },
            },
            {
              resolve: { alias },
              // The load test on PostgreSQL; the crash test is embedded-only and the memory test has no database mode.
              test: {
                name: "slow-pg",
                include: ["tests/integration/load.test.ts"],
                env: pgEnv,
                globalSetup: ["tests/global-setup-pg.ts"],
                ...common,
              },
            },
          ]
        : []),
    ],
  },
});
