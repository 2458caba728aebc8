/**
 * Who is calling: an API key (`Authorization: Bearer …`) or a session cookie.
 * Used by the API handler wrapper and by server components.
 *
 * API keys are created, listed and revoked through better-auth's api-key
 * plugin; verification here is one indexed query on the key's hash (the
 * plugin's own hash function) joined to its user — no write on every request,
 * as the plugin's usage counters would do. Revoking deletes the row, so a
 * revoked key fails at once on every instance.
 */
import { and, eq, gt, isNull, lt, or, sql } from "drizzle-orm";
import { createHash } from "node:crypto";
import { getDb, type Db } from "@/db";
import { apiKeys, users } from "@/db/schema";
import { getAuth } from "./index";

export type AuthUser = { id: string; email: string; name: string };
export type AuthResult = { user: AuthUser; via: "api_key" | "session" };

const LAST_USED_RESOLUTION = sql`interval '1 minute'`;

/** The key lookup, prepared once per database (it runs on every API request). */
const keyLookups = new WeakMap<Db, ReturnType<typeof prepareKeyLookup>>();

function prepareKeyLookup(db: Db) {
  return db
    .select({ keyId: apiKeys.id, id: users.id, email: users.email, name: users.name, lastRequest: apiKeys.lastRequest })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.referenceId))
    .where(
      and(
        eq(apiKeys.key, sql.placeholder("hashed")),
        or(isNull(apiKeys.enabled), eq(apiKeys.enabled, true)),
        or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, sql`now()`)),
      ),
    )
    .prepare("api_key_lookup");
}

/**
 * The api-key plugin's `defaultKeyHasher` (SHA-256, base64url without
 * padding), computed synchronously: the plugin's version goes through
 * WebCrypto's async digest, several times slower per request. A unit test
 * keeps the two equal.
 */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("base64url");
}

async function userForApiKey(key: string): Promise<AuthUser | null> {
  if (key.length > 200) return null;
  const db = await getDb();
  const hashed = hashApiKey(key);
  let lookup = keyLookups.get(db);
  if (!lookup) keyLookups.set(db, (lookup = prepareKeyLookup(db)));
  const [row] = await lookup.execute({ hashed });
  if (!row) return null;
  // "Last used" for the key list, written at most once a minute per key.
  if (!row.lastRequest || Date.now() - row.lastRequest.getTime() > 60_000) {
    await db
      .update(apiKeys)
      .set({ lastRequest: new Date() })
      .where(
        and(eq(apiKeys.id, row.keyId), or(isNull(apiKeys.lastRequest), lt(apiKeys.lastRequest, sql`now() - ${LAST_USED_RESOLUTION}`))),
      );
  }
  return { id: row.id, email: row.email, name: row.name };
}

export async function authenticate(headers: Headers): Promise<AuthResult | null> {
  const authorization = headers.get("authorization");
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) return null;
    const user = await userForApiKey(match[1]);
    return user ? { user, via: "api_key" } : null;
  }
  if (!headers.get("cookie")) return null;
  const auth = await getAuth();
  const session = await auth.api.getSession({ headers }).catch(() => null);
  if (!session) return null;
  return { user: { id: session.user.id, email: session.user.email, name: session.user.name }, via: "session" };
}
