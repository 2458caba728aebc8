"use client";
/**
 * The actions on one export — Download, Retry, Cancel, Delete (confirmed in a
 * modal), Details — shared by the exports table and the details page. One
 * confirmation dialog serves a whole table.
 */
import Link from "next/link";
import { useCallback, useState } from "react";
import { buttonClass } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { useToast } from "@/components/ui/toast";
import { fetchJson } from "@/lib/fetcher";
import { canCancel, canDownload, canRetry, isActive } from "@/lib/exports/model";
import type { ExportItem } from "./types";

export type ExportAction = "retry" | "cancel" | "delete" | "duplicate";

const DONE: Record<ExportAction, string> = {
  retry: "Retry started",
  cancel: "Export cancelled",
  delete: "Export deleted",
  duplicate: "Exporting again",
};

/** What POST /api/exports/{id}/duplicate answers (the create response). */
type Duplicated = { export_id: string; message: string; deduplicated?: boolean };

/**
 * `onChanged` runs after every action (and shortly after a download starts,
 * when the counter has moved) so the caller can revalidate.
 */
export function useExportActions({ onChanged, onDeleted }: { onChanged: () => void; onDeleted?: (e: ExportItem) => void }) {
  const toast = useToast();
  const [busy, setBusy] = useState<string | null>(null);
  const [toDelete, setToDelete] = useState<ExportItem | null>(null);

  const run = useCallback(
    async (e: ExportItem, action: ExportAction) => {
      setBusy(`${e.id}:${action}`);
      try {
        if (action === "duplicate") {
          // "Export again" (SPEC §13.2): a new export; the toast leads to it.
          const copy = await fetchJson<Duplicated>(`/api/exports/${e.id}/duplicate`, { method: "POST", body: "{}" });
          toast.show({
            tone: copy.deduplicated ? "info" : "success",
            title: copy.deduplicated ? "Already in progress" : DONE.duplicate,
            message: copy.message,
            action: { label: "Open the new export", href: `/dashboard/exports/${copy.export_id}` },
          });
          return;
        }
        if (action === "delete") await fetchJson(`/api/exports/${e.id}`, { method: "DELETE" });
        else await fetchJson(`/api/exports/${e.id}/${action}`, { method: "POST", body: "{}" });
        toast.show({ tone: action === "delete" ? "info" : "success", title: DONE[action], message: e.name });
        if (action === "delete") onDeleted?.(e);
      } catch (err) {
        const verb = action === "duplicate" ? "export again" : action;
        toast.show({ tone: "error", title: `Could not ${verb} "${e.name}"`, message: err instanceof Error ? err.message : undefined });
      } finally {
        setBusy(null);
        onChanged();
      }
    },
    [toast, onChanged, onDeleted],
  );

  const act = useCallback(
    (e: ExportItem, action: ExportAction) => {
      if (action === "delete") setToDelete(e);
      else void run(e, action);
    },
    [run],
  );

  const downloaded = useCallback(() => {
    // The download is counted on the server as the redirect is served.
    setTimeout(onChanged, 1500);
  }, [onChanged]);

  const dialog = (
    <ConfirmDialog
      open={toDelete !== null}
      title="Delete this export?"
      message={
        toDelete && (
          <>
            <p>
              <strong className="break-words">{toDelete.name}</strong> and its file will be deleted.{" "}
              {isActive(toDelete.status) ? "The running job is cancelled first. " : ""}
              This cannot be undone.
            </p>
            <p className="mt-2 text-slate-600">The audit trail of the export is kept.</p>
          </>
        )
      }
      confirmLabel="Delete export"
      onClose={() => setToDelete(null)}
      onConfirm={async () => {
        const e = toDelete;
        if (!e) return;
        await run(e, "delete");
        setToDelete(null);
      }}
    />
  );

  return { act, busy, downloaded, dialog };
}

export function ExportActionButtons({
  item,
  act,
  busy,
  onDownload,
  showDetails = true,
  size = "sm",
}: {
  item: ExportItem;
  act: (e: ExportItem, action: ExportAction) => void;
  busy: string | null;
  onDownload?: () => void;
  showDetails?: boolean;
  size?: "sm" | "md";
}) {
  const name = <span className="sr-only"> {item.name}</span>;
  const disabled = busy !== null && busy.startsWith(item.id);
  return (
    // In the table's last column the row's actions wrap below 1536 px: four of them in one line
    // (Download, Export again, Delete, Details) pushed the table wider than a 1280 px window.
    <div className={`flex flex-wrap gap-1.5 ${showDetails ? "2xl:flex-nowrap" : ""}`}>
      {canDownload(item.status) && (
        <a
          href={`/api/exports/${item.id}/download`}
          onClick={onDownload}
          className={buttonClass("primary", size)}
          data-testid="download-link"
        >
          Download{name}
        </a>
      )}
      {canRetry(item.status) && (
        <button type="button" disabled={disabled} onClick={() => act(item, "retry")} className={buttonClass("secondary", size)}>
          {busy === `${item.id}:retry` ? "Retrying…" : "Retry"}
          {name}
        </button>
      )}
      {canCancel(item.status) && (
        <button type="button" disabled={disabled} onClick={() => act(item, "cancel")} className={buttonClass("secondary", size)}>
          {busy === `${item.id}:cancel` ? "Cancelling…" : "Cancel"}
          {name}
        </button>
      )}
      <button
        type="button"
        disabled={disabled}
        onClick={() => act(item, "duplicate")}
        className={buttonClass("secondary", size)}
        data-testid="export-again"
      >
        {busy === `${item.id}:duplicate` ? "Starting…" : "Export again"}
        {name}
      </button>
      <button
        type="button"
        disabled={disabled}
        onClick={() => act(item, "delete")}
        className={buttonClass("secondary", size, "text-red-800 hover:bg-red-50")}
      >
        Delete{name}
      </button>
      {showDetails && (
        <Link href={`/dashboard/exports/${item.id}`} className={buttonClass("ghost", size)}>
          Details{name}
        </Link>
      )}
    </div>
  );
}
