"use client";
/**
 * The Export button of a document or project: opens a dialog with format
 * cards, the chosen format's options (with their defaults), name and
 * description. After submit it follows the export: progress on the button,
 * then a Download link. Submitting is disabled while a request is in flight,
 * and the server de-duplicates identical requests, so a double click never
 * makes two exports.
 */
import Link from "next/link";
import { useId, useRef, useState } from "react";
import useSWR from "swr";
import { useToast } from "@/components/ui/toast";
import { fetcher, fetchJson } from "@/lib/fetcher";
import { isActive, type Catalogue, type ExportItem, type FormatInfo, type OptionInfo } from "./types";

type Source = { type: "document" | "project"; id: string; name: string };

const CHOICE_LABELS: Record<string, string> = { ",": "Comma (,)", ";": "Semicolon (;)", "\t": "Tab", tab: "Tab", letter: "Letter", a4: "A4", portrait: "Portrait", landscape: "Landscape" };
const OPTION_LABELS: Record<string, string> = {
  include_unverified: "Include unverified measurements",
  include_costs: "Include costs",
  timezone: "Time zone for timestamps",
  bom: "Byte order mark (for Excel)",
  delimiter: "Delimiter",
  page_size: "Page size",
  orientation: "Orientation",
  pretty: "Indented (readable) JSON",
};

function defaultsFor(format: FormatInfo | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const o of format?.options ?? []) if (o.default !== undefined && o.key !== "condition_ids") out[o.key] = o.default;
  return out;
}

function OptionField({ option, value, onChange }: { option: OptionInfo; value: unknown; onChange: (v: unknown) => void }) {
  const id = useId();
  const label = OPTION_LABELS[option.key] ?? option.key;
  if (option.type === "boolean") {
    return (
      <label htmlFor={id} className="flex items-start gap-2 text-sm">
        <input id={id} type="checkbox" checked={Boolean(value)} onChange={(e) => onChange(e.target.checked)} className="mt-0.5 h-4 w-4" />
        <span>
          {label}
          {option.description && <span className="block text-xs text-slate-600">{option.description}</span>}
        </span>
      </label>
    );
  }
  if (option.choices) {
    const choices = option.choices.filter((c) => c !== "tab");
    return (
      <div className="text-sm">
        <label htmlFor={id} className="block font-medium">{label}</label>
        <select id={id} value={String(value ?? "")} onChange={(e) => onChange(e.target.value)} className="mt-1 w-full rounded-md border border-slate-300 px-2 py-1.5">
          {choices.map((c) => (
            <option key={c} value={c}>
              {CHOICE_LABELS[c] ?? c}
            </option>
          ))}
        </select>
      </div>
    );
  }
  return (
    <div className="text-sm">
      <label htmlFor={id} className="block font-medium">{label}</label>
      <input id={id} value={String(value ?? "")} onChange={(e) => onChange(e.target.value)} className="mt-1 w-full rounded-md border border-slate-300 px-2 py-1.5" />
    </div>
  );
}

