/**
 * The only reader of `process.env`. Every variable is validated with zod when
 * this module is first imported (the instrumentation hook imports it at
 * start-up), so a bad value stops the server with a message naming the
 * variable. `.env.example` documents each one with its default.
 */
import { z } from "zod";

const bool = z.enum(["true", "false", "1", "0", "yes", "no"]).transform((v) => v === "true" || v === "1" || v === "yes");

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));

const int = (def: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(def);

const url = z
  .string()
  .url()
  .optional()
  .or(z.literal("").transform(() => undefined));

const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),

  /** Public URL of the app; used for auth callbacks, absolute links and trusted origins. */
  APP_URL: z.string().url().default("http://localhost:3000"),
  /** Secret for sessions and signed storage URLs. Generated and kept in DATA_DIR when unset in the embedded mode. */
  APP_SECRET: optionalString.pipe(z.string().min(32, "must be at least 32 characters").optional()),

  /** Where the embedded mode keeps its database, files and generated secret. */
  DATA_DIR: z.string().default(".data"),
  /** PGlite directory for the embedded mode (default DATA_DIR/pglite); `memory://` keeps it in memory. */
  PGLITE_DIR: optionalString,
  /**
   * Embedded mode: run PGlite on a worker thread (default), so its queries use the second core
   * beside rendering and requests; false runs it on the main thread (db/pglite-thread.ts).
   */
  PGLITE_WORKER: bool.default(true),
  /** PostgreSQL connection string; when unset the embedded PGlite database is used. */
  DATABASE_URL: url,
  /** Connections in the PostgreSQL pool. */
  DATABASE_POOL_SIZE: int(10, 1, 200),
  /** Seed the demo account and projects on start-up (default: on in the embedded mode only). */
  SEED_DEMO: bool.optional(),

  /** Local directory for the disk storage driver. */
  EXPORTS_DIR: optionalString,
  S3_BUCKET: optionalString,
  S3_REGION: z.string().default("us-east-1"),
  S3_ENDPOINT: url,
  S3_PUBLIC_ENDPOINT: url,
  S3_FORCE_PATH_STYLE: bool.default(false),
  S3_ACCESS_KEY_ID: optionalString,
  S3_SECRET_ACCESS_KEY: optionalString,

  INNGEST_EVENT_KEY: optionalString,
  INNGEST_SIGNING_KEY: optionalString,
  INNGEST_DEV: optionalString,
  INNGEST_BASE_URL: url,

  EXPORTS_INLINE_CONCURRENCY: int(2, 1, 64),
  EXPORTS_CONCURRENCY_PER_USER: int(2, 1, 64),
  EXPORTS_MAX_ACTIVE_PER_USER: int(20, 1, 10_000),
  EXPORTS_MAX_ATTEMPTS: int(3, 1, 10),
  /** Export creations (and retries) per user per minute; more is 429. */
  EXPORTS_CREATE_PER_MINUTE: int(60, 1, 100_000),
  /** Sign-in and sign-up attempts per client IP per minute; more is 429. */
  AUTH_ATTEMPTS_PER_MINUTE: int(10, 1, 100_000),
  EXPORT_RETENTION_DAYS: int(7, 1, 3650),
  EXPORT_URL_TTL_SECONDS: int(3600, 10, 7 * 24 * 3600),
  /** A processing export without a heartbeat (every 10 s) for this long is taken over: within a minute of a crash (SPEC §15). */
  EXPORT_STALL_SECONDS: int(45, 5, 24 * 3600),
  /** First retry delay after a system error (doubles per attempt, inline runner). */
  EXPORTS_RETRY_DELAY_MS: int(2000, 0, 600_000),
  /**
   * CSV rows written by the database (lib/exports/source/sql-rows.ts) instead
   * of the JavaScript row loop: the same bytes, but slower on both drivers as
   * measured (bench/README.md), so off unless asked for.
   */
  EXPORTS_CSV_IN_DATABASE: bool.default(false),
  PDF_MAX_ROWS: int(250_000, 1, 10_000_000),
  /** Most takeoff map pages one PDF may draw (option `takeoff_maps`, SPEC §12.4); more is refused at creation with a 422. */
  PDF_MAX_MAP_PAGES: int(500, 1, 100_000),
  /**
   * Production mode (DATABASE_URL set) only: let webhooks reach loopback and private addresses
   * (10/8, 172.16/12, 192.168/16, fc00::/7, 100.64/10). Link-local and cloud metadata addresses stay refused (SPEC §14.1).
   */
  WEBHOOKS_ALLOW_PRIVATE: bool.default(false),

  /**
   * Test-only fault switch (POST /api/test/faults). Honoured only in the
   * embedded mode, so it cannot be turned on in a production deployment.
   */
  TEST_FAULTS: bool.default(false),

  LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
});

