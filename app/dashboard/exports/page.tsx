// /dashboard/exports – summary cards, filters, search and the live exports table (first page rendered on the server).
import { SWRConfig } from "swr";
import { PageHeader } from "@/components/dashboard/page-header";
import { ExportsView } from "@/components/exports/exports-view";
import { PAGE_SIZE, listKey, parseFilters } from "@/components/exports/query";
import { getDb } from "@/db";
import { requireUser } from "@/lib/auth/page-session";
import { ListQuerySchema } from "@/lib/exports/schemas";
import { exportStats, listExports } from "@/lib/exports/services";
import { listDocumentsOfUser, listProjects } from "@/lib/takeoff/read";

export const metadata = { title: "Exports · Takeoff Exports" };

export default async function ExportsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireUser();
  const filters = parseFilters(await searchParams);
  const db = await getDb();
  const [stats, projects, documents, firstPage] = await Promise.all([
    exportStats({ userId: user.id }, db),
    listProjects(db, user.id),
    listDocumentsOfUser(db, user.id),
    // A stale or hand-edited cursor is not worth a server error: the table shows the API's message instead.
    Promise.resolve()
      .then(() => listExports({ userId: user.id, query: ListQuerySchema.parse({ ...filters, limit: PAGE_SIZE }) }, db))
      .catch(() => null),
  ]);
  const projectNames = new Map(projects.map((p) => [p.id, p.name]));
  const sources = Object.fromEntries([...projects.map((p) => [p.id, p.name]), ...documents.map((d) => [d.id, d.name])]);
  const suggestions = documents.slice(0, 5).map((d) => ({ id: d.id, name: d.name, project: projectNames.get(d.project_id) ?? "" }));

  return (
    <div className="space-y-6">
      <PageHeader
        title="Exports"
        description="Your export files and their history. Files are kept for a limited time; download them before they expire."
      />
      <SWRConfig value={{ fallback: firstPage ? { [listKey(filters)]: firstPage } : {} }}>
        <ExportsView stats={stats} sources={sources} suggestions={suggestions} />
      </SWRConfig>
    </div>
  );
}
