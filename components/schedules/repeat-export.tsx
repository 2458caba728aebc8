"use client";
/**
 * "Repeat this export" in the export dialog (SPEC §13.3): a schedule of the
 * same source with the dialog's settings as they are now — the preset while
 * it is unchanged, else the format and options — daily, weekly or monthly at
 * a local time. It does not start an export itself; the dialog's button does.
 */
import Link from "next/link";
import { useId, useState } from "react";
import { buttonClass } from "@/components/ui/button";
import { ApiError, fetchJson } from "@/lib/fetcher";
import { describeCadence } from "@/lib/schedules/model";
import { CadenceFields, defaultCadence, toCadence, type CadenceValue } from "./cadence-fields";
import type { ScheduleItem } from "./types";

type Settings = { preset_id: string } | { format: string; options: Record<string, unknown> };

type Props = {
  source: { type: "document" | "project"; id: string; name: string };
  /** The dialog's current settings, read when the schedule is created. */
  settings: () => Settings | null;
  /** The schedule's name: the dialog's export name, or the suggested one. */
  name: string;
};

function browserZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

export function RepeatExport({ source, settings, name }: Props) {
  const id = useId();
  const [cadence, setCadence] = useState<CadenceValue>(() => defaultCadence(browserZone()));
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<ScheduleItem | null>(null);

  async function create() {
    const s = settings();
    if (!s || saving) return;
    setSaving(true);
    setError(null);
    try {
      const body = {
        name: name.trim() || `${source.name} export`,
        source: { type: source.type, id: source.id },
        ...("preset_id" in s ? { preset_id: s.preset_id } : { format: s.format, options: s.options }),
        cadence: toCadence(cadence),
        timezone: cadence.timezone,
      };
      setCreated(await fetchJson<ScheduleItem>("/api/schedules", { method: "POST", body: JSON.stringify(body) }));
    } catch (err) {
      setError(err instanceof ApiError ? err.message : "The schedule could not be created. Try again.");
    } finally {
      setSaving(false);
    }
  }

  return (
    <details className="rounded-md border border-slate-200 bg-slate-50 px-3 py-2 text-sm">
      <summary className="cursor-pointer font-medium text-slate-900">Repeat this export</summary>
      <div className="mt-3 space-y-3">
        <p className="text-slate-700">Make this export again on a schedule, with these settings, as a new file each time.</p>
        <CadenceFields value={cadence} onChange={setCadence} />
        <div className="flex flex-wrap items-center gap-3">
          <button
            type="button"
            onClick={create}
            disabled={saving}
            className={buttonClass("secondary", "sm")}
            aria-describedby={`${id}-status`}
          >
            {saving ? "Creating…" : "Create schedule"}
          </button>
          <p id={`${id}-status`} role="status" className="text-slate-800">
            {created && (
              <>
                Scheduled: {describeCadence(created.cadence)} ({created.timezone}).{" "}
                <Link href="/dashboard/schedules" className="font-medium text-blue-800 underline underline-offset-2">
                  See schedules
                </Link>
              </>
            )}
          </p>
        </div>
        {error && (
          <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-red-900">
            {error}
          </p>
        )}
      </div>
    </details>
  );
}
