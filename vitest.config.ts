import path from "node:path";
import { defineConfig } from "vitest/config";

/**
 * Unit tests, and the integration suite twice: on embedded PGlite always, and
 * on a real PostgreSQL when TEST_DATABASE_URL is set (CI sets it).
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

const alias = { "@": path.resolve(import.meta.dirname) };
const pgUrl = process.env.TEST_DATABASE_URL;

export default defineConfig({
  resolve: { alias },
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    setupFiles: ["tests/setup.ts"],
    projects: [
      {
        resolve: { alias },
        test: { name: "unit", include: ["tests/unit/**/*.test.ts"], env: testEnv, setupFiles: ["tests/setup.ts"], testTimeout: 120_000, hookTimeout: 60_000 },
      },
      {
        resolve: { alias },
        test: { name: "integration", include: ["tests/integration/**/*.test.ts"], env: testEnv, setupFiles: ["tests/setup.ts"], testTimeout: 120_000, hookTimeout: 60_000 },
      },
      ...(pgUrl
        ? [
            {
              resolve: { alias },
              test: {
                name: "integration-pg",
                include: ["tests/integration/**/*.test.ts"],
                env: { ...testEnv, DATABASE_URL: pgUrl, DATABASE_POOL_SIZE: "4" },
                globalSetup: ["tests/global-setup-pg.ts"],
                setupFiles: ["tests/setup.ts"],
                testTimeout: 120_000,
                hookTimeout: 60_000,
              },
            },
          ]
        : []),
    ],
  },
});
