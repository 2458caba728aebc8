// /dashboard/presets – saved export settings: list, create, edit and delete (SPEC §13.1).
import { PageHeader } from "@/components/dashboard/page-header";
import { PresetsManager } from "@/components/presets/presets-manager";
import { requireUser } from "@/lib/auth/page-session";
import { FORMAT_CATALOGUE } from "@/lib/exports/formats";
import { listPresets } from "@/lib/presets/services";

export const metadata = { title: "Presets · Takeoff Exports" };

export default async function PresetsPage() {
  const user = await requireUser();
  const { presets } = await listPresets({ userId: user.id });
  // A preset serves any source, so no format is over a row limit here; creation checks the PDF cap per export.
  const formats = FORMAT_CATALOGUE.map((f) => ({ ...f, max_rows: null }));
  return (
    <div className="space-y-6">
      <PageHeader
        title="Presets"
        description={
          <p>
            Saved export settings: a format with its options, columns and a name for the file. Pick one first in any Export dialog, or save
            the dialog&apos;s settings from there with <strong>Save as preset</strong>.
          </p>
        }
      />
      <PresetsManager initialPresets={presets} formats={formats} />
    </div>
  );
}
