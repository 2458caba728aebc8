import { sql } from "drizzle-orm";
import { getDb } from "@/db";
import { json, withPublic } from "@/lib/api/handler";
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

// GET /api/health – liveness, and the mode and reachability of database, storage and runner
export const GET = withPublic(async () => {
  const [database, storage] = await Promise.all([
    check(async () => (await getDb()).execute(sql`select 1`)),
    getStorage()
      .health()
      .catch((err: unknown) => ({ ok: false, detail: err instanceof Error ? err.message : "unreachable" })),
  ]);
  const runner = getRunner();
  const ok = database.ok && storage.ok;
  return json(
    {
      status: ok ? "ok" : "degraded",
      database: { mode: modes.database, ...database },
      storage: { mode: modes.storage, ok: storage.ok, detail: storage.detail },
      runner: { mode: modes.runner, ok: true, ...(runner instanceof InlineRunner ? runner.stats() : {}) },
    },
    { status: ok ? 200 : 503 },
  );
});