export type Env = z.infer<typeof EnvSchema>;

export function parseEnv(source: Record<string, string | undefined>): Env {
  // An empty value (`FOO=` in an env file) means "use the default".
  const present = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v.trim() !== ""));
  const result = EnvSchema.safeParse(present);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid environment configuration:\n${lines.join("\n")}\nSee .env.example for every variable and its default.`);
  }
  return result.data;
}

/**
 * Settings that are each valid alone but cannot serve together; one line per
 * bad variable, empty when the configuration can serve. Checked by start-up
 * (lib/startup.ts) before the server answers a request, not when this module
 * is imported, so `next build` does not need production secrets.
 *
 * In production (`NODE_ENV=production`) with PostgreSQL, where nothing is
 * generated on first start, the app also needs its secret and its public URL:
 * without them every sign-in would fail (500, or better-auth's origin check).
 */
export function configProblems(e: Env, given: Record<string, string | undefined> = process.env): string[] {
  const problems: string[] = [];
  const isSet = (name: string) => (given[name] ?? "").trim() !== "";
  if (e.S3_BUCKET) {
    if (!!e.S3_ACCESS_KEY_ID !== !!e.S3_SECRET_ACCESS_KEY) {
      const missing = e.S3_ACCESS_KEY_ID ? "S3_SECRET_ACCESS_KEY" : "S3_ACCESS_KEY_ID";
      const other = e.S3_ACCESS_KEY_ID ? "S3_ACCESS_KEY_ID" : "S3_SECRET_ACCESS_KEY";
      problems.push(`${missing}: required when ${other} is set (set both, or neither to use the default AWS credential chain)`);
    }
  } else {
    for (const name of ["S3_ENDPOINT", "S3_PUBLIC_ENDPOINT", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"] as const) {
      if (e[name]) problems.push(`${name}: set, but S3_BUCKET is not (files would go to the local disk); set S3_BUCKET or remove ${name}`);
    }
  }
  if (!e.INNGEST_DEV) {
    if (e.INNGEST_EVENT_KEY && !e.INNGEST_SIGNING_KEY) {
      problems.push(
        "INNGEST_SIGNING_KEY: required with INNGEST_EVENT_KEY (Inngest Cloud signs its calls to /api/inngest); or set INNGEST_DEV=1 for the dev server",
      );
    }
    if (e.INNGEST_SIGNING_KEY && !e.INNGEST_EVENT_KEY) {
      problems.push(
        "INNGEST_EVENT_KEY: required with INNGEST_SIGNING_KEY (exports could not be sent to Inngest); or set INNGEST_DEV=1 for the dev server",
      );
    }
  }
  if (e.NODE_ENV === "production" && e.DATABASE_URL) {
    if (!e.APP_SECRET)
      problems.push("APP_SECRET: required in production with DATABASE_URL (at least 32 characters; signs sessions and download links)");
    if (!isSet("APP_URL")) problems.push("APP_URL: required in production with DATABASE_URL (the public URL users reach the app at)");
  }
  return problems;
}

export const env: Env = parseEnv(process.env);

/** Which implementation each part runs on (SPEC §2); chosen by environment only. */
export const modes = {
  database: env.DATABASE_URL ? "postgres" : "pglite",
  storage: env.S3_BUCKET ? "s3" : "disk",
  runner: env.INNGEST_EVENT_KEY || env.INNGEST_DEV ? "inngest" : "inline",
} as const;

export const isEmbedded = modes.database === "pglite";
