/** Missing, malformed or another user's resource: the same 404 page (SPEC §4). */
import { notFound } from "next/navigation";
import { DomainError } from "@/lib/errors";

export async function orNotFound<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof DomainError && err.code === "not_found") notFound();
    throw err;
  }
}
