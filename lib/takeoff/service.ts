/** Host-data service used by the route handlers: import, browse. */
import { getDb } from "@/db";
import { readJson } from "@/lib/api/request";
import { importProject } from "./import";
import { getDocument, getProject, listProjects } from "./read";
import { ProjectImportSchema } from "./schemas";

export const PROJECT_IMPORT_BODY_LIMIT = 64 * 1024 * 1024; // SPEC §5.2

export const takeoffService = {
  async importFromRequest(userId: string, req: Request) {
    const body = await readJson(req, ProjectImportSchema, { limit: PROJECT_IMPORT_BODY_LIMIT });
    return importProject(await getDb(), userId, body);
  },
  list: async (userId: string) => ({ projects: await listProjects(await getDb(), userId) }),
  getProject: async (userId: string, id: string) => ({ project: await getProject(await getDb(), userId, id) }),
  getDocument: async (userId: string, id: string) => ({ document: await getDocument(await getDb(), userId, id) }),
};
