import { createFromBody } from "@/lib/api/create-export";
import { json, withAuth } from "@/lib/api/handler";
import { parseId, readJson, readQuery } from "@/lib/api/request";
import { GenericCreateExportBodySchema, ListQuerySchema } from "@/lib/exports/schemas";
import { listExports } from "@/lib/exports/services";

// GET /api/exports – the caller's exports, newest first, filtered and cursor-paged
export const GET = withAuth(async ({ user, req }) => json(await listExports({ userId: user.id, query: readQuery(req, ListQuerySchema) })));

// POST /api/exports – generic create: {source:{type,id}, format, options? | preset_id, name?, description?}
export const POST = withAuth(async ({ user, req, meta }) => {
  const { source: ref, ...body } = await readJson(req, GenericCreateExportBodySchema);
  const source = { type: ref.type, id: parseId(ref.id, ref.type === "document" ? "Document" : "Project") };
  return createFromBody(req, body, { userId: user.id, source, meta });
});
