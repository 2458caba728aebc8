/** Request → service glue shared by the three export-creation routes (POST …/export and POST /api/exports). */
import { createExport, type CreateResult, type SourceRef } from "@/lib/exports/services";
import { CreateExportBodySchema } from "@/lib/exports/schemas";
import type { RequestMeta } from "@/lib/exports/events";
import { json } from "./handler";
import { parseIdempotencyKey, readJson } from "./request";

export function createdResponse(result: CreateResult): Response {
  return json(result.body, { status: result.status, headers: { Location: `/api/exports/${result.body.export_id}` } });
}

export async function createFromRequest(req: Request, input: { userId: string; source: SourceRef; meta: RequestMeta }): Promise<Response> {
  const body = await readJson(req, CreateExportBodySchema);
  return createdResponse(await createExport({ ...input, body, idempotencyKey: parseIdempotencyKey(req.headers.get("idempotency-key")) }));
}
