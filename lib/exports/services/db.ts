import { getDb, type Db } from "@/db";

/** The database a service runs on: the one it is given (a test's, a transaction's), else the process's. */
export async function dbOr(db?: Db): Promise<Db> {
  return db ?? (await getDb());
}
