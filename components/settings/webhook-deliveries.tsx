"use client";
/**
 * One endpoint's delivery log: one row per attempt, newest first (status,
 * response, duration, time, error), with "Retry" to send that event again
 * under the same webhook-id. Polls while something is under way.
 */
import useSWR from "swr";
import { useState } from "react";
import { buttonClass } from "@/components/ui/button";
import { RelativeTime } from "@/components/ui/relative-time";
import { useToast } from "@/components/ui/toast";
import { fetcher, fetchJson } from "@/lib/fetcher";
import type { WebhookDeliveryOut } from "@/lib/webhooks/serialize";

type DeliveryList = { deliveries: WebhookDeliveryOut[]; total: number; next_cursor: string | null };

const STATUS_STYLE: Record<WebhookDeliveryOut["status"], { label: string; className: string }> = {
  pending: { label: "Sending…", className: "bg-amber-100 text-amber-950" },
  succeeded: { label: "Succeeded", className: "bg-emerald-100 text-emerald-950" },
  failed: { label: "Failed", className: "bg-red-100 text-red-900" },
};

/** A moment `ms` from now (outside render: only event handlers call it). */
function fromNow(ms: number): number {
  return Date.now() + ms;
}

export function WebhookDeliveries({ webhookId, watchUntil, enabled }: { webhookId: string; watchUntil: number; enabled: boolean }) {
  const toast = useToast();
  const [retrying, setRetrying] = useState<string | null>(null);
  const [watchRetryUntil, setWatchRetryUntil] = useState(0);
  const key = `/api/webhooks/${webhookId}/deliveries?limit=20`;
  const { data, error, mutate, isLoading } = useSWR<DeliveryList>(key, fetcher, {
    // While an attempt is under way, a retry is due soon, or a send was just asked for.
    refreshInterval: (d) => {
      const busy = d?.deliveries.some(
        (x) =>
          x.status === "pending" ||
          (x.event_status === "pending" && x.next_attempt_at && Date.parse(x.next_attempt_at) - Date.now() < 120_000),
      );
      return busy || Date.now() < Math.max(watchUntil, watchRetryUntil) ? 1500 : 0;
    },
  });

  async function retry(d: WebhookDeliveryOut) {
    setRetrying(d.id);
    try {
      await fetchJson(`/api/webhooks/${webhookId}/deliveries/${d.id}/retry`, { method: "POST" });
      toast.show({ tone: "info", title: "Delivery queued again", message: `${d.type} will be sent again under the same webhook-id.` });
      setWatchRetryUntil(fromNow(15_000));
      await mutate();
    } catch (err) {
      toast.show({ tone: "error", title: "Could not retry", message: err instanceof Error ? err.message : undefined });
    } finally {
      setRetrying(null);
    }
  }

  if (error) return <p className="px-4 py-3 text-sm text-red-800 sm:px-5">Could not load the delivery log: {error.message}</p>;
  if (isLoading && !data) return <p className="px-4 py-3 text-sm text-slate-600 sm:px-5">Loading deliveries…</p>;
  const rows = data?.deliveries ?? [];
  if (rows.length === 0)
    return <p className="px-4 py-3 text-sm text-slate-600 sm:px-5">No deliveries yet. Send a test to try the endpoint.</p>;
  return (
    // relative: the screen-reader-only texts (absolutely positioned) stay inside the scroll box instead of widening the page.
    // Focusable, so a keyboard can scroll it on a narrow screen.
    <div
      className="relative overflow-x-auto focus-visible:outline-2 focus-visible:outline-blue-700"
      tabIndex={0}
      role="region"
      aria-label="Delivery attempts"
    >
      <table className="min-w-full text-left text-sm" data-testid="webhook-deliveries">
        <caption className="sr-only">
          Delivery attempts, newest first{data && data.total > rows.length ? ` (latest ${rows.length} of ${data.total})` : ""}
        </caption>
        <thead className="bg-slate-50 text-xs text-slate-700 uppercase">
          <tr>
            <th scope="col" className="px-3 py-2 font-semibold">
              Time
            </th>
            <th scope="col" className="px-3 py-2 font-semibold">
              Event
            </th>
            <th scope="col" className="px-3 py-2 font-semibold">
              Status
            </th>
            <th scope="col" className="px-3 py-2 font-semibold">
              Response
            </th>
            <th scope="col" className="px-3 py-2 font-semibold">
              Duration
            </th>
            <th scope="col" className="px-3 py-2 font-semibold">
              Error
            </th>
            <th scope="col" className="px-3 py-2 font-semibold">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-200">
          {rows.map((d) => (
            <tr key={d.id} data-testid="webhook-delivery-row">
              <td className="px-3 py-2 whitespace-nowrap">
                <RelativeTime iso={d.created_at} />
              </td>
              <td className="px-3 py-2">
                <span className="font-medium">{d.type}</span>
                <span className="block text-xs text-slate-600">
                  attempt {d.attempt} ·{" "}
                  <span className="font-mono" title={`webhook-id ${d.event_id}`}>
                    {d.event_id.slice(0, 8)}
                  </span>
                </span>
              </td>
              <td className="px-3 py-2">
                <span className={`inline-block rounded-full px-2 py-0.5 text-xs font-medium ${STATUS_STYLE[d.status].className}`}>
                  {STATUS_STYLE[d.status].label}
                </span>
                {d.event_status === "pending" && d.status !== "pending" && d.next_attempt_at && (
                  <span className="block text-xs text-slate-600">
                    next try <RelativeTime iso={d.next_attempt_at} />
                  </span>
                )}
              </td>
              <td className="px-3 py-2 font-mono whitespace-nowrap">{d.response_status ?? "—"}</td>
              <td className="px-3 py-2 whitespace-nowrap">{d.duration_ms === null ? "—" : `${d.duration_ms} ms`}</td>
              <td className="max-w-xs px-3 py-2 break-words text-slate-700">{d.error ?? "—"}</td>
              <td className="px-3 py-2 text-right">
                {d.status === "failed" && enabled && (
                  <button type="button" onClick={() => retry(d)} disabled={retrying === d.id} className={buttonClass("secondary", "sm")}>
                    {retrying === d.id ? "Retrying…" : "Retry"}
                    <span className="sr-only">
                      {" "}
                      {d.type} attempt {d.attempt}
                    </span>
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
