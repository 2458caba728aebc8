// /dashboard/exports/[id] – one export: every field, options, warnings, error, checksum and the live event timeline.
import type { Metadata } from "next";
import { SWRConfig } from "swr";
import { orNotFound } from "@/components/dashboard/or-not-found";
import { PageHeader } from "@/components/dashboard/page-header";
import { ExportDetail } from "@/components/exports/export-detail";
import { getDb } from "@/db";
import { requireUser } from "@/lib/auth/page-session";
import { parseId } from "@/lib/api/request";
import { getExport, listEvents } from "@/lib/exports/services";
import { findOwnedProject, getDocument } from "@/lib/takeoff/read";

type Props = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const user = await requireUser();
  const { id } = await params;
  const item = await Promise.resolve()
    .then(() => getExport({ userId: user.id, id: parseId(id, "Export") }))
    .catch(() => null);
  return { title: `${item?.name ?? "Export"} · Exports · Takeoff Exports` };
}

export default async function ExportPage({ params }: Props) {
  const user = await requireUser();
  const ref = { userId: user.id, id: await orNotFound(async () => parseId((await params).id, "Export")) };
  const [item, events] = await Promise.all([orNotFound(() => getExport(ref)), orNotFound(() => listEvents(ref))]);
  const db = await getDb();
  // The source may have been deleted since; the export stays readable.
  const sourceName =
    item.type === "document_export" && item.document_id
      ? await getDocument(db, user.id, item.document_id).then(
          (d) => d.name,
          () => null,
        )
      : await findOwnedProject(db, user.id, item.project_id).then(
          (p) => p.name,
          () => null,
        );

  return (
    <div className="space-y-4">
      <PageHeader crumbs={[{ label: "Exports", href: "/dashboard/exports" }, { label: item.name }]} />
      <SWRConfig value={{ fallback: { [`/api/exports/${item.id}`]: item, [`/api/exports/${item.id}/events`]: events } }}>
        <ExportDetail id={item.id} sourceName={sourceName} />
      </SWRConfig>
    </div>
  );
}
