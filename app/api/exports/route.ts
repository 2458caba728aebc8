import { z } from "zod";
import { createBundleFromBody, isBundleBody, parseBody } from "@/lib/api/create-bundle";
import { createFromBody } from "@/lib/api/create-export";
import { json, withAuth } from "@/lib/api/handler";
import { parseId, readJson, readQuery } from "@/lib/api/request";
import { GenericCreateExportBodySchema, ListQuerySchema } from "@/lib/exports/schemas";
import { listExports } from "@/lib/exports/services";

// GET /api/exports – the caller's exports, newest first, filtered and cursor-paged
export const GET = withAuth(async ({ user, req }) => json(await listExports({ userId: user.id, query: readQuery(req, ListQuerySchema) })));

// POST /api/exports – generic create: {source:{type,id}, format, options? | preset_id, name?, description?},
// or a bundle (SPEC §14.3): {source:{type:"documents", ids}, formats, options?, name?, description?}
export const POST = withAuth(async ({ user, req, meta }) => {
  const data = await readJson(req, z.unknown());
  if (isBundleBody(data)) return createBundleFromBody(req, data, { userId: user.id, meta });
  const { source: ref, ...body } = parseBody(GenericCreateExportBodySchema, data);
  const source = { type: ref.type, id: parseId(ref.id, ref.type === "document" ? "Document" : "Project") };
  return createFromBody(req, body, { userId: user.id, source, meta });
});
