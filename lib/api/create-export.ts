/** Request → service glue shared by the three export-creation routes (POST …/export and POST /api/exports). */
import { createExport, type CreateResult, type SourceRef } from "@/lib/exports/services";
import { CreateExportRequestSchema, type CreateExportRequest } from "@/lib/exports/schemas";
import type { RequestMeta } from "@/lib/exports/events";
import { resolveCreateRequest } from "@/lib/presets/services";
import { json } from "./handler";
import { parseIdempotencyKey, readJson } from "./request";

export function createdResponse(result: CreateResult): Response {
  return json(result.body, { status: result.status, headers: { Location: `/api/exports/${result.body.export_id}` } });
}

type CreateInput = { userId: string; source: SourceRef; meta: RequestMeta };

/** Creates from a parsed body: `format` (+ `options`), or `preset_id` resolved into them (SPEC §13.1). */
export async function createFromBody(req: Request, request: CreateExportRequest, input: CreateInput): Promise<Response> {
  const idempotencyKey = parseIdempotencyKey(req.headers.get("idempotency-key"));
  const { body, origin } = await resolveCreateRequest({ userId: input.userId, source: input.source, body: request });
  return createdResponse(await createExport({ ...input, body, origin, idempotencyKey }));
}

export async function createFromRequest(req: Request, input: CreateInput): Promise<Response> {
  return createFromBody(req, await readJson(req, CreateExportRequestSchema), input);
}
