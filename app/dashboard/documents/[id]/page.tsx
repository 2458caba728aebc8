// /dashboard/documents/[id] – a document's pages, their takeoff maps and per-condition takeoff summary, with its Export button.
import type { Metadata } from "next";
import { ConditionsTable, UnitTotals } from "@/components/dashboard/conditions-table";
import { orNotFound } from "@/components/dashboard/or-not-found";
import { PageHeader } from "@/components/dashboard/page-header";
import { StatList } from "@/components/dashboard/stat";
import { ExportButton } from "@/components/exports/export-button";
import { PageMaps, type PageMapItem } from "@/components/takeoff/page-maps";
import { getDb } from "@/db";
import { parseId } from "@/lib/api/request";
import { requireUser } from "@/lib/auth/page-session";
import { formatNumber } from "@/lib/format";
import { legendRows, pageLabel } from "@/lib/takeoff/map";
import { documentPageTotals } from "@/lib/takeoff/page-map";
import { getDocument } from "@/lib/takeoff/read";

type Props = { params: Promise<{ id: string }> };

async function load(id: string) {
  const user = await requireUser();
  const db = await getDb();
  const doc = await orNotFound(() => getDocument(db, user.id, parseId(id, "Document")));
  return { user, doc };
}

/** Each page's map entry: its label and its legend (one grouped query for the document; no geometry is read here). */
async function loadPageMaps({ user, doc }: Awaited<ReturnType<typeof load>>): Promise<PageMapItem[]> {
  const totals = await documentPageTotals(await getDb(), { userId: user.id, documentId: doc.id });
  const conditions = doc.conditions.map((c) => ({ id: c.id, name: c.name, color: c.color, unit: c.unit }));
  return doc.pages.map((p) => ({
    id: p.id,
    label: pageLabel({ pageNumber: p.page_number, sheetNumber: p.sheet_number, sheetTitle: p.sheet_title }),
    pageNumber: p.page_number,
    measurements: p.measurements_count,
    legend: legendRows(conditions, totals.get(p.id) ?? new Map()),
  }));
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const doc = await load((await params).id)
    .then((r) => r.doc)
    .catch(() => null);
  return { title: `${doc?.name ?? "Document"} · Takeoff Exports` };
}

export default async function DocumentPage({ params }: Props) {
  const loaded = await load((await params).id);
  const { doc } = loaded;
  const pageMaps = await loadPageMaps(loaded);
  const conditionChoices = doc.conditions.map((c) => ({ id: c.id, name: c.name, color: c.color }));

  return (
    <div className="space-y-6">
      <PageHeader
        crumbs={[
          { label: "Projects", href: "/dashboard" },
          { label: doc.project.name, href: `/dashboard/projects/${doc.project_id}` },
          { label: doc.name },
        ]}
        title={doc.name}
        description={
          <p className="text-sm">{doc.project.client_name ? `${doc.project.name} · ${doc.project.client_name}` : doc.project.name}</p>
        }
        actions={<ExportButton source={{ type: "document", id: doc.id, name: doc.name }} conditions={conditionChoices} />}
      />

      <StatList
        items={[
          { label: "Pages", value: formatNumber(doc.page_count) },
          { label: "Conditions", value: formatNumber(doc.totals.conditions) },
          { label: "Measurements", value: formatNumber(doc.totals.measurements) },
        ]}
      />

      <div className="grid gap-6 xl:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
        <section aria-labelledby="takeoff-heading" className="overflow-hidden rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
          <div className="flex flex-wrap items-baseline justify-between gap-2 border-b border-slate-200 px-4 py-3 sm:px-5">
            <h2 id="takeoff-heading" className="text-base font-semibold">
              Takeoff summary
            </h2>
            <div className="text-sm text-slate-700">
              <span className="sr-only">Totals by unit: </span>
              <UnitTotals byUnit={doc.totals.by_unit} />
            </div>
          </div>
          <ConditionsTable conditions={doc.conditions} caption={`Takeoff of ${doc.name} by condition`} costs={false} />
        </section>

        <section aria-labelledby="pages-heading" className="overflow-hidden rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
          <h2 id="pages-heading" className="border-b border-slate-200 px-4 py-3 text-base font-semibold sm:px-5">
            Pages
          </h2>
          {doc.pages.length === 0 ? (
            <p className="p-4 text-sm text-slate-600">No pages.</p>
          ) : (
            <table className="w-full text-left text-sm">
              <caption className="sr-only">Pages of {doc.name}</caption>
              <thead className="border-b border-slate-200 bg-slate-50 text-xs font-semibold tracking-wide text-slate-700 uppercase">
                <tr>
                  <th scope="col" className="px-4 py-2.5">
                    Page
                  </th>
                  <th scope="col" className="px-3 py-2.5">
                    Sheet
                  </th>
                  <th scope="col" className="px-4 py-2.5 text-right">
                    Measurements
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-200">
                {doc.pages.map((p) => (
                  <tr key={p.id}>
                    <td className="px-4 py-2.5 tabular-nums">{p.page_number ?? "—"}</td>
                    <td className="px-3 py-2.5">
                      <span className="font-medium">{p.sheet_number ?? "—"}</span>
                      {p.sheet_title && <span className="block text-xs text-slate-600">{p.sheet_title}</span>}
                    </td>
                    <td className="px-4 py-2.5 text-right tabular-nums">{formatNumber(p.measurements_count)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>

      {pageMaps.length > 0 && (
        <section aria-labelledby="maps-heading" className="overflow-hidden rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
          <div className="border-b border-slate-200 px-4 py-3 sm:px-5">
            <h2 id="maps-heading" className="text-base font-semibold">
              Takeoff maps
            </h2>
            <p className="text-sm text-slate-600">
              Every measurement in its condition colour. Open a page to see it large, with its legend.
            </p>
          </div>
          <PageMaps documentName={doc.name} pages={pageMaps} />
        </section>
      )}
    </div>
  );
}
