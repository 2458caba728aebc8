/**
 * Rate limits kept in the database, so every app instance counts the same
 * requests (SPEC §2: no state in process memory that another instance would
 * need). Each key's row holds the times of the requests let through in the
 * last window — a sliding log of at most `limit` entries — and one upsert
 * reads, trims, decides and appends atomically: concurrent requests of one
 * key queue on its row, so no more than `limit` get through in any window.
 * Refused requests are not logged, so a client that keeps trying is let in
 * again as soon as its oldest request leaves the window.
 */
import { sql } from "drizzle-orm";
import type { Db } from "@/db";
import { rateLimits } from "@/db/schema";
import { DomainError } from "@/lib/errors";

export type RateLimit = { key: string; limit: number; windowSeconds: number };

/** Rows untouched this long are deleted now and then by the requests themselves. */
const FORGET_AFTER = sql`interval '1 hour'`;
const HOUSEKEEPING_EVERY = 500;

/**
 * Counts one request against `key`; throws `rate_limited` (with the seconds
 * until a slot frees up) when `limit` requests were let through in the last
 * `windowSeconds`.
 */
export async function takeRateLimit(db: Db, { key, limit, windowSeconds }: RateLimit, what = "requests"): Promise<void> {
  const window = sql`(${windowSeconds}::int * interval '1 second')`;
  const recent = sql`array(select h from unnest(${rateLimits}.hits) as h where h > now() - ${window} order by h)`;
  const rows = await db.execute<{ allowed: boolean; retry_after: number | string | null }>(sql`
    insert into ${rateLimits} (key, hits, allowed, updated_at)
    values (${key}, array[now()], true, now())
    on conflict (key) do update set
      hits = case when cardinality(${recent}) < ${limit}::int then ${recent} || now() else ${recent} end,
      allowed = cardinality(${recent}) < ${limit}::int,
      updated_at = now()
    returning allowed, ceil(extract(epoch from (hits[1] + ${window} - now())))::int as retry_after`);
  const row = (Array.isArray(rows) ? rows : (rows as { rows: unknown[] }).rows)[0] as {
    allowed: boolean;
    retry_after: number | string | null;
  };
  if (Math.random() * HOUSEKEEPING_EVERY < 1) {
    await db.delete(rateLimits).where(sql`${rateLimits.updatedAt} < now() - ${FORGET_AFTER}`);
  }
  if (!row.allowed) {
    const retryAfter = Math.max(1, Number(row.retry_after ?? windowSeconds));
    throw new DomainError("rate_limited", `Too many ${what} from your address. Try again in ${retryAfter} s.`, undefined, retryAfter);
  }
}
