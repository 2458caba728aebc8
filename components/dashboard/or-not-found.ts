/** Missing, malformed or another user's resource: the same 404 page (SPEC §4). */
import { notFound } from "next/navigation";
import { AppError } from "@/lib/api/errors";

export async function orNotFound<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof AppError && err.code === "not_found") notFound();
    throw err;
  }
}
