/**
 * The app secret signs sessions and storage URLs. In production it comes from
 * APP_SECRET; in the embedded mode, when unset, one is generated on first
 * start and kept in DATA_DIR/secret so sessions and links survive restarts.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { env, isEmbedded } from "@/lib/env";

const globalForSecret = globalThis as unknown as { __takeoffSecret?: string };

export function appSecret(): string {
  if (env.APP_SECRET) return env.APP_SECRET;
  if (globalForSecret.__takeoffSecret) return globalForSecret.__takeoffSecret;
  if (!isEmbedded && env.NODE_ENV === "production") {
    throw new Error("APP_SECRET must be set (at least 32 characters) when DATABASE_URL is set in production.");
  }
  const file = path.join(env.DATA_DIR, "secret");
  let secret: string;
  try {
    secret = fs.readFileSync(file, "utf8").trim();
  } catch {
    secret = crypto.randomBytes(32).toString("hex");
    fs.mkdirSync(env.DATA_DIR, { recursive: true });
    try {
      fs.writeFileSync(file, secret, { flag: "wx", mode: 0o600 });
    } catch {
      secret = fs.readFileSync(file, "utf8").trim(); // another process won the race
    }
  }
  globalForSecret.__takeoffSecret = secret;
  return secret;
}
