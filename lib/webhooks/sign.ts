/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com), made with
 * the specification's own library (`standardwebhooks`), the one a receiver
 * verifies with: `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`.
 */
import crypto from "node:crypto";
import { Webhook } from "standardwebhooks";

/** A new endpoint secret: `whsec_` and 32 random bytes in base64 (the form `new Webhook(secret)` takes). */
export function newWebhookSecret(): string {
  return `whsec_${crypto.randomBytes(32).toString("base64")}`;
}

/**
 * The `webhook-signature` header: one `v1,…` signature per secret, separated
 * by spaces (after a rotation, the new secret's and the previous one's).
 */
export function signatureHeader(secrets: readonly string[], id: string, timestamp: Date, body: string): string {
  return secrets.map((secret) => new Webhook(secret).sign(id, timestamp, body)).join(" ");
}

/** The three Standard Webhooks headers of one attempt. */
export function webhookHeaders(secrets: readonly string[], id: string, body: string, now = new Date()): Record<string, string> {
  return {
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
    "webhook-signature": signatureHeader(secrets, id, now, body),
  };
}
