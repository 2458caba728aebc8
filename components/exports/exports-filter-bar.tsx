"use client";
/** The exports list's filters: search by name, status, format and type, and Clear filters when any applies. */
import { useEffect, useState } from "react";
import { buttonClass, inputClass } from "@/components/ui/button";
import { EXPORT_STATUSES, EXPORT_TYPES, STORED_FORMATS } from "@/lib/exports/model";
import type { ExportFilters } from "./query";
import { FORMAT_LABELS, STATUS_LABELS, TYPE_LABELS } from "./types";

type Props = {
  filters: ExportFilters;
  /** Clear filters is offered when filters apply or a later page is shown. */
  canClear: boolean;
  onChange: (patch: Partial<ExportFilters>) => void;
  onClear: () => void;
};

export function ExportsFilterBar({ filters, canClear, onChange, onClear }: Props) {
  return (
    <section aria-labelledby="filters-heading" className="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
      <h2 id="filters-heading" className="sr-only">
        Filters
      </h2>
      <div className="grid grid-cols-3 items-end gap-3 lg:grid-cols-[minmax(0,2fr)_repeat(3,minmax(0,1fr))_auto]">
        <SearchBox value={filters.q ?? ""} onChange={onChange} />
        <FilterSelect
          id="filter-status"
          label="Status"
          value={filters.status}
          options={EXPORT_STATUSES}
          labels={STATUS_LABELS}
          onChange={(status) => onChange({ status })}
        />
        <FilterSelect
          id="filter-format"
          label="Format"
          value={filters.format}
          options={STORED_FORMATS}
          labels={FORMAT_LABELS}
          onChange={(format) => onChange({ format })}
        />
        <FilterSelect
          id="filter-type"
          label="Type"
          value={filters.type}
          options={EXPORT_TYPES}
          labels={TYPE_LABELS}
          onChange={(type) => onChange({ type })}
        />
        {filters.schedule_id && (
          <p className="col-span-3 flex flex-wrap items-center gap-2 text-sm text-slate-700 lg:col-span-5" role="status">
            Showing one schedule’s exports.
            <button
              type="button"
              onClick={() => onChange({ schedule_id: undefined })}
              className="font-medium text-blue-800 underline underline-offset-2"
            >
              Show every export
            </button>
          </p>
        )}
        {canClear && (
          <div className="col-span-3 lg:col-span-1">
            <button type="button" onClick={onClear} className={buttonClass("secondary", "md", "w-full lg:w-auto")}>
              Clear filters
            </button>
          </div>
        )}
      </div>
    </section>
  );
}

/** The search box keeps its own text and writes it to the URL after a pause in typing. */
function SearchBox({ value, onChange }: { value: string; onChange: (patch: Partial<ExportFilters>) => void }) {
  const [text, setText] = useState(value);
  const [lastValue, setLastValue] = useState(value);
  if (value !== lastValue) {
    // The URL changed from elsewhere (Clear filters, back): follow it.
    setLastValue(value);
    setText(value);
  }
  useEffect(() => {
    if (text.trim() === value) return;
    const timer = setTimeout(() => onChange({ q: text.trim() || undefined }), 350);
    return () => clearTimeout(timer);
  }, [text, value, onChange]);
  return (
    <div className="col-span-3 lg:col-span-1">
      <label htmlFor="export-search" className="block text-sm font-medium text-slate-800">
        Search by name
      </label>
      <input
        id="export-search"
        type="search"
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter") onChange({ q: text.trim() || undefined });
        }}
        placeholder="e.g. Structural Set"
        maxLength={200}
        autoComplete="off"
        className={`mt-1 ${inputClass}`}
      />
    </div>
  );
}

function FilterSelect<T extends string>({
  id,
  label,
  value,
  options,
  labels,
  onChange,
}: {
  id: string;
  label: string;
  value: T | undefined;
  options: readonly T[];
  labels: Record<T, string>;
  onChange: (v: T | undefined) => void;
}) {
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      <select
        id={id}
        value={value ?? ""}
        onChange={(e) => onChange((e.target.value || undefined) as T | undefined)}
        className={`mt-1 ${inputClass} px-2 sm:px-3`}
      >
        <option value="">All</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {labels[o]}
          </option>
        ))}
      </select>
    </div>
  );
}
