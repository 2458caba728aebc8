"use client";
/**
 * The cadence part of a schedule form: daily, weekly or monthly, the weekday
 * or day of the month, the time and the time zone. Shared by the schedules
 * page and "Repeat this export" in the export dialog.
 */
import { useId } from "react";
import { inputClass } from "@/components/ui/button";
import { TimeZoneSelect } from "@/components/ui/time-zone-select";
import { WEEKDAY_LABELS, WEEKDAYS, type Cadence, type Weekday } from "@/lib/schedules/model";

export type CadenceValue = { every: Cadence["every"]; on: Weekday; day: number; at: string; timezone: string };

export function defaultCadence(timezone = "UTC"): CadenceValue {
  return { every: "week", on: "mon", day: 1, at: "07:00", timezone };
}

export function cadenceFrom(c: Cadence, timezone: string): CadenceValue {
  return {
    ...defaultCadence(timezone),
    every: c.every,
    at: c.at,
    ...(c.every === "week" ? { on: c.on } : {}),
    ...(c.every === "month" ? { day: c.day } : {}),
  };
}

/** The API's cadence object for the form's value. */
export function toCadence(v: CadenceValue): Cadence {
  if (v.every === "day") return { every: "day", at: v.at };
  if (v.every === "week") return { every: "week", on: v.on, at: v.at };
  return { every: "month", day: v.day, at: v.at };
}

const KIND_LABELS: Record<Cadence["every"], string> = { day: "Daily", week: "Weekly", month: "Monthly" };

export function CadenceFields({ value, onChange }: { value: CadenceValue; onChange: (v: CadenceValue) => void }) {
  const id = useId();
  const set = (patch: Partial<CadenceValue>) => onChange({ ...value, ...patch });
  return (
    <div className="space-y-3">
      <fieldset>
        <legend className="text-sm font-medium text-slate-900">Repeat</legend>
        <div className="mt-1 inline-flex rounded-md border border-slate-300 p-0.5">
          {(["day", "week", "month"] as const).map((k) => (
            <label
              key={k}
              className={`cursor-pointer rounded px-3 py-1.5 text-sm font-medium has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-blue-700 ${
                value.every === k ? "bg-slate-900 text-white" : "text-slate-800 hover:bg-slate-100"
              }`}
            >
              <input
                type="radio"
                name={`${id}-every`}
                value={k}
                checked={value.every === k}
                onChange={() => set({ every: k })}
                className="sr-only"
              />
              {KIND_LABELS[k]}
            </label>
          ))}
        </div>
      </fieldset>
      <div className="grid gap-3 sm:grid-cols-2">
        {value.every === "week" && (
          <div>
            <label htmlFor={`${id}-on`} className="block text-sm font-medium text-slate-900">
              On
            </label>
            <select
              id={`${id}-on`}
              value={value.on}
              onChange={(e) => set({ on: e.target.value as Weekday })}
              className={`${inputClass} mt-1`}
            >
              {WEEKDAYS.map((d) => (
                <option key={d} value={d}>
                  {WEEKDAY_LABELS[d]}
                </option>
              ))}
            </select>
          </div>
        )}
        {value.every === "month" && (
          <div>
            <label htmlFor={`${id}-day`} className="block text-sm font-medium text-slate-900">
              Day of the month
            </label>
            <select
              id={`${id}-day`}
              value={value.day}
              onChange={(e) => set({ day: Number(e.target.value) })}
              className={`${inputClass} mt-1`}
            >
              {Array.from({ length: 28 }, (_, i) => i + 1).map((d) => (
                <option key={d} value={d}>
                  {d}
                </option>
              ))}
            </select>
            <p className="mt-1 text-xs text-slate-600">1–28, so every month has it.</p>
          </div>
        )}
        <div>
          <label htmlFor={`${id}-at`} className="block text-sm font-medium text-slate-900">
            At
          </label>
          <input
            id={`${id}-at`}
            type="time"
            required
            step={60}
            value={value.at}
            onChange={(e) => set({ at: e.target.value.slice(0, 5) })}
            className={`${inputClass} mt-1`}
          />
        </div>
      </div>
      <div>
        <label htmlFor={`${id}-tz`} className="block text-sm font-medium text-slate-900">
          Time zone
        </label>
        <TimeZoneSelect id={`${id}-tz`} value={value.timezone} onChange={(timezone) => set({ timezone })} className="mt-1" />
      </div>
    </div>
  );
}
