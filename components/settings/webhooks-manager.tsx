"use client";
/**
 * Webhook endpoints (SPEC §14.1): create one (URL, description, events; the
 * signing secret is shown once with a copy button), and per endpoint: its
 * state (disabled with the reason), a test send, the delivery log with
 * Retry, secret rotation (the new secret shown once), enable/disable, delete.
 */
import { useState } from "react";
import useSWR from "swr";
import { buttonClass, inputClass } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { CopyButton } from "@/components/ui/copy-button";
import { RelativeTime } from "@/components/ui/relative-time";
import { useToast } from "@/components/ui/toast";
import { fetcher, fetchJson } from "@/lib/fetcher";
import { MAX_WEBHOOK_ENDPOINTS, WEBHOOK_EVENT_LABELS, WEBHOOK_EVENT_TYPES, type WebhookEventType } from "@/lib/webhooks/model";
import type { WebhookEndpointOut } from "@/lib/webhooks/serialize";
import { WebhookDeliveries } from "./webhook-deliveries";

type WebhookList = { webhooks: WebhookEndpointOut[] };
type WithSecret = WebhookEndpointOut & { secret: string };

function SecretPanel({ title, secret, onHide }: { title: string; secret: string; onHide: () => void }) {
  return (
    <div className="mt-4 rounded-md bg-emerald-50 p-4 ring-1 ring-emerald-300" role="status" data-testid="webhook-secret">
      <p className="text-sm font-semibold text-emerald-950">{title} Copy the signing secret now: it will not be shown again.</p>
      <div className="mt-2 flex flex-col gap-2 sm:flex-row sm:items-center">
        <label htmlFor="webhook-secret-value" className="sr-only">
          Signing secret
        </label>
        <input
          id="webhook-secret-value"
          readOnly
          value={secret}
          onFocus={(e) => e.currentTarget.select()}
          className={`${inputClass} font-mono text-xs`}
          data-testid="webhook-secret-value"
        />
        <CopyButton text={secret} label="Copy secret" targetId="webhook-secret-value" size="md" />
      </div>
      <button type="button" onClick={onHide} className="mt-3 text-sm font-medium text-emerald-950 underline underline-offset-2">
        I have copied it — hide the secret
      </button>
    </div>
  );
}

