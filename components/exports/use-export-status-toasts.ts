"use client";
/**
 * The toast that says an export finished — with its Download when it
 * completed, its message when it failed — for whichever exports a view
 * watches (the table's page, one export's details, the Export button's last
 * export). Only a change seen while watching counts: an export that was
 * already done when it first showed up says nothing, so a reload or a new
 * page of the table stays quiet.
 */
import { useCallback, useEffect, useEffectEvent, useRef } from "react";
import { useToast } from "@/components/ui/toast";
import { formatBytes, plural } from "@/lib/format";
import { isActive, type ExportStatus } from "@/lib/exports/model";
import { formatLabel, type ExportItem } from "./types";

type Options = {
  /** Runs once per batch in which any watched export changed status (to refresh what depends on it). */
  onStatusChange?: () => void;
  /** The failure toast links to the export's details page; off on that page itself. */
  linkToDetails?: boolean;
};

export function useExportStatusToasts(exports: readonly ExportItem[] | undefined, { onStatusChange, linkToDetails = true }: Options = {}) {
  const toast = useToast();
  // Last status seen per export, kept across pages and refetches.
  const seen = useRef(new Map<string, ExportStatus>());
  const statusChanged = useEffectEvent(() => onStatusChange?.());

  useEffect(() => {
    if (!exports) return;
    let changed = false;
    for (const e of exports) {
      const was = seen.current.get(e.id);
      seen.current.set(e.id, e.status);
      if (was === undefined || was === e.status) continue;
      changed = true;
      if (!isActive(was)) continue;
      if (e.status === "completed") {
        toast.show({
          tone: "success",
          title: `${e.name} is ready`,
          message: `${formatLabel(e.format)} · ${plural(e.records_count, "record")} · ${formatBytes(e.file_size)}`,
          action: { label: `Download ${e.file_name ?? "file"}`, href: `/api/exports/${e.id}/download`, download: true },
        });
      } else if (e.status === "failed") {
        toast.show({
          tone: "error",
          title: `${e.name} failed`,
          message: e.error_message ?? "The export failed.",
          action: linkToDetails ? { label: "See details", href: `/dashboard/exports/${e.id}` } : undefined,
        });
      }
    }
    if (changed) statusChanged();
  }, [exports, toast, linkToDetails]);

  /** Remembers the status of an export the caller has just started, so its first poll is compared with it and its end is told. */
  const watch = useCallback((e: Pick<ExportItem, "id" | "status">) => {
    seen.current.set(e.id, e.status);
  }, []);

  return { watch };
}
