// /dashboard/projects/[id] – a project's documents, conditions and totals, with Export buttons for the project and each
// document, and "Export selected" for a bundle of documents (SPEC §14.3).
import type { Metadata } from "next";
import Link from "next/link";
import { ConditionsTable, UnitTotals } from "@/components/dashboard/conditions-table";
import { orNotFound } from "@/components/dashboard/or-not-found";
import { PageHeader } from "@/components/dashboard/page-header";
import { StatList } from "@/components/dashboard/stat";
import { BundleDocuments } from "@/components/exports/bundle-documents";
import { ExportButton } from "@/components/exports/export-button";
import { getDb } from "@/db";
import { parseId } from "@/lib/api/request";
import { requireUser } from "@/lib/auth/page-session";
import { formatMoney, formatNumber } from "@/lib/format";
import { findOwnedProject, getProject } from "@/lib/takeoff/read";

type Props = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const user = await requireUser();
  const { id } = await params;
  const db = await getDb();
  const project = await orNotFound(() => findOwnedProject(db, user.id, parseId(id, "Project"))).catch(() => null);
  return { title: `${project?.name ?? "Project"} · Takeoff Exports` };
}

export default async function ProjectPage({ params }: Props) {
  const user = await requireUser();
  const { id } = await params;
  const db = await getDb();
  const project = await orNotFound(() => getProject(db, user.id, parseId(id, "Project")));
  const conditionChoices = project.conditions.map((c) => ({ id: c.id, name: c.name, color: c.color }));

  return (
    <div className="space-y-6">
      <PageHeader
        crumbs={[{ label: "Projects", href: "/dashboard" }, { label: project.name }]}
        title={project.name}
        description={
          <div className="space-y-0.5 text-sm">
            {project.client_name && <p>Client: {project.client_name}</p>}
            {project.address && <p>{project.address}</p>}
            {project.description && <p className="text-slate-600">{project.description}</p>}
          </div>
        }
        actions={
          <ExportButton
            source={{ type: "project", id: project.id, name: project.name }}
            label="Export project"
            conditions={conditionChoices}
          />
        }
      />

      <StatList
        items={[
          { label: "Documents", value: formatNumber(project.documents.length) },
          { label: "Conditions", value: formatNumber(project.totals.conditions) },
          { label: "Measurements", value: formatNumber(project.totals.measurements) },
          {
            label: "Total with markup",
            value: project.totals.total_with_markup !== null ? formatMoney(project.totals.total_with_markup) : "—",
          },
        ]}
      />

      <section aria-labelledby="documents-heading" className="overflow-hidden rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
        <h2 id="documents-heading" className="border-b border-slate-200 px-4 py-3 text-base font-semibold sm:px-5">
          Documents
        </h2>
        {project.documents.length === 0 ? (
          <p className="p-4 text-sm text-slate-600">No documents in this project.</p>
        ) : (
          <BundleDocuments
            documents={project.documents.map((d) => ({
              id: d.id,
              name: d.name,
              page_count: d.page_count,
              measurements_count: d.measurements_count,
            }))}
          />
        )}
      </section>

      <section aria-labelledby="conditions-heading" className="overflow-hidden rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
        <div className="flex flex-wrap items-baseline justify-between gap-2 border-b border-slate-200 px-4 py-3 sm:px-5">
          <h2 id="conditions-heading" className="text-base font-semibold">
            Conditions
          </h2>
          <div className="text-sm text-slate-700">
            <span className="sr-only">Totals by unit: </span>
            <UnitTotals byUnit={project.totals.by_unit} />
          </div>
        </div>
        <ConditionsTable conditions={project.conditions} caption={`Conditions of ${project.name}`} />
      </section>

      <p className="text-sm text-slate-700">
        <Link href={`/dashboard/exports`} className="font-medium text-blue-800 underline underline-offset-2">
          See all exports
        </Link>
      </p>
    </div>
  );
}
