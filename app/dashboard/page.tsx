// /dashboard – the user's projects with counts and their documents, each with an Export button.
import Link from "next/link";
import { PageHeader } from "@/components/dashboard/page-header";
import { ExportButton } from "@/components/exports/export-button";
import { getDb } from "@/db";
import { requireUser } from "@/lib/auth/page-session";
import { formatNumber, plural } from "@/lib/format";
import { listDocumentsOfUser, listProjects } from "@/lib/takeoff/read";

export const metadata = { title: "Projects · Takeoff Exports" };

export default async function DashboardPage() {
  const user = await requireUser();
  const db = await getDb();
  const [projects, documents] = await Promise.all([listProjects(db, user.id), listDocumentsOfUser(db, user.id)]);
  return (
    <div className="space-y-6">
      <PageHeader
        title="Projects"
        description={
          <>
            Export a drawing set or a whole project, then follow the files on the{" "}
            <Link href="/dashboard/exports" className="font-medium text-blue-800 underline underline-offset-2">
              Exports page
            </Link>
            .
          </>
        }
      />
      {projects.length === 0 && (
        <div
          className="rounded-lg border border-dashed border-slate-400 bg-white p-8 text-center text-slate-700"
          data-testid="projects-empty"
        >
          <p className="text-lg font-semibold text-slate-900">No projects yet</p>
          <p className="mx-auto mt-1 max-w-lg">
            Import a project with its documents, conditions and measurements through{" "}
            <code className="rounded bg-slate-100 px-1 text-sm">POST /api/projects</code>, using an{" "}
            <Link href="/dashboard/settings/api-keys" className="font-medium text-blue-800 underline underline-offset-2">
              API key
            </Link>
            . The{" "}
            <a href="/api-docs" className="font-medium text-blue-800 underline underline-offset-2">
              API reference
            </a>{" "}
            shows the body.
          </p>
        </div>
      )}
      {projects.map((p) => {
        const docs = documents.filter((d) => d.project_id === p.id);
        return (
          <section
            key={p.id}
            aria-labelledby={`project-${p.id}`}
            className="overflow-hidden rounded-lg bg-white shadow-sm ring-1 ring-slate-200"
          >
            <div className="flex flex-wrap items-start justify-between gap-3 border-b border-slate-200 bg-slate-50/60 p-4 sm:px-5">
              <div className="min-w-0">
                <h2 id={`project-${p.id}`} className="text-lg font-semibold break-words">
                  <Link href={`/dashboard/projects/${p.id}`} className="text-slate-900 hover:text-blue-800 hover:underline">
                    {p.name}
                  </Link>
                </h2>
                <p className="text-sm text-slate-700">{p.client_name ?? "No client"}</p>
                <p className="mt-1 flex flex-wrap gap-x-3 text-sm text-slate-600">
                  <span>{plural(p.documents_count, "document")}</span>
                  <span>{plural(p.conditions_count, "condition")}</span>
                  <span>{plural(p.measurements_count, "measurement")}</span>
                </p>
              </div>
              <ExportButton source={{ type: "project", id: p.id, name: p.name }} label="Export project" variant="secondary" />
            </div>
            {docs.length === 0 ? (
              <p className="p-4 text-sm text-slate-600 sm:px-5">No documents in this project.</p>
            ) : (
              <ul className="divide-y divide-slate-200" aria-label={`Documents of ${p.name}`}>
                {docs.map((d) => (
                  <li key={d.id} className="flex flex-wrap items-center justify-between gap-3 px-4 py-3 sm:px-5">
                    <div className="min-w-0">
                      <Link
                        href={`/dashboard/documents/${d.id}`}
                        className="font-medium break-words text-slate-900 hover:text-blue-800 hover:underline"
                      >
                        {d.name}
                      </Link>
                      <p className="text-sm text-slate-600">
                        {plural(d.page_count, "page")} · {formatNumber(d.measurements_count)} measurements
                      </p>
                    </div>
                    <ExportButton source={{ type: "document", id: d.id, name: d.name }} />
                  </li>
                ))}
              </ul>
            )}
          </section>
        );
      })}
    </div>
  );
}
