/**
 * Share tokens: 128 random bits as base64url (22 characters), shown once in
 * the link. Only the SHA-256 of the token is stored, so the table alone
 * cannot open a share, and a lookup is one indexed equality on the hash —
 * nothing compares the token itself, character by character.
 */
import { createHash, randomBytes } from "node:crypto";

export function newShareToken(): string {
  return randomBytes(16).toString("base64url");
}

export function hashShareToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** The longest token the lookup hashes at all: anything longer cannot be one of ours. */
export const SHARE_TOKEN_MAX_LENGTH = 64;