export function ExportButton({ source, label = "Export" }: { source: Source; label?: string }) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const toast = useToast();
  const titleId = useId();
  const [open, setOpen] = useState(false);
  const [format, setFormat] = useState<string>("csv");
  const [options, setOptions] = useState<Record<string, unknown>>({});
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [exportId, setExportId] = useState<string | null>(null);

  const base = source.type === "document" ? `/api/documents/${source.id}/export` : `/api/projects/${source.id}/export`;
  const { data: catalogue } = useSWR<Catalogue>(open ? base : null, fetcher, {
    onSuccess: (c) => {
      if (!name) setName(c.suggested_name);
      setOptions((prev) => (Object.keys(prev).length ? prev : defaultsFor(c.formats.find((f) => f.id === format))));
    },
  });
  const { data: running } = useSWR<ExportItem>(exportId ? `/api/exports/${exportId}` : null, fetcher, {
    refreshInterval: (d) => (d && !isActive(d.status) ? 0 : 1500),
  });

  function show() {
    setOpen(true);
    setError(null);
    dialogRef.current?.showModal();
  }
  function close() {
    dialogRef.current?.close();
    setOpen(false);
  }
  function pickFormat(f: FormatInfo) {
    setFormat(f.id);
    setOptions(defaultsFor(f));
  }

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    if (submitting) return;
    setSubmitting(true);
    setError(null);
    try {
      const res = await fetchJson<{ export_id: string; message: string }>(base, {
        method: "POST",
        body: JSON.stringify({ format, options, name: name.trim() || undefined, description: description.trim() || undefined }),
      });
      setExportId(res.export_id);
      close();
      toast.show({ tone: "info", title: "Export started", message: res.message, action: { label: "Open the Exports page", href: "/dashboard/exports" } });
    } catch (err) {
      setError(err instanceof Error ? err.message : "Could not start the export.");
    } finally {
      setSubmitting(false);
    }
  }

  const chosen = catalogue?.formats.find((f) => f.id === format);
  const busy = running && isActive(running.status);
  return (
    <div className="flex flex-wrap items-center gap-2">
      <button
        type="button"
        onClick={show}
        className="rounded-md bg-blue-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-blue-800"
        aria-label={`${label} ${source.name}`}
      >
        {busy ? `Exporting… ${running.progress}%` : label}
      </button>
      {running?.status === "completed" && (
        <a href={`/api/exports/${running.id}/download`} className="text-sm font-medium text-blue-700 underline" data-testid="inline-download">
          Download {running.file_name}
        </a>
      )}
      {running?.status === "failed" && (
        <Link href={`/dashboard/exports/${running.id}`} className="text-sm text-red-700 underline">
          Export failed — details
        </Link>
      )}
      <dialog
        ref={dialogRef}
        aria-labelledby={titleId}
        onClose={() => setOpen(false)}
        className="m-auto w-[calc(100%-2rem)] max-w-2xl rounded-lg p-0 shadow-xl backdrop:bg-slate-900/50"
      >
        <form onSubmit={submit} className="flex max-h-[85vh] flex-col">
          <div className="border-b border-slate-200 px-5 py-4">
            <h2 id={titleId} className="text-lg font-semibold">
              Export {source.name}
            </h2>
            <p className="text-sm text-slate-600">
              {source.type === "document" ? "Measurements on this document" : "Every condition and measurement of the project"}
              {catalogue ? ` · ${catalogue.source.measurements_count.toLocaleString("en-US")} measurements` : ""}
            </p>
          </div>
          <div className="space-y-5 overflow-y-auto px-5 py-4">
            <fieldset>
              <legend className="text-sm font-medium">Format</legend>
              {!catalogue && <p className="mt-2 text-sm text-slate-600">Loading formats…</p>}
              <div className="mt-2 grid gap-2 sm:grid-cols-2">
                {catalogue?.formats.map((f) => (
                  <label
                    key={f.id}
                    className={`flex cursor-pointer gap-3 rounded-md border p-3 text-sm focus-within:ring-2 focus-within:ring-blue-600 ${format === f.id ? "border-blue-700 bg-blue-50" : "border-slate-300"}`}
                  >
                    <input type="radio" name="format" value={f.id} checked={format === f.id} onChange={() => pickFormat(f)} className="mt-1" />
                    <span>
                      <span className="block font-semibold">
                        {f.label} <span className="font-normal text-slate-600">.{f.extension}</span>
                      </span>
                      <span className="block text-slate-700">{f.description}</span>
                    </span>
                  </label>
                ))}
              </div>
            </fieldset>
            {chosen && chosen.options.length > 0 && (
              <fieldset className="space-y-3">
                <legend className="text-sm font-medium">Options</legend>
                {chosen.options
                  .filter((o) => o.key !== "condition_ids")
                  .map((o) => (
                    <OptionField key={o.key} option={o} value={options[o.key]} onChange={(v) => setOptions((prev) => ({ ...prev, [o.key]: v }))} />
                  ))}
              </fieldset>
            )}
            <div className="grid gap-3 sm:grid-cols-2">
              <div className="text-sm">
                <label htmlFor={`${titleId}-name`} className="block font-medium">Name</label>
                <input id={`${titleId}-name`} value={name} maxLength={200} onChange={(e) => setName(e.target.value)} className="mt-1 w-full rounded-md border border-slate-300 px-2 py-1.5" />
              </div>
              <div className="text-sm">
                <label htmlFor={`${titleId}-description`} className="block font-medium">Description (optional)</label>
                <input id={`${titleId}-description`} value={description} maxLength={2000} onChange={(e) => setDescription(e.target.value)} className="mt-1 w-full rounded-md border border-slate-300 px-2 py-1.5" />
              </div>
            </div>
            {error && (
              <p role="alert" className="rounded-md bg-red-50 p-2 text-sm text-red-800">
                {error}
              </p>
            )}
          </div>
          <div className="flex justify-end gap-2 border-t border-slate-200 px-5 py-3">
            <button type="button" onClick={close} className="rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium hover:bg-slate-100">
              Cancel
            </button>
            <button type="submit" disabled={submitting || !catalogue} className="rounded-md bg-blue-700 px-4 py-1.5 text-sm font-medium text-white hover:bg-blue-800 disabled:opacity-60">
              {submitting ? "Starting…" : `Start ${chosen?.label ?? ""} export`}
            </button>
          </div>
        </form>
      </dialog>
    </div>
  );
}
