/**
 * better-auth: email + password sessions and API keys (SPEC §4), stored
 * through the Drizzle adapter in our own tables. Created once per process,
 * after the database is open and migrated.
 */
import { apiKey } from "@better-auth/api-key";
import { betterAuth } from "better-auth";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { getDb, type Db } from "@/db";
import { accounts, apiKeys, sessions, users, verifications } from "@/db/schema";
import { env } from "@/lib/env";
import { logger } from "@/lib/logger";
import { appSecret } from "./secret";

function logAuth(level: string, message: string) {
  if (/api key/i.test(message)) return logger.debug(`auth: ${message}`);
  if (level === "error") logger.error(`auth: ${message}`);
  else if (level === "warn") logger.warn(`auth: ${message}`);
  else logger.debug(`auth: ${message}`);
}

export const API_KEY_PREFIX = "tk_";

function createAuth(db: Db) {
  return betterAuth({
    appName: "Takeoff Exports",
    baseURL: env.APP_URL,
    basePath: "/api/auth",
    secret: appSecret(),
    trustedOrigins: [new URL(env.APP_URL).origin],
    telemetry: { enabled: false },
    // An invalid API key is the caller's problem, not an error in our logs.
    logger: { disabled: env.NODE_ENV === "test", level: "warn", log: (level, message) => logAuth(level, message) },
    database: drizzleAdapter(db, {
      provider: "pg",
      schema: { user: users, session: sessions, account: accounts, verification: verifications, apikey: apiKeys },
    }),
    emailAndPassword: { enabled: true, minPasswordLength: 8, maxPasswordLength: 128, autoSignIn: true },
    // No cookie cache: a signed-out or revoked session must stop working at once.
    session: { cookieCache: { enabled: false } },
    rateLimit: {
      // Brute-force protection on credentials; the rest of the API has its own limits.
      enabled: true,
      storage: "memory",
      window: 60,
      max: 300,
      customRules: {
        "/sign-in/email": { window: 60, max: env.AUTH_ATTEMPTS_PER_MINUTE },
        "/sign-up/email": { window: 60, max: env.AUTH_ATTEMPTS_PER_MINUTE },
      },
    },
    advanced: {
      database: { generateId: () => crypto.randomUUID() },
    },
    plugins: [
      apiKey({
        defaultPrefix: API_KEY_PREFIX,
        // Usage counters would turn every API request into a write.
        rateLimit: { enabled: false },
        requireName: false,
        maximumNameLength: 100,
      }),
    ],
  });
}

export type Auth = ReturnType<typeof createAuth>;

const globalForAuth = globalThis as unknown as { __takeoffAuth?: Promise<Auth> };

export function getAuth(): Promise<Auth> {
  if (!globalForAuth.__takeoffAuth) {
    globalForAuth.__takeoffAuth = getDb()
      .then(createAuth)
      .catch((err) => {
        globalForAuth.__takeoffAuth = undefined;
        throw err;
      });
  }
  return globalForAuth.__takeoffAuth;
}

/** Test helper and shutdown: forget the instance (it holds no resources of its own). */
export function resetAuth() {
  globalForAuth.__takeoffAuth = undefined;
}
