"use client";
/**
 * The exports history: polls every ~2 s only while something is pending or
 * processing, toasts when an export completes or fails, and offers Download,
 * Retry, Cancel, Delete and Details per row.
 */
import Link from "next/link";
import { useEffect, useRef, useState } from "react";
import useSWR from "swr";
import { useToast } from "@/components/ui/toast";
import { fetcher, fetchJson } from "@/lib/fetcher";
import { formatBytes, formatExact, formatNumber, formatRelative } from "@/lib/format";
import { StatusBadge } from "./status-badge";
import { isActive, type ExportItem } from "./types";

type ExportList = { exports: ExportItem[]; total: number; next_cursor: string | null };

export function ExportsTable({ query = "" }: { query?: string }) {
  const toast = useToast();
  const key = `/api/exports?limit=20${query ? `&${query}` : ""}`;
  const { data, error, mutate } = useSWR<ExportList>(key, fetcher, {
    refreshInterval: (d) => (d?.exports.some((e) => isActive(e.status)) ? 2000 : 0),
  });
  const [busy, setBusy] = useState<string | null>(null);
  const previous = useRef<Map<string, string>>(new Map());

  useEffect(() => {
    if (!data) return;
    for (const e of data.exports) {
      const before = previous.current.get(e.id);
      if (before && isActive(before) && e.status === "completed") {
        toast.show({ tone: "success", title: `${e.name} is ready`, message: `${formatNumber(e.records_count)} rows, ${formatBytes(e.file_size)}`, action: { label: "Download", href: `/api/exports/${e.id}/download` } });
      } else if (before && isActive(before) && e.status === "failed") {
        toast.show({ tone: "error", title: `${e.name} failed`, message: e.error_message ?? undefined, action: { label: "Details", href: `/dashboard/exports/${e.id}` } });
      }
      previous.current.set(e.id, e.status);
    }
  }, [data, toast]);

  async function act(e: ExportItem, action: "retry" | "cancel" | "delete") {
    if (action === "delete" && !window.confirm(`Delete "${e.name}" and its file? This cannot be undone.`)) return;
    setBusy(`${e.id}:${action}`);
    try {
      if (action === "delete") await fetchJson(`/api/exports/${e.id}`, { method: "DELETE" });
      else await fetchJson(`/api/exports/${e.id}/${action}`, { method: "POST", body: "{}" });
      const verb = { retry: "Retry started", cancel: "Export cancelled", delete: "Export deleted" }[action];
      toast.show({ tone: "info", title: verb, message: e.name });
    } catch (err) {
      toast.show({ tone: "error", title: "That did not work", message: err instanceof Error ? err.message : undefined });
    } finally {
      setBusy(null);
      await mutate();
    }
  }

  if (error) return <p role="alert" className="text-red-700">Could not load exports: {error.message}</p>;
  if (!data) return <p className="text-slate-600">Loading exports…</p>;
  if (data.exports.length === 0) {
    return (
      <div className="rounded-lg border border-dashed border-slate-300 bg-white p-8 text-center">
        <p className="font-medium">No exports yet.</p>
        <p className="mt-1 text-slate-600">
          Open a <Link href="/dashboard" className="text-blue-700 underline">document or project</Link> and click Export.
        </p>
      </div>
    );
  }
  return (
    <div className="overflow-x-auto rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
      <table className="min-w-full text-left text-sm">
        <caption className="sr-only">Exports, newest first</caption>
        <thead className="bg-slate-50 text-xs uppercase text-slate-600">
          <tr>
            <th scope="col" className="px-3 py-2">Name</th>
            <th scope="col" className="px-3 py-2">Format</th>
            <th scope="col" className="px-3 py-2">Status</th>
            <th scope="col" className="px-3 py-2 text-right">Records</th>
            <th scope="col" className="px-3 py-2 text-right">Size</th>
            <th scope="col" className="px-3 py-2">Created</th>
            <th scope="col" className="px-3 py-2">Expires</th>
            <th scope="col" className="px-3 py-2 text-right">Downloads</th>
            <th scope="col" className="px-3 py-2">Actions</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {data.exports.map((e) => (
            <tr key={e.id} data-testid="export-row" data-export-id={e.id}>
              <td className="px-3 py-2">
                <Link href={`/dashboard/exports/${e.id}`} className="font-medium hover:underline">
                  {e.name}
                </Link>
                <div className="text-xs text-slate-600">
                  {e.type === "document_export" ? (
                    <Link href={`/dashboard/documents/${e.document_id}`} className="hover:underline">Document</Link>
                  ) : (
                    <Link href={`/dashboard/projects/${e.project_id}`} className="hover:underline">Project</Link>
                  )}
                  {e.description ? ` · ${e.description}` : ""}
                </div>
              </td>
              <td className="px-3 py-2 uppercase">{e.format}</td>
              <td className="px-3 py-2">
                <StatusBadge item={e} />
                {e.status === "failed" && e.error_message && <p className="mt-1 max-w-xs text-xs text-red-800">{e.error_message}</p>}
              </td>
              <td className="px-3 py-2 text-right tabular-nums">{formatNumber(e.records_count)}</td>
              <td className="px-3 py-2 text-right tabular-nums">{formatBytes(e.file_size)}</td>
              <td className="px-3 py-2">
                <time dateTime={e.created_at} title={formatExact(e.created_at)}>
                  {formatRelative(e.created_at)}
                </time>
              </td>
              <td className="px-3 py-2">
                {e.status === "expired" ? (
                  <span className="text-slate-600">expired</span>
                ) : (
                  <time dateTime={e.expires_at ?? undefined} title={formatExact(e.expires_at)}>
                    {e.expires_at ? formatRelative(e.expires_at) : "—"}
                  </time>
                )}
              </td>
              <td className="px-3 py-2 text-right tabular-nums">{e.download_count}</td>
              <td className="px-3 py-2">
                <div className="flex flex-wrap gap-1">
                  {e.status === "completed" && (
                    <a href={`/api/exports/${e.id}/download`} className="rounded bg-blue-700 px-2 py-1 text-xs font-medium text-white hover:bg-blue-800">
                      Download
                    </a>
                  )}
                  {["failed", "cancelled", "expired"].includes(e.status) && (
                    <button type="button" disabled={busy !== null} onClick={() => act(e, "retry")} className="rounded border border-slate-300 px-2 py-1 text-xs font-medium hover:bg-slate-100">
                      Retry
                    </button>
                  )}
                  {isActive(e.status) && (
                    <button type="button" disabled={busy !== null} onClick={() => act(e, "cancel")} className="rounded border border-slate-300 px-2 py-1 text-xs font-medium hover:bg-slate-100">
                      Cancel
                    </button>
                  )}
                  <button type="button" disabled={busy !== null} onClick={() => act(e, "delete")} className="rounded border border-red-300 px-2 py-1 text-xs font-medium text-red-800 hover:bg-red-50">
                    Delete
                  </button>
                  <Link href={`/dashboard/exports/${e.id}`} className="rounded px-2 py-1 text-xs font-medium text-blue-700 underline">
                    Details
                  </Link>
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="px-3 py-2 text-xs text-slate-600">
        Showing {data.exports.length} of {data.total}
      </p>
    </div>
  );
}
