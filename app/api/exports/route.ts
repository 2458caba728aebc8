import { json, withAuth } from "@/lib/api/handler";
import { readJson, readQuery } from "@/lib/api/request";
import { createdResponse } from "@/lib/exports/http";
import { GenericCreateExportBodySchema } from "@/lib/exports/schemas";
import { createExport, listExports, ListQuerySchema, parseIdempotencyKey, requestMeta } from "@/lib/exports/service";

// GET /api/exports – the caller's exports, newest first, filtered and cursor-paged
export const GET = withAuth(async ({ user, req }) => json(await listExports(user.id, readQuery(req, ListQuerySchema))));

// POST /api/exports – generic create: {source:{type,id}, format, options?, name?, description?}
export const POST = withAuth(async ({ user, req }) => {
  const { source, ...body } = await readJson(req, GenericCreateExportBodySchema);
  return createdResponse(
    await createExport({
      userId: user.id,
      source,
      body,
      idempotencyKey: parseIdempotencyKey(req.headers.get("idempotency-key")),
      meta: requestMeta(req),
    }),
  );
});
