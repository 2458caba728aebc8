import { sql } from "drizzle-orm";
import { getDb } from "@/db";
import { json, withPublic } from "@/lib/api/handler";
import { appSecret } from "@/lib/auth/secret";
import { modes } from "@/lib/env";
import { getRunner, InlineRunner } from "@/lib/exports/runner";
import { getStorage } from "@/lib/storage";

async function check<T>(fn: () => Promise<T>): Promise<{ ok: boolean; detail: string }> {
  try {
    await fn();
    return { ok: true, detail: "reachable" };
  } catch (err) {
    return { ok: false, detail: err instanceof Error ? err.message.split("\n")[0].slice(0, 200) : "unreachable" };
  }
}

// GET /api/health – liveness, the Node.js version, and the mode and reachability of database, storage, auth and runner;
// 503 naming the failing part when any of them could not serve a request
export const GET = withPublic(async () => {
  const [database, storage, auth] = await Promise.all([
    check(async () => (await getDb()).execute(sql`select 1`)),
    getStorage()
      .health()
      .catch((err: unknown) => ({ ok: false, detail: err instanceof Error ? err.message : "unreachable" })),
    // Sign-in and signed download links need the secret; start-up refuses a production config without one.
    check(async () => appSecret()),
  ]);
  const runner = getRunner();
  const failing = [database.ok ? null : "database", storage.ok ? null : "storage", auth.ok ? null : "auth"].filter((p) => p !== null);
  const ok = failing.length === 0;
  return json(
    {
      status: ok ? "ok" : "degraded",
      ...(ok ? {} : { failing }),
      node: process.versions.node,
      database: { mode: modes.database, ...database },
      storage: { mode: modes.storage, ok: storage.ok, detail: storage.detail },
      auth: { ok: auth.ok, detail: auth.ok ? "secret configured" : auth.detail },
      runner: { mode: modes.runner, ok: true, ...(runner instanceof InlineRunner ? runner.stats() : {}) },
    },
    { status: ok ? 200 : 503 },
  );
});
