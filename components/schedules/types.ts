/** What the schedules dashboard works with: the API's schedule object and the choices for its form. */
import type { ScheduleOut } from "@/lib/schedules/serialize";

export type ScheduleItem = ScheduleOut;

/** A document or project the user can schedule. */
export type SourceChoice = { type: "document" | "project"; id: string; label: string };

export type PresetChoice = { id: string; name: string; format: string };
