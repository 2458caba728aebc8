import nextCoreWebVitals from "eslint-config-next/core-web-vitals";
import nextTypescript from "eslint-config-next/typescript";

/**
 * Layer rules (docs/architecture.md): the HTTP layer (lib/api) sits on top;
 * nothing below it may import it, so services, storage and renderers stay
 * free of requests, responses and statuses. Client components import shared
 * constants and types, never server modules.
 */
const HTTP_LAYER = {
  group: ["@/lib/api", "@/lib/api/*", "**/lib/api/*", "next/server"],
  message:
    "Below the HTTP layer: throw a DomainError (lib/errors.ts) and take parsed input; only routes and lib/api know about requests and statuses.",
};

const SERVER_MODULES = {
  group: [
    "@/db",
    "@/db/*",
    "@/lib/env",
    "@/lib/storage",
    "@/lib/storage/*",
    "@/lib/exports/services",
    "@/lib/exports/services/*",
    "@/lib/exports/pipeline",
    "@/lib/exports/pipeline/*",
    "@/lib/exports/runner",
    "@/lib/shares/*",
    // Share states and labels are plain constants the dashboard shows.
    "!@/lib/shares/model",
    "@/lib/rate-limits",
    "@/lib/webhooks/*",
    // Webhook events, their labels and the retry schedule are plain constants the dashboard shows.
    "!@/lib/webhooks/model",
    "@/lib/schedules/services",
    "@/lib/schedules/services/*",
    "@/lib/schedules/tick",
    "@/lib/schedules/pause",
    "@/lib/presets/services",
    "@/lib/presets/services/*",
    "@/lib/takeoff/*",
    "@/lib/auth",
    "@/lib/auth/*",
    "@/lib/api/*",
    "@/inngest/*",
  ],
  allowTypeImports: true,
  message: "Components run in the browser too: import shared constants (lib/exports/model.ts) and types, not server modules.",
};

/** Exact module names (a group pattern for one would also cover the plain modules under it, such as lib/presets/template). */
const SERVER_PATHS = [
  { name: "@/lib/presets", allowTypeImports: true, message: SERVER_MODULES.message },
  { name: "@/lib/webhooks", allowTypeImports: true, message: SERVER_MODULES.message },
];

const config = [
  ...nextCoreWebVitals,
  ...nextTypescript,
  {
    ignores: [
      ".next/**",
      "node_modules/**",
      ".data/**",
      ".test-data/**",
      "db/migrations/**",
      "next-env.d.ts",
      "test-results/**",
      "playwright-report/**",
      ".ci/node/**",
      ".scratch/**",
    ],
  },
  {
    files: [
      "db/**/*.ts",
      "lib/errors.ts",
      "lib/env.ts",
      "lib/logger.ts",
      "lib/storage/**/*.ts",
      "lib/takeoff/**/*.ts",
      "lib/exports/**/*.ts",
      "lib/shares/**/*.ts",
      "lib/rate-limits.ts",
      "lib/schedules/**/*.ts",
      "lib/webhooks/**/*.ts",
      "lib/presets/**/*.ts",
      "lib/auth/**/*.ts",
      "inngest/**/*.ts",
    ],
    rules: { "@typescript-eslint/no-restricted-imports": ["error", { patterns: [HTTP_LAYER] }] },
  },
  {
    files: ["components/**/*.ts", "components/**/*.tsx"],
    // or-not-found is a server helper for pages; it needs only the domain error type.
    ignores: ["components/dashboard/or-not-found.ts"],
    rules: { "@typescript-eslint/no-restricted-imports": ["error", { paths: SERVER_PATHS, patterns: [SERVER_MODULES] }] },
  },
];

export default config;
