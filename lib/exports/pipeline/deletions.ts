/**
 * The storage deletion queue: a file whose removal fails is remembered in
 * `storage_deletions` and removed later by the cleanup job, so a store that
 * is down for a moment never leaves files behind.
 */
import { eq } from "drizzle-orm";
import { getDb } from "@/db";
import { storageDeletions } from "@/db/schema";
import { logger } from "@/lib/logger";
import { getStorage } from "@/lib/storage";
import { readableMessage } from "../errors";

/** Removes an object; when the store fails, the key is queued for the cleanup job. */
export async function removeObject(key: string): Promise<void> {
  try {
    await getStorage().delete(key);
  } catch (err) {
    logger.warn("storage delete failed; queued for retry", { key, error: err });
    const db = await getDb();
    await db
      .insert(storageDeletions)
      .values({ fileKey: key, lastError: readableMessage(err) })
      .onConflictDoUpdate({ target: storageDeletions.fileKey, set: { lastError: readableMessage(err), updatedAt: new Date() } });
  }
}

/** Tries the queued deletions again (up to 1,000 a run); returns how many went through. */
export async function retryQueuedDeletions(): Promise<number> {
  const db = await getDb();
  const queued = await db.select().from(storageDeletions).limit(1000);
  let removed = 0;
  for (const q of queued) {
    try {
      await getStorage().delete(q.fileKey);
      await db.delete(storageDeletions).where(eq(storageDeletions.id, q.id));
      removed++;
    } catch (err) {
      await db
        .update(storageDeletions)
        .set({ attempts: q.attempts + 1, lastError: readableMessage(err), updatedAt: new Date() })
        .where(eq(storageDeletions.id, q.id));
    }
  }
  return removed;
}
