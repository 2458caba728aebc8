/** Request → service glue shared by the three export-creation routes. */
import { json } from "@/lib/api/handler";
import { readJson } from "@/lib/api/request";
import { CreateExportBodySchema } from "./schemas";
import { createExport, parseIdempotencyKey, requestMeta, type CreateResult, type SourceRef } from "./service";

export function createdResponse(result: CreateResult): Response {
  return json(result.body, { status: result.status, headers: { Location: `/api/exports/${result.body.export_id}` } });
}

export async function createFromRequest(req: Request, userId: string, source: SourceRef): Promise<Response> {
  const body = await readJson(req, CreateExportBodySchema);
  return createdResponse(
    await createExport({
      userId,
      source,
      body,
      idempotencyKey: parseIdempotencyKey(req.headers.get("idempotency-key")),
      meta: requestMeta(req),
    }),
  );
}
