/**
 * The delivery log of one endpoint (one row per attempt, newest first,
 * cursor-paged like the export list), a test send, and retrying one event.
 * Both sends go through the outbox like every event.
 */
import { and, count, desc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db";
import { webhookDeliveries, webhookMessages } from "@/db/schema";
import { DomainError, notFound } from "@/lib/errors";
import { dbOr } from "@/lib/exports/services/db";
import { WEBHOOK_TEST_EVENT, type WebhookMessageType } from "../model";
import { insertMessages, notifyWebhooks } from "../outbox";
import type { DeliveriesQuery } from "../schemas";
import { deliveryOut } from "../serialize";
import { findOwnedEndpoint, type EndpointRef } from "./endpoints";

type Cursor = { t: string; i: string };

function encodeCursor(row: { createdAt: Date; id: string }): string {
  return Buffer.from(JSON.stringify({ t: row.createdAt.toISOString(), i: row.id } satisfies Cursor)).toString("base64url");
}

function decodeCursor(cursor: string): Cursor {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as Cursor;
    if (typeof value.t !== "string" || Number.isNaN(Date.parse(value.t)) || !z.string().uuid().safeParse(value.i).success)
      throw new Error();
    return value;
  } catch {
    throw new DomainError("validation_failed", "cursor: is not a cursor this API returned", [
      { path: "cursor", message: "invalid cursor" },
    ]);
  }
}

export async function listDeliveries({ userId, id, query }: EndpointRef & { query: DeliveriesQuery }, dbIn?: Db) {
  const db = await dbOr(dbIn);
  const endpoint = await findOwnedEndpoint(db, { userId, id });
  const owned = and(eq(webhookDeliveries.endpointId, endpoint.id), eq(webhookDeliveries.userId, userId));
  const cursor = query.cursor ? decodeCursor(query.cursor) : null;
  const rows = await db
    .select({ d: webhookDeliveries, messageStatus: webhookMessages.status, nextAttemptAt: webhookMessages.nextAttemptAt })
    .from(webhookDeliveries)
    .innerJoin(webhookMessages, eq(webhookMessages.id, webhookDeliveries.messageId))
    .where(
      and(
        owned,
        cursor ? sql`(${webhookDeliveries.createdAt}, ${webhookDeliveries.id}) < (${cursor.t}::timestamptz, ${cursor.i}::uuid)` : undefined,
      ),
    )
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(query.limit + 1);
  const [{ total }] = await db.select({ total: count() }).from(webhookDeliveries).where(owned);
  const page = rows.slice(0, query.limit);
  return {
    deliveries: page.map((r) => deliveryOut({ ...r.d, messageStatus: r.messageStatus, nextAttemptAt: r.nextAttemptAt })),
    total,
    next_cursor: rows.length > query.limit ? encodeCursor(page[page.length - 1].d) : null,
  };
}

function assertEnabled(endpoint: { enabled: boolean }) {
  if (!endpoint.enabled) throw new DomainError("invalid_state", "The webhook is disabled; enable it before sending to it.");
}

/** Queues a `webhook.test` to the endpoint, whatever events it selected. */
export async function sendTest(ref: EndpointRef, dbIn?: Db) {
  const db = await dbOr(dbIn);
  const endpoint = await findOwnedEndpoint(db, ref);
  assertEnabled(endpoint);
  const [messageId] = await insertMessages(db, {
    userId: ref.userId,
    endpointIds: [endpoint.id],
    type: WEBHOOK_TEST_EVENT,
    data: {
      webhook: { id: endpoint.id, url: endpoint.url },
      message: "A test delivery from Takeoff Exports. Verify its signature with your secret.",
    },
  });
  notifyWebhooks([messageId]);
  return { event_id: messageId, type: WEBHOOK_TEST_EVENT, status: "pending" as const };
}

/**
 * Sends one event again now, under the same `webhook-id`: one more attempt
 * (a pending event is only brought forward).
 */
export async function retryDelivery({ userId, id, deliveryId }: EndpointRef & { deliveryId: string }, dbIn?: Db) {
  const db = await dbOr(dbIn);
  const endpoint = await findOwnedEndpoint(db, { userId, id });
  if (!z.string().uuid().safeParse(deliveryId).success) throw notFound("Delivery");
  const [delivery] = await db
    .select({ messageId: webhookDeliveries.messageId })
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.endpointId, endpoint.id), eq(webhookDeliveries.userId, userId)));
  if (!delivery) throw notFound("Delivery");
  assertEnabled(endpoint);
  const now = new Date();
  const [message] = await db
    .update(webhookMessages)
    .set({
      status: "pending",
      nextAttemptAt: now,
      // A finished event gets one more attempt; a pending one keeps its schedule's remaining attempts.
      maxAttempts: sql`case when ${webhookMessages.status} = 'pending' then ${webhookMessages.maxAttempts} else ${webhookMessages.attempts} + 1 end`,
      updatedAt: now,
    })
    .where(and(eq(webhookMessages.id, delivery.messageId), eq(webhookMessages.userId, userId)))
    .returning({ id: webhookMessages.id, type: webhookMessages.type });
  if (!message) throw notFound("Delivery");
  notifyWebhooks([message.id]);
  return { event_id: message.id, type: message.type as WebhookMessageType, status: "pending" as const };
}
