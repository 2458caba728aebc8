"use client";
/**
 * The schedule a scheduled export came from, by name and linked to it on the
 * schedules page (the exports list and the details page). The names come
 * from one shared, cached GET /api/schedules (at most 50 per user).
 */
import Link from "next/link";
import useSWR from "swr";
import { fetcher } from "@/lib/fetcher";
import type { ScheduleItem } from "./types";

export function useScheduleNames(): Map<string, string> | undefined {
  const { data } = useSWR<{ schedules: ScheduleItem[] }>("/api/schedules", fetcher, { revalidateOnFocus: false, dedupingInterval: 60_000 });
  return data ? new Map(data.schedules.map((s) => [s.id, s.name])) : undefined;
}

export function ScheduleLink({ scheduleId, slot, className = "" }: { scheduleId: string; slot?: string | null; className?: string }) {
  const names = useScheduleNames();
  const name = names?.get(scheduleId);
  const kind = slot === null ? "run now" : null;
  if (names && !name) return <span className={className}>a deleted schedule</span>;
  return (
    <span className={className}>
      <Link
        href={`/dashboard/schedules#schedule-${scheduleId}`}
        className="underline decoration-slate-400 underline-offset-2 hover:text-blue-800"
      >
        {name ?? "schedule"}
      </Link>
      {kind && <span className="text-slate-600"> ({kind})</span>}
    </span>
  );
}
