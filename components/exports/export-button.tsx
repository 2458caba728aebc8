"use client";
/**
 * The Export button of a document or project. It opens the export dialog;
 * afterwards it follows the export it started — progress on the button, a
 * toast and a Download link when done — and remembers it for the browser
 * tab, so coming back to the page still shows it.
 */
import Link from "next/link";
import { useCallback, useEffect, useMemo, useState } from "react";
import useSWR from "swr";
import { buttonClass } from "@/components/ui/button";
import { useToast } from "@/components/ui/toast";
import { ApiError, fetcher } from "@/lib/fetcher";
import { canDownload, isActive } from "@/lib/exports/model";
import { ExportDialog, type ConditionChoice, type CreatedExport, type ExportSource } from "./export-dialog";
import { formatLabel, type ExportItem } from "./types";
import { useExportStatusToasts } from "./use-export-status-toasts";

const POLL_MS = 1500;

function storageKey(source: Pick<ExportSource, "type" | "id">) {
  return `takeoff-exports:last:${source.type}:${source.id}`;
}

export function ExportButton({
  source,
  label = "Export",
  conditions,
  variant = "primary",
}: {
  source: ExportSource;
  label?: string;
  conditions?: ConditionChoice[];
  variant?: "primary" | "secondary";
}) {
  const toast = useToast();
  const [open, setOpen] = useState(false);
  const [exportId, setExportId] = useState<string | null>(null);

  // Pick up the export this tab last started here (sessionStorage exists only in the browser).
  const { type, id } = source;
  useEffect(() => {
    const saved = sessionStorage.getItem(storageKey({ type, id }));
    // eslint-disable-next-line react-hooks/set-state-in-effect -- browser-only storage can only be read after hydration
    if (saved) setExportId(saved);
  }, [type, id]);

  const { data: running } = useSWR<ExportItem>(exportId ? `/api/exports/${exportId}` : null, fetcher, {
    refreshInterval: (d) => (d && !isActive(d.status) ? 0 : POLL_MS),
    onError: (err) => {
      if (err instanceof ApiError && err.status === 404) {
        sessionStorage.removeItem(storageKey(source));
        setExportId(null);
      }
    },
  });

  // Toast when the export we follow finishes while we watch.
  const watched = useMemo(() => (running ? [running] : undefined), [running]);
  const { watch } = useExportStatusToasts(watched);

  const onCreated = useCallback(
    (result: CreatedExport) => {
      setOpen(false);
      watch(result.export);
      setExportId(result.export_id);
      sessionStorage.setItem(storageKey(source), result.export_id);
      toast.show({
        tone: "info",
        title: result.deduplicated ? "Already in progress" : "Export started",
        message: result.message,
        action: { label: "Open the Exports page", href: "/dashboard/exports" },
      });
    },
    [source, toast, watch],
  );

  const busy = running && isActive(running.status);
  return (
    <div className="flex flex-wrap items-center gap-x-3 gap-y-1.5" data-testid="export-control">
      <button
        type="button"
        onClick={() => setOpen(true)}
        className={buttonClass(variant, "md", "relative overflow-hidden")}
        data-testid="export-button"
      >
        {busy ? (
          <>
            <span aria-hidden="true" className="absolute inset-x-0 bottom-0 h-1 bg-current/25">
              <span
                className="block h-full bg-current transition-[width] duration-500"
                style={{ width: `${Math.max(4, running.progress)}%` }}
              />
            </span>
            <span>
              Exporting… <span className="tabular-nums">{running.progress}%</span>
            </span>
          </>
        ) : (
          label
        )}
        <span className="sr-only"> {source.name}</span>
      </button>
      {busy && (
        <span className="text-xs text-slate-700" role="status" data-testid="export-progress">
          {running.progress_step ?? "Queued"}
        </span>
      )}
      {running && canDownload(running.status) && (
        <a
          href={`/api/exports/${running.id}/download`}
          className="text-sm font-semibold text-blue-800 underline underline-offset-2"
          data-testid="inline-download"
        >
          Download {formatLabel(running.format)}
          <span className="sr-only"> {running.file_name}</span>
        </a>
      )}
      {running?.status === "failed" && (
        <Link href={`/dashboard/exports/${running.id}`} className="text-sm font-medium text-red-800 underline underline-offset-2">
          Export failed — details
        </Link>
      )}
      <ExportDialog source={source} conditions={conditions} open={open} onClose={() => setOpen(false)} onCreated={onCreated} />
    </div>
  );
}
