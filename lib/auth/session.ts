/**
 * Who is calling: an API key (`Authorization: Bearer …`) or a session cookie.
 * Used by the API handler wrapper and by server components.
 *
 * API keys are created, listed and revoked through better-auth's api-key
 * plugin; verification here is one indexed query on the key's hash (the
 * plugin's own hash function) joined to its user — no write on every request,
 * as the plugin's usage counters would do — and a verified key is trusted for
 * API_KEY_CACHE_MS without asking again. Revoking deletes the row: the key
 * fails at once in the process that revoked it and within API_KEY_CACHE_MS
 * everywhere else (other cluster workers and instances).
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
    .select({
      keyId: apiKeys.id,
      id: users.id,
      email: users.email,
      name: users.name,
      lastRequest: apiKeys.lastRequest,
      expiresAt: apiKeys.expiresAt,
    })
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

/**
 * How long a verified key is trusted without the database: the longest a key
 * revoked by another process (another cluster worker or instance, or
 * better-auth's own endpoints) keeps working. Under load the lookup was a
 * third of the database round trips of `GET /api/exports` and ~0.3 ms of
 * CPU per request (bench/README.md, API); once a second per key costs nothing.
 */
export const API_KEY_CACHE_MS = 1_000;
/** Entries at most; past that the cache starts over (a flood of distinct valid keys is not a workload). */
const API_KEY_CACHE_MAX = 10_000;

type CachedKey = { user: AuthUser; keyId: string; lastRequest: number | null; until: number };

/** One cache per process, on globalThis: Next.js loads this module once per route bundle, and a revocation must reach them all. */
const globalForKeys = globalThis as unknown as { __takeoffApiKeyCache?: Map<string, CachedKey> };
const keyCache = (globalForKeys.__takeoffApiKeyCache ??= new Map());

/** Forgets a key in this process at once (revocation); other processes forget it within API_KEY_CACHE_MS. */
export function forgetApiKey(keyId: string) {
  for (const [hashed, entry] of keyCache) if (entry.keyId === keyId) keyCache.delete(hashed);
}

async function lookUpApiKey(hashed: string): Promise<CachedKey | null> {
  const now = Date.now();
  const cached = keyCache.get(hashed);
  if (cached && cached.until > now) return cached;
  const db = await getDb();
  let lookup = keyLookups.get(db);
  if (!lookup) keyLookups.set(db, (lookup = prepareKeyLookup(db)));
  const [row] = await lookup.execute({ hashed });
  if (!row) {
    keyCache.delete(hashed);
    return null;
  }
  // Unknown keys are not remembered: a new key works at once, and made-up keys cannot fill the cache.
  const entry: CachedKey = {
    user: { id: row.id, email: row.email, name: row.name },
    keyId: row.keyId,
    lastRequest: row.lastRequest?.getTime() ?? null,
    until: Math.min(now + API_KEY_CACHE_MS, row.expiresAt?.getTime() ?? Infinity),
  };
  if (keyCache.size >= API_KEY_CACHE_MAX) keyCache.clear();
  keyCache.set(hashed, entry);
  return entry;
}

async function userForApiKey(key: string): Promise<AuthUser | null> {
  if (key.length > 200) return null;
  const entry = await lookUpApiKey(hashApiKey(key));
  if (!entry) return null;
  // "Last used" for the key list, written at most once a minute per key.
  if (entry.lastRequest === null || Date.now() - entry.lastRequest > 60_000) {
    entry.lastRequest = Date.now();
    const db = await getDb();
    await db
      .update(apiKeys)
      .set({ lastRequest: new Date() })
      .where(
        and(eq(apiKeys.id, entry.keyId), or(isNull(apiKeys.lastRequest), lt(apiKeys.lastRequest, sql`now() - ${LAST_USED_RESOLUTION}`))),
      );
  }
  return entry.user;
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
