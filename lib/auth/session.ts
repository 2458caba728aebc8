/**
 * Who is calling: an API key (`Authorization: Bearer …`) or a session cookie.
 * Used by the API handler wrapper and by server components.
 */
import { getAuth } from "./index";

export type AuthUser = { id: string; email: string; name: string };
export type AuthResult = { user: AuthUser; via: "api_key" | "session" };

export async function authenticate(headers: Headers): Promise<AuthResult | null> {
  const auth = await getAuth();
  const authorization = headers.get("authorization");
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) return null;
    const result = await auth.api.verifyApiKey({ body: { key: match[1] } }).catch(() => null);
    if (!result?.valid || !result.key) return null;
    const user = await userById(result.key.referenceId);
    return user ? { user, via: "api_key" } : null;
  }
  const session = await auth.api.getSession({ headers }).catch(() => null);
  if (!session) return null;
  return { user: { id: session.user.id, email: session.user.email, name: session.user.name }, via: "session" };
}

async function userById(id: string): Promise<AuthUser | null> {
  const { getDb } = await import("@/db");
  const db = await getDb();
  const row = await db.query.users.findFirst({ where: (u, { eq }) => eq(u.id, id) });
  return row ? { id: row.id, email: row.email, name: row.name } : null;
}
