/** Host-data service used by the route handlers: import, browse. Input arrives parsed (ids validated, bodies checked). */
import { getDb, type Db } from "@/db";
import { importProject } from "./import";
import { getDocument, getProject, listProjects } from "./read";
import type { ProjectImport } from "./schemas";

/** The largest project import body (SPEC §5.2). */
export const PROJECT_IMPORT_BODY_LIMIT = 64 * 1024 * 1024;

export const takeoffService = {
  importProject: async (userId: string, body: ProjectImport, db?: Db) => importProject(db ?? (await getDb()), userId, body),
  list: async (userId: string, db?: Db) => ({ projects: await listProjects(db ?? (await getDb()), userId) }),
  getProject: async (userId: string, id: string, db?: Db) => ({ project: await getProject(db ?? (await getDb()), userId, id) }),
  getDocument: async (userId: string, id: string, db?: Db) => ({ document: await getDocument(db ?? (await getDb()), userId, id) }),
};
