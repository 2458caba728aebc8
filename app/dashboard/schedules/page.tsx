// /dashboard/schedules – recurring exports: next run, last run, run now, pause/resume, edit, delete (SPEC §13.3).
import { PageHeader } from "@/components/dashboard/page-header";
import { SchedulesManager } from "@/components/schedules/schedules-manager";
import type { SourceChoice } from "@/components/schedules/types";
import { getDb } from "@/db";
import { requireUser } from "@/lib/auth/page-session";
import { listPresets } from "@/lib/presets/services";
import { listSchedules } from "@/lib/schedules/services";
import { listDocumentsOfUser, listProjects } from "@/lib/takeoff/read";

export const metadata = { title: "Schedules · Takeoff Exports" };

export default async function SchedulesPage() {
  const user = await requireUser();
  const db = await getDb();
  const [schedules, projects, documents, { presets }] = await Promise.all([
    listSchedules({ userId: user.id }, db),
    listProjects(db, user.id),
    listDocumentsOfUser(db, user.id),
    listPresets({ userId: user.id }, db),
  ]);
  const projectName = new Map(projects.map((p) => [p.id, p.name]));
  const sources: SourceChoice[] = [
    ...documents.map((d) => ({ type: "document" as const, id: d.id, label: `${d.name} — ${projectName.get(d.project_id) ?? "project"}` })),
    ...projects.map((p) => ({ type: "project" as const, id: p.id, label: `${p.name} (whole project)` })),
  ];
  return (
    <div className="space-y-6">
      <PageHeader
        title="Schedules"
        description={
          <p>
            Exports that make themselves: daily, weekly or monthly at a local time. Each run is a new export on the Exports page; a schedule
            pauses itself after 5 failed runs in a row or when its document is deleted.
          </p>
        }
      />
      <SchedulesManager
        initial={schedules}
        sources={sources}
        presets={presets.map((p) => ({ id: p.id, name: p.name, format: p.format }))}
      />
    </div>
  );
}
