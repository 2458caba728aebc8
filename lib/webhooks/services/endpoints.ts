/**
 * Webhook endpoints of one user (SPEC §14.1): create (the secret shown once),
 * list, read, change, delete, rotate the secret. Every query is scoped to the
 * owner inside the query: another user's endpoint is 404. Nothing is sent
 * when an endpoint is created or changed.
 */
import { and, count, desc, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db, Tx } from "@/db";
import { webhookEndpoints, type WebhookEndpointRow } from "@/db/schema";
import { DomainError, notFound } from "@/lib/errors";
import { dbOr } from "@/lib/exports/services/db";
import { assertEndpointUrl } from "../address-policy";
import { disableEndpoint } from "../deliver";
import { MAX_WEBHOOK_ENDPOINTS, WEBHOOK_SECRET_OVERLAP_MS } from "../model";
import type { CreateWebhookBody, PatchWebhookBody } from "../schemas";
import { endpointOut } from "../serialize";
import { webhookSettings } from "../settings";
import { newWebhookSecret } from "../sign";

export type EndpointRef = { userId: string; id: string };

const UUID = z.string().uuid();

/** The caller's endpoint, or not_found (also another user's, and an id that is not a UUID). */
export async function findOwnedEndpoint(db: Db | Tx, { userId, id }: EndpointRef): Promise<WebhookEndpointRow> {
  if (!UUID.safeParse(id).success) throw notFound("Webhook");
  const [row] = await db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.id, id.toLowerCase()), eq(webhookEndpoints.userId, userId)));
  if (!row) throw notFound("Webhook");
  return row;
}

export async function listEndpoints({ userId }: { userId: string }, dbIn?: Db) {
  const db = await dbOr(dbIn);
  const rows = await db
    .select()
    .from(webhookEndpoints)
    .where(eq(webhookEndpoints.userId, userId))
    .orderBy(desc(webhookEndpoints.createdAt), desc(webhookEndpoints.id));
  return { webhooks: rows.map(endpointOut) };
}

export async function getEndpoint(ref: EndpointRef, dbIn?: Db) {
  return endpointOut(await findOwnedEndpoint(await dbOr(dbIn), ref));
}

export async function createEndpoint({ userId, body }: { userId: string; body: CreateWebhookBody }, dbIn?: Db) {
  const db = await dbOr(dbIn);
  const url = await assertEndpointUrl(body.url, webhookSettings);
  const [{ n }] = await db.select({ n: count() }).from(webhookEndpoints).where(eq(webhookEndpoints.userId, userId));
  if (n >= MAX_WEBHOOK_ENDPOINTS)
    throw new DomainError(
      "conflict",
      `You have ${n} webhook endpoints, the most one account keeps (${MAX_WEBHOOK_ENDPOINTS}). Delete one you no longer use, or select more events on an existing one.`,
    );
  const secret = newWebhookSecret();
  const now = new Date();
  const [row] = await db
    .insert(webhookEndpoints)
    .values({ userId, url, description: body.description ?? null, events: body.events, secret, createdAt: now, updatedAt: now })
    .returning();
  return { ...endpointOut(row), secret };
}

export async function updateEndpoint({ userId, id, patch }: EndpointRef & { patch: PatchWebhookBody }, dbIn?: Db) {
  const db = await dbOr(dbIn);
  const current = await findOwnedEndpoint(db, { userId, id });
  const url = patch.url !== undefined ? await assertEndpointUrl(patch.url, webhookSettings) : undefined;
  const now = new Date();
  const row = await db.transaction(async (tx) => {
    if (patch.enabled === false && current.enabled) await disableEndpoint(tx, current.id, null, now);
    const [updated] = await tx
      .update(webhookEndpoints)
      .set({
        ...(url !== undefined ? { url } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        ...(patch.events !== undefined ? { events: patch.events } : {}),
        // Enabling again starts a fresh count: the reason it was disabled no longer stands.
        ...(patch.enabled === true ? { enabled: true, disabledReason: null, disabledAt: null, consecutiveFailures: 0 } : {}),
        updatedAt: now,
      })
      .where(and(eq(webhookEndpoints.id, current.id), eq(webhookEndpoints.userId, userId)))
      .returning();
    return updated;
  });
  if (!row) throw notFound("Webhook");
  return endpointOut(row);
}

/** Deletes the endpoint with its messages and delivery log. */
export async function deleteEndpoint(ref: EndpointRef, dbIn?: Db) {
  const db = await dbOr(dbIn);
  const current = await findOwnedEndpoint(db, ref);
  await db.delete(webhookEndpoints).where(and(eq(webhookEndpoints.id, current.id), eq(webhookEndpoints.userId, ref.userId)));
}

/**
 * A new secret, shown once. For 24 h deliveries are signed with both (new and
 * previous), so the receiver can switch without losing one.
 */
export async function rotateSecret(ref: EndpointRef, dbIn?: Db) {
  const db = await dbOr(dbIn);
  const current = await findOwnedEndpoint(db, ref);
  const secret = newWebhookSecret();
  const now = new Date();
  const [row] = await db
    .update(webhookEndpoints)
    .set({
      secret,
      previousSecret: current.secret,
      previousSecretExpiresAt: new Date(now.getTime() + WEBHOOK_SECRET_OVERLAP_MS),
      updatedAt: now,
    })
    .where(and(eq(webhookEndpoints.id, current.id), eq(webhookEndpoints.userId, ref.userId)))
    .returning();
  if (!row) throw notFound("Webhook");
  return { ...endpointOut(row), secret };
}
