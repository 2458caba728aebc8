import Link from "next/link";
import { getDb } from "@/db";
import { ExportButton } from "@/components/exports/export-button";
import { requireUser } from "@/lib/auth/page-session";
import { formatNumber } from "@/lib/format";
import { listDocumentsOfUser, listProjects } from "@/lib/takeoff/read";

export const metadata = { title: "Projects · Takeoff Exports" };

export default async function DashboardPage() {
  const user = await requireUser();
  const db = await getDb();
  const [projects, documents] = await Promise.all([listProjects(db, user.id), listDocumentsOfUser(db, user.id)]);
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-bold">Projects</h1>
        <p className="text-slate-600">Export a drawing set or a whole project; follow the files on the Exports page.</p>
      </div>
      {projects.length === 0 && (
        <div className="rounded-lg border border-dashed border-slate-300 bg-white p-8 text-center text-slate-700">
          No projects yet. Import one with <code className="rounded bg-slate-100 px-1">POST /api/projects</code> (see the API reference).
        </div>
      )}
      {projects.map((p) => (
        <section key={p.id} aria-labelledby={`project-${p.id}`} className="rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
          <div className="flex flex-wrap items-start justify-between gap-3 border-b border-slate-200 p-4">
            <div>
              <h2 id={`project-${p.id}`} className="text-lg font-semibold">
                <Link href={`/dashboard/projects/${p.id}`} className="hover:underline">
                  {p.name}
                </Link>
              </h2>
              <p className="text-sm text-slate-600">
                {p.client_name ?? "No client"} · {p.documents_count} documents · {p.conditions_count} conditions · {formatNumber(p.measurements_count)} measurements
              </p>
            </div>
            <ExportButton source={{ type: "project", id: p.id, name: p.name }} label="Export project" />
          </div>
          <ul className="divide-y divide-slate-100">
            {documents
              .filter((d) => d.project_id === p.id)
              .map((d) => (
                <li key={d.id} className="flex flex-wrap items-center justify-between gap-3 px-4 py-3">
                  <div>
                    <Link href={`/dashboard/documents/${d.id}`} className="font-medium hover:underline">
                      {d.name}
                    </Link>
                    <p className="text-sm text-slate-600">
                      {d.page_count} pages · {formatNumber(d.measurements_count)} measurements
                    </p>
                  </div>
                  <ExportButton source={{ type: "document", id: d.id, name: d.name }} />
                </li>
              ))}
          </ul>
        </section>
      ))}
    </div>
  );
}
