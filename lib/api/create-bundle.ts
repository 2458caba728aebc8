/** Request → service glue of a bundle (SPEC §14.3): `POST /api/exports` with `source.type` "documents". */
import { z } from "zod";
import { createBundle } from "@/lib/exports/bundles/create";
import { BundleCreateBodySchema } from "@/lib/exports/bundles/schemas";
import type { RequestMeta } from "@/lib/exports/events";
import { validationError } from "@/lib/errors";
import { createdResponse } from "./create-export";
import { parseIdempotencyKey } from "./request";

/** Whether a generic create body asks for a bundle (its source is a list of documents). */
export function isBundleBody(data: unknown): boolean {
  const source = (data as { source?: unknown } | null)?.source;
  return typeof source === "object" && source !== null && (source as { type?: unknown }).type === "documents";
}

export async function createBundleFromBody(req: Request, data: unknown, input: { userId: string; meta: RequestMeta }): Promise<Response> {
  const parsed = BundleCreateBodySchema.safeParse(data);
  if (!parsed.success) throw validationError(parsed.error);
  const idempotencyKey = parseIdempotencyKey(req.headers.get("idempotency-key"));
  return createdResponse(await createBundle({ ...input, body: parsed.data, idempotencyKey }));
}

/** Parses a generic create body once, whichever kind it is. */
export function parseBody<S extends z.ZodType>(schema: S, data: unknown): z.output<S> {
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}
