"use client";
/**
 * A project's documents with a checkbox each and "Export selected" (SPEC
 * §14.3): the chosen documents × the chosen formats (1–5) become one bundle,
 * one job, one .zip. After submitting, a toast links to the export and the
 * toolbar follows it — progress, then a Download link — like a document's
 * Export button follows its export. Each document keeps its own Export button.
 */
import Link from "next/link";
import { useId, useMemo, useRef, useState } from "react";
import useSWR from "swr";
import { buttonClass } from "@/components/ui/button";
import { Dialog, DialogFooter } from "@/components/ui/dialog";
import { useToast } from "@/components/ui/toast";
import { fetcher, fetchJson } from "@/lib/fetcher";
import { formatNumber, plural } from "@/lib/format";
import { canDownload, EXPORT_FORMATS, FORMAT_LABELS, isActive, type ExportFormat } from "@/lib/exports/model";
import { ExportButton } from "./export-button";
import type { CreatedExport } from "./export-dialog";
import type { ExportItem } from "./types";
import { useExportStatusToasts } from "./use-export-status-toasts";

export type BundleDocument = { id: string; name: string; page_count: number; measurements_count: number };

const POLL_MS = 1500;
const MAX_DOCUMENTS = 100;

function newKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `bundle-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

export function BundleDocuments({ documents }: { documents: BundleDocument[] }) {
  const ids = useId();
  const toast = useToast();
  const [selected, setSelected] = useState<Set<string>>(() => new Set());
  const [open, setOpen] = useState(false);
  const [exportId, setExportId] = useState<string | null>(null);

  const { data: running } = useSWR<ExportItem>(exportId ? `/api/exports/${exportId}` : null, fetcher, {
    refreshInterval: (d) => (d && !isActive(d.status) ? 0 : POLL_MS),
  });
  const watched = useMemo(() => (running ? [running] : undefined), [running]);
  const { watch } = useExportStatusToasts(watched);

  const allSelected = documents.length > 0 && selected.size === documents.length;
  const toggle = (id: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const toggleAll = () => setSelected(allSelected ? new Set() : new Set(documents.map((d) => d.id)));
  // In the page's order, whatever order they were ticked in.
  const chosen = documents.filter((d) => selected.has(d.id)).map((d) => d.id);

  const busy = running && isActive(running.status);
  return (
    <div>
      <div
        className="flex flex-wrap items-center gap-x-4 gap-y-2 border-b border-slate-200 bg-slate-50 px-4 py-2 sm:px-5"
        role="group"
        aria-label="Export several documents"
      >
        <label className="flex min-h-8 items-center gap-2 text-sm">
          <input type="checkbox" className="size-4" checked={allSelected} onChange={toggleAll} data-testid="select-all-documents" />
          Select all
        </label>
        <span className="text-sm text-slate-700" aria-live="polite" data-testid="selected-count">
          {selected.size === 0 ? "No documents selected" : `${plural(selected.size, "document")} selected`}
        </span>
        <button
          type="button"
          className={buttonClass("secondary", "sm")}
          disabled={chosen.length === 0 || chosen.length > MAX_DOCUMENTS}
          onClick={() => setOpen(true)}
          data-testid="export-selected"
        >
          Export selected
        </button>
        {busy && (
          <span className="text-xs text-slate-700" role="status" data-testid="bundle-progress">
            Bundle: <span className="tabular-nums">{running.progress}%</span> · {running.progress_step ?? "Queued"}
          </span>
        )}
        {running && canDownload(running.status) && (
          <a
            href={`/api/exports/${running.id}/download`}
            className="text-sm font-semibold text-blue-800 underline underline-offset-2"
            data-testid="bundle-download"
          >
            Download ZIP<span className="sr-only"> {running.file_name}</span>
          </a>
        )}
        {running?.status === "failed" && (
          <Link href={`/dashboard/exports/${running.id}`} className="text-sm font-medium text-red-800 underline underline-offset-2">
            Bundle failed — details
          </Link>
        )}
      </div>
      <ul className="divide-y divide-slate-200">
        {documents.map((d) => (
          <li key={d.id} className="flex flex-wrap items-center justify-between gap-3 px-4 py-3 sm:px-5">
            <div className="flex min-w-0 items-start gap-3">
              <input
                type="checkbox"
                id={`${ids}-${d.id}`}
                className="mt-1 size-4 shrink-0"
                checked={selected.has(d.id)}
                onChange={() => toggle(d.id)}
                aria-label={`Select ${d.name}`}
                data-testid="select-document"
              />
              <div className="min-w-0">
                <Link
                  href={`/dashboard/documents/${d.id}`}
                  className="font-medium break-words text-slate-900 hover:text-blue-800 hover:underline"
                >
                  {d.name}
                </Link>
                <p className="text-sm text-slate-600">
                  {plural(d.page_count, "page")} · {formatNumber(d.measurements_count)} measurements
                </p>
              </div>
            </div>
            <ExportButton source={{ type: "document", id: d.id, name: d.name }} variant="secondary" />
          </li>
        ))}
      </ul>
      <BundleDialog
        open={open}
        documentIds={chosen}
        onClose={() => setOpen(false)}
        onCreated={(result) => {
          setOpen(false);
          watch(result.export);
          setExportId(result.export_id);
          toast.show({
            tone: "info",
            title: result.deduplicated ? "Already in progress" : "Bundle started",
            message: result.message,
            action: { label: "Open the export", href: `/dashboard/exports/${result.export_id}` },
          });
        }}
      />
    </div>
  );
}

function BundleDialog({
  open,
  documentIds,
  onClose,
  onCreated,
}: {
  open: boolean;
  documentIds: string[];
  onClose: () => void;
  onCreated: (result: CreatedExport) => void;
}) {
  const ids = useId();
  const [formats, setFormats] = useState<ExportFormat[]>(["csv", "excel"]);
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const idempotencyKey = useRef<string | null>(null);

  const toggle = (f: ExportFormat) =>
    setFormats((list) => (list.includes(f) ? list.filter((x) => x !== f) : EXPORT_FORMATS.filter((x) => x === f || list.includes(x))));

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    if (submitting || formats.length === 0) return;
    setSubmitting(true);
    setError(null);
    idempotencyKey.current ??= newKey();
    try {
      const result = await fetchJson<CreatedExport>("/api/exports", {
        method: "POST",
        body: JSON.stringify({ source: { type: "documents", ids: documentIds }, formats }),
        headers: { "Idempotency-Key": idempotencyKey.current },
      });
      idempotencyKey.current = null;
      onCreated(result);
    } catch (err) {
      setError(err instanceof Error ? err.message : "Could not start the bundle.");
      idempotencyKey.current = null;
    } finally {
      setSubmitting(false);
    }
  }

  const files = documentIds.length * formats.length;
  return (
    <Dialog
      open={open}
      onClose={onClose}
      dismissible={!submitting}
      title="Export selected documents"
      description={`${plural(documentIds.length, "document")} in one .zip, one file per document and format, with a manifest.`}
    >
      <form onSubmit={submit} className="flex min-h-0 flex-1 flex-col" aria-busy={submitting}>
        <div className="space-y-3 overflow-y-auto px-5 py-4">
          <fieldset>
            <legend className="text-sm font-semibold">Formats</legend>
            <p className="text-xs text-slate-600" id={`${ids}-hint`}>
              Choose one to five; each format uses its default options.
            </p>
            <div className="mt-2 grid gap-2 sm:grid-cols-2">
              {EXPORT_FORMATS.map((f) => (
                <label
                  key={f}
                  className="flex min-h-10 cursor-pointer items-center gap-2 rounded-md border border-slate-300 px-3 text-sm has-[:checked]:border-blue-700 has-[:checked]:bg-blue-50"
                  data-testid={`bundle-format-${f}`}
                >
                  <input
                    type="checkbox"
                    className="size-4"
                    checked={formats.includes(f)}
                    onChange={() => toggle(f)}
                    aria-describedby={`${ids}-hint`}
                  />
                  {FORMAT_LABELS[f]}
                </label>
              ))}
            </div>
          </fieldset>
          {formats.length === 0 && (
            <p className="text-sm text-red-800" role="alert">
              Choose at least one format.
            </p>
          )}
          {error && (
            <p className="rounded-md bg-red-50 p-3 text-sm text-red-800" role="alert" data-testid="bundle-error">
              {error}
            </p>
          )}
        </div>
        <DialogFooter>
          <button type="button" className={buttonClass("secondary")} onClick={onClose} disabled={submitting}>
            Cancel
          </button>
          <button type="submit" className={buttonClass("primary")} disabled={submitting || formats.length === 0} data-testid="start-bundle">
            {submitting ? "Starting…" : `Export ${plural(files, "file")} as ZIP`}
          </button>
        </DialogFooter>
      </form>
    </Dialog>
  );
}
