/**
 * API keys for integrators (SPEC §4), kept by better-auth's api-key plugin:
 * only a hash is stored and the key is returned once, at creation.
 */
import { and, desc, eq } from "drizzle-orm";
import { z } from "zod";
import { getDb } from "@/db";
import { apiKeys } from "@/db/schema";
import { notFound } from "@/lib/errors";
import { getAuth } from "./index";
import { forgetApiKey } from "./session";

export const CreateApiKeySchema = z
  .strictObject({
    name: z
      .string()
      .trim()
      .min(1, "must not be empty")
      .max(100, "must be at most 100 characters")
      .regex(/^[^\u0000-\u001f\u007f]*$/, "must not contain control characters"),
  })
  .meta({ id: "CreateApiKeyBody", example: { name: "Estimating integration" } });

type KeyRow = typeof apiKeys.$inferSelect;

function keyOut(k: Pick<KeyRow, "id" | "name" | "start" | "createdAt" | "lastRequest" | "expiresAt">) {
  return {
    id: k.id,
    name: k.name,
    start: k.start,
    created_at: k.createdAt.toISOString(),
    last_used_at: k.lastRequest?.toISOString() ?? null,
    expires_at: k.expiresAt?.toISOString() ?? null,
  };
}

export async function listApiKeys(userId: string) {
  const db = await getDb();
  const rows = await db.select().from(apiKeys).where(eq(apiKeys.referenceId, userId)).orderBy(desc(apiKeys.createdAt));
  return { api_keys: rows.map(keyOut) };
}

export async function createApiKey(userId: string, name: string) {
  const auth = await getAuth();
  const created = await auth.api.createApiKey({ body: { name, userId } });
  return {
    api_key: keyOut({
      id: created.id,
      name: created.name ?? name,
      start: created.start ?? null,
      createdAt: new Date(created.createdAt),
      lastRequest: null,
      expiresAt: created.expiresAt ? new Date(created.expiresAt) : null,
    }),
    key: created.key,
    message: "Copy this key now: it is shown only once.",
  };
}

export async function revokeApiKey(userId: string, id: string) {
  const db = await getDb();
  const deleted = await db
    .delete(apiKeys)
    .where(and(eq(apiKeys.id, id), eq(apiKeys.referenceId, userId)))
    .returning({ id: apiKeys.id });
  if (deleted.length === 0) throw notFound("API key");
  forgetApiKey(id);
}