export function WebhooksManager({ initialWebhooks }: { initialWebhooks: WebhookEndpointOut[] }) {
  const toast = useToast();
  const { data, mutate } = useSWR<WebhookList>("/api/webhooks", fetcher, { fallbackData: { webhooks: initialWebhooks } });
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  const [events, setEvents] = useState<WebhookEventType[]>(["export.completed", "export.failed"]);
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [secret, setSecret] = useState<{ title: string; secret: string } | null>(null);
  const [toDelete, setToDelete] = useState<WebhookEndpointOut | null>(null);
  const [toRotate, setToRotate] = useState<WebhookEndpointOut | null>(null);
  const [openLog, setOpenLog] = useState<Record<string, boolean>>({});
  const [watchUntil, setWatchUntil] = useState<Record<string, number>>({});
  const [busy, setBusy] = useState<string | null>(null);

  const webhooks = data?.webhooks ?? [];

  function toggleEvent(type: WebhookEventType, on: boolean) {
    setEvents((current) => (on ? [...current, type] : current.filter((e) => e !== type)));
  }

  async function create(e: React.FormEvent) {
    e.preventDefault();
    if (creating) return;
    setCreating(true);
    setError(null);
    try {
      const res = await fetchJson<WithSecret>("/api/webhooks", {
        method: "POST",
        body: JSON.stringify({ url: url.trim(), description: description.trim() || null, events }),
      });
      setSecret({ title: `Webhook for ${res.url} created.`, secret: res.secret });
      setUrl("");
      setDescription("");
      await mutate();
    } catch (err) {
      setError(err instanceof Error ? err.message : "Could not create the webhook.");
    } finally {
      setCreating(false);
    }
  }

  async function act(w: WebhookEndpointOut, label: string, run: () => Promise<void>) {
    setBusy(`${w.id}:${label}`);
    try {
      await run();
    } catch (err) {
      toast.show({ tone: "error", title: `Could not ${label}`, message: err instanceof Error ? err.message : undefined });
    } finally {
      setBusy(null);
      await mutate();
    }
  }

  const sendTest = (w: WebhookEndpointOut) =>
    act(w, "send a test", async () => {
      await fetchJson(`/api/webhooks/${w.id}/test`, { method: "POST" });
      setOpenLog((o) => ({ ...o, [w.id]: true }));
      setWatchUntil((o) => ({ ...o, [w.id]: Date.now() + 20_000 }));
      toast.show({ tone: "info", title: "Test sent", message: "Watch its delivery in the log below the webhook." });
    });

  const setEnabled = (w: WebhookEndpointOut, enabled: boolean) =>
    act(w, enabled ? "enable the webhook" : "disable the webhook", async () => {
      await fetchJson(`/api/webhooks/${w.id}`, { method: "PATCH", body: JSON.stringify({ enabled }) });
      toast.show({ tone: "info", title: enabled ? "Webhook enabled" : "Webhook disabled", message: w.url });
    });

  async function rotate(w: WebhookEndpointOut) {
    await act(w, "rotate the secret", async () => {
      const res = await fetchJson<WithSecret>(`/api/webhooks/${w.id}/rotate-secret`, { method: "POST" });
      setSecret({ title: `New secret for ${res.url}. For 24 hours deliveries carry the old and the new signature.`, secret: res.secret });
    });
    setToRotate(null);
  }

  async function remove(w: WebhookEndpointOut) {
    await act(w, "delete the webhook", async () => {
      await fetchJson(`/api/webhooks/${w.id}`, { method: "DELETE" });
      toast.show({ tone: "info", title: "Webhook deleted", message: w.url });
    });
    setToDelete(null);
  }

  const atLimit = webhooks.length >= MAX_WEBHOOK_ENDPOINTS;
  return (
    <div className="space-y-6">
      <section aria-labelledby="create-webhook-heading" className="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200 sm:p-5">
        <h2 id="create-webhook-heading" className="text-base font-semibold">
          Add an endpoint
        </h2>
        <form onSubmit={create} className="mt-3 space-y-4">
          <div>
            <label htmlFor="webhook-url" className="block text-sm font-medium">
              Endpoint URL
            </label>
            <input
              id="webhook-url"
              type="url"
              required
              maxLength={2000}
              value={url}
              onChange={(e) => setUrl(e.target.value)}
              placeholder="https://example.com/hooks/takeoff"
              aria-describedby="webhook-url-hint"
              className={`mt-1 ${inputClass}`}
            />
            <p id="webhook-url-hint" className="mt-1 text-xs text-slate-600">
              Deliveries are POSTed here. In production it must be https on a public address. Nothing is sent until an event happens or you
              send a test.
            </p>
          </div>
          <div>
            <label htmlFor="webhook-description" className="block text-sm font-medium">
              Description <span className="font-normal text-slate-600">(optional)</span>
            </label>
            <input
              id="webhook-description"
              maxLength={500}
              value={description}
              onChange={(e) => setDescription(e.target.value)}
              placeholder="e.g. ERP import"
              className={`mt-1 ${inputClass}`}
            />
          </div>
          <fieldset>
            <legend className="text-sm font-medium">Events to send</legend>
            <div className="mt-2 grid gap-2 sm:grid-cols-2">
              {WEBHOOK_EVENT_TYPES.map((type) => (
                <label key={type} className="flex items-start gap-2 text-sm">
                  <input
                    type="checkbox"
                    checked={events.includes(type)}
                    onChange={(e) => toggleEvent(type, e.target.checked)}
                    className="mt-0.5 h-4 w-4"
                  />
                  <span>
                    {WEBHOOK_EVENT_LABELS[type]} <code className="text-xs text-slate-600">{type}</code>
                  </span>
                </label>
              ))}
            </div>
          </fieldset>
          <div className="flex flex-wrap items-center gap-3">
            <button type="submit" disabled={creating || !url.trim() || events.length === 0 || atLimit} className={buttonClass("primary")}>
              {creating ? "Adding…" : "Add endpoint"}
            </button>
            {events.length === 0 && <p className="text-sm text-slate-700">Select at least one event.</p>}
            {atLimit && <p className="text-sm text-slate-700">You have {MAX_WEBHOOK_ENDPOINTS} endpoints, the most one account keeps.</p>}
          </div>
        </form>
        {error && (
          <p role="alert" className="mt-3 rounded-md bg-red-50 p-3 text-sm text-red-800">
            {error}
          </p>
        )}
        {secret && <SecretPanel title={secret.title} secret={secret.secret} onHide={() => setSecret(null)} />}
      </section>

      <section aria-labelledby="webhooks-heading" className="space-y-4">
        <h2 id="webhooks-heading" className="text-base font-semibold">
          Your endpoints
        </h2>
        {webhooks.length === 0 && <p className="text-sm text-slate-600">No webhooks yet.</p>}
        {webhooks.map((w) => (
          <article
            key={w.id}
            aria-label={`Webhook ${w.url}`}
            className="overflow-hidden rounded-lg bg-white shadow-sm ring-1 ring-slate-200"
            data-testid="webhook-row"
          >
            <div className="flex flex-col gap-3 px-4 py-3 sm:px-5 lg:flex-row lg:items-start lg:justify-between">
              <div className="min-w-0 space-y-1">
                <p className="font-mono text-sm break-all">{w.url}</p>
                {w.description && <p className="text-sm text-slate-700">{w.description}</p>}
                <p className="text-xs text-slate-600">
                  {w.events.join(", ")} · created <RelativeTime iso={w.created_at} />
                  {w.previous_secret_expires_at && (
                    <>
                      {" "}
                      · previous secret also signs until <RelativeTime iso={w.previous_secret_expires_at} />
                    </>
                  )}
                </p>
                {w.enabled ? (
                  <p className="text-sm">
                    <span className="inline-block rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-medium text-emerald-950">
                      Enabled
                    </span>
                    {w.consecutive_failures > 0 && (
                      <span className="ml-2 text-xs text-amber-900">{w.consecutive_failures} failed deliveries in a row</span>
                    )}
                  </p>
                ) : (
                  <p className="text-sm" data-testid="webhook-disabled">
                    <span className="inline-block rounded-full bg-slate-200 px-2 py-0.5 text-xs font-medium text-slate-900">Disabled</span>
                    <span className="ml-2 text-slate-800">{w.disabled_reason ?? "Disabled by you."}</span>
                  </p>
                )}
              </div>
              <div className="flex flex-wrap gap-2">
                <button
                  type="button"
                  onClick={() => sendTest(w)}
                  disabled={!w.enabled || busy !== null}
                  className={buttonClass("secondary", "sm")}
                >
                  Send test<span className="sr-only"> to {w.url}</span>
                </button>
                <button
                  type="button"
                  onClick={() => setOpenLog((o) => ({ ...o, [w.id]: !o[w.id] }))}
                  aria-expanded={Boolean(openLog[w.id])}
                  aria-controls={`log-${w.id}`}
                  className={buttonClass("secondary", "sm")}
                >
                  {openLog[w.id] ? "Hide deliveries" : "Deliveries"}
                </button>
                <button type="button" onClick={() => setToRotate(w)} disabled={busy !== null} className={buttonClass("secondary", "sm")}>
                  Rotate secret
                </button>
                <button
                  type="button"
                  onClick={() => setEnabled(w, !w.enabled)}
                  disabled={busy !== null}
                  className={buttonClass("secondary", "sm")}
                >
                  {w.enabled ? "Disable" : "Enable"}
                </button>
                <button
                  type="button"
                  onClick={() => setToDelete(w)}
                  disabled={busy !== null}
                  className={buttonClass("secondary", "sm", "text-red-800 hover:bg-red-50")}
                >
                  Delete<span className="sr-only"> {w.url}</span>
                </button>
              </div>
            </div>
            {openLog[w.id] && (
              <div id={`log-${w.id}`} className="border-t border-slate-200">
                <h3 className="sr-only">Delivery log of {w.url}</h3>
                <WebhookDeliveries webhookId={w.id} watchUntil={watchUntil[w.id] ?? 0} enabled={w.enabled} />
              </div>
            )}
          </article>
        ))}
      </section>

      <ConfirmDialog
        open={toRotate !== null}
        title="Rotate the signing secret?"
        message={
          <p>
            A new secret is shown once. For 24 hours deliveries to <strong className="break-all">{toRotate?.url}</strong> carry signatures
            made with both the old and the new secret, so you can switch your receiver without missing one.
          </p>
        }
        confirmLabel="Rotate secret"
        onClose={() => setToRotate(null)}
        onConfirm={() => (toRotate ? rotate(toRotate) : undefined)}
      />
      <ConfirmDialog
        open={toDelete !== null}
        title="Delete this webhook?"
        message={
          <p>
            Nothing more is sent to <strong className="break-all">{toDelete?.url}</strong>; its pending deliveries and its log are deleted.
          </p>
        }
        confirmLabel="Delete webhook"
        onClose={() => setToDelete(null)}
        onConfirm={() => (toDelete ? remove(toDelete) : undefined)}
      />
    </div>
  );
}
