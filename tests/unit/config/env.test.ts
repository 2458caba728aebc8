// Start-up refuses a configuration that cannot serve, naming each bad variable (SPEC §10, §15).
import { describe, expect, it } from "vitest";
import { configProblems, parseEnv } from "@/lib/env";

const SECRET = "s".repeat(32);
const problemsOf = (given: Record<string, string>) => configProblems(parseEnv(given), given);
const names = (given: Record<string, string>) => problemsOf(given).map((p) => p.split(":")[0]);

describe("configuration checks", () => {
  it("accepts the embedded defaults, in development and in production", () => {
    expect(problemsOf({})).toEqual([]);
    expect(problemsOf({ NODE_ENV: "production" })).toEqual([]);
  });

  it("accepts a complete production configuration", () => {
    const prod = {
      NODE_ENV: "production",
      DATABASE_URL: "postgres://app@db:5432/app",
      APP_SECRET: SECRET,
      APP_URL: "https://takeoff.example.com",
      S3_BUCKET: "exports",
      S3_ACCESS_KEY_ID: "id",
      S3_SECRET_ACCESS_KEY: "secret",
      INNGEST_EVENT_KEY: "evt",
      INNGEST_SIGNING_KEY: "signkey-prod-1",
    };
    expect(problemsOf(prod)).toEqual([]);
    // S3 without keys uses the default AWS credential chain (an instance role).
    expect(problemsOf({ ...prod, S3_ACCESS_KEY_ID: "", S3_SECRET_ACCESS_KEY: "" })).toEqual([]);
  });

  it("production with PostgreSQL needs APP_SECRET and APP_URL", () => {
    expect(names({ NODE_ENV: "production", DATABASE_URL: "postgres://app@db/app" })).toEqual(["APP_SECRET", "APP_URL"]);
    expect(names({ NODE_ENV: "production", DATABASE_URL: "postgres://app@db/app", APP_SECRET: SECRET })).toEqual(["APP_URL"]);
    // Development on PostgreSQL generates a secret in DATA_DIR, as the embedded mode does.
    expect(names({ NODE_ENV: "development", DATABASE_URL: "postgres://app@db/app" })).toEqual([]);
  });

  it("a short APP_SECRET is refused by the variable's own check", () => {
    expect(() => parseEnv({ APP_SECRET: "short" })).toThrow(/APP_SECRET: must be at least 32 characters/);
  });

  it("S3 keys come in pairs, and S3 settings without S3_BUCKET are refused", () => {
    expect(names({ S3_BUCKET: "b", S3_ACCESS_KEY_ID: "id" })).toEqual(["S3_SECRET_ACCESS_KEY"]);
    expect(names({ S3_BUCKET: "b", S3_SECRET_ACCESS_KEY: "k" })).toEqual(["S3_ACCESS_KEY_ID"]);
    expect(names({ S3_ENDPOINT: "http://127.0.0.1:9000", S3_ACCESS_KEY_ID: "id" })).toEqual(["S3_ENDPOINT", "S3_ACCESS_KEY_ID"]);
  });

  it("Inngest keys come in pairs unless INNGEST_DEV is set", () => {
    expect(names({ INNGEST_EVENT_KEY: "evt" })).toEqual(["INNGEST_SIGNING_KEY"]);
    expect(names({ INNGEST_SIGNING_KEY: "sig" })).toEqual(["INNGEST_EVENT_KEY"]);
    expect(names({ INNGEST_EVENT_KEY: "evt", INNGEST_DEV: "1" })).toEqual([]);
  });

  it("names every bad variable at once, one line each", () => {
    const problems = problemsOf({
      NODE_ENV: "production",
      DATABASE_URL: "postgres://app@db/app",
      S3_BUCKET: "b",
      S3_ACCESS_KEY_ID: "id",
      INNGEST_EVENT_KEY: "e",
    });
    expect(problems.map((p) => p.split(":")[0])).toEqual(["S3_SECRET_ACCESS_KEY", "INNGEST_SIGNING_KEY", "APP_SECRET", "APP_URL"]);
    for (const p of problems) expect(p).not.toContain("\n");
  });
});
