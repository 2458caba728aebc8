"use client";
/**
 * "Share" on a completed export (SPEC §14.2): a dialog to make a public link
 * (label, expiry in hours or days — by default when the file expires — and an
 * optional download limit) that shows the link once with a Copy button, and
 * the export's links with their downloads, expiry and state, each revocable.
 */
import { useId, useState } from "react";
import useSWR from "swr";
import { buttonClass, inputClass } from "@/components/ui/button";
import { CopyButton } from "@/components/ui/copy-button";
import { Dialog, DialogFooter } from "@/components/ui/dialog";
import { RelativeTime } from "@/components/ui/relative-time";
import { useToast } from "@/components/ui/toast";
import { canDownload } from "@/lib/exports/model";
import { fetchJson, fetcher } from "@/lib/fetcher";
import { formatExact, formatNumber, plural } from "@/lib/format";
import { SHARE_LABEL_MAX, SHARE_STATE_LABELS, type ShareState } from "@/lib/shares/model";
import type { ShareCreatedOut, ShareOut } from "@/lib/shares/schemas";
import type { ExportItem } from "./types";

const STATE_TONES: Record<ShareState, string> = {
  active: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  revoked: "bg-slate-100 text-slate-700 ring-slate-300",
  expired: "bg-slate-100 text-slate-700 ring-slate-300",
  limit_reached: "bg-amber-50 text-amber-900 ring-amber-200",
  unavailable: "bg-slate-100 text-slate-700 ring-slate-300",
};

function downloadsText(s: ShareOut): string {
  return s.max_downloads === null
    ? plural(s.download_count, "download")
    : `${formatNumber(s.download_count)} of ${formatNumber(s.max_downloads)} downloads`;
}

function ShareRow({ share, onRevoke, busy }: { share: ShareOut; onRevoke: (s: ShareOut) => void; busy: boolean }) {
  return (
    <li className="flex flex-wrap items-start justify-between gap-3 py-3" data-testid="share-row" data-state={share.state}>
      <div className="min-w-0 space-y-0.5">
        <p className="flex flex-wrap items-center gap-2">
          <span className="font-medium break-words text-slate-900">{share.label ?? "Untitled link"}</span>
          <span className={`rounded-full px-2 py-0.5 text-xs font-medium ring-1 ${STATE_TONES[share.state]}`}>
            {SHARE_STATE_LABELS[share.state]}
          </span>
        </p>
        <p className="text-sm text-slate-700 tabular-nums" data-testid="share-downloads">
          {downloadsText(share)}
          {share.last_downloaded_at && (
            <span className="text-slate-600">
              {" "}
              · last <RelativeTime iso={share.last_downloaded_at} />
            </span>
          )}
        </p>
        <p className="text-xs text-slate-600">
          {share.revoked_at ? (
            <>Revoked {formatExact(share.revoked_at)}</>
          ) : (
            <>
              Expires {formatExact(share.expires_at)} (<RelativeTime iso={share.expires_at} pastLabel="passed" />)
            </>
          )}
        </p>
      </div>
      {share.state !== "revoked" && (
        <button
          type="button"
          disabled={busy}
          onClick={() => onRevoke(share)}
          className={buttonClass("secondary", "sm", "text-red-800 hover:bg-red-50")}
        >
          {busy ? "Revoking…" : "Revoke"}
          <span className="sr-only"> {share.label ?? "link"}</span>
        </button>
      )}
    </li>
  );
}

export function SharePanel({ item, onChanged }: { item: ExportItem; onChanged?: () => void }) {
  const toast = useToast();
  const ids = useId();
  const [open, setOpen] = useState(false);
  const [label, setLabel] = useState("");
  const [expiresValue, setExpiresValue] = useState("");
  const [expiresUnit, setExpiresUnit] = useState<"hours" | "days">("days");
  const [maxDownloads, setMaxDownloads] = useState("");
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<ShareCreatedOut | null>(null);
  const [revoking, setRevoking] = useState<string | null>(null);
  const key = open ? `/api/exports/${item.id}/shares` : null;
  const { data, mutate, error: listError } = useSWR<{ shares: ShareOut[] }>(key, fetcher);

  if (!canDownload(item.status)) return null;

  function openPanel() {
    setCreated(null);
    setError(null);
    setOpen(true);
  }

  async function create(e: React.FormEvent) {
    e.preventDefault();
    if (creating) return;
    setCreating(true);
    setError(null);
    const body: Record<string, unknown> = { label: label.trim() || null };
    if (expiresValue.trim()) body.expires_in_hours = Number(expiresValue) * (expiresUnit === "days" ? 24 : 1);
    if (maxDownloads.trim()) body.max_downloads = Number(maxDownloads);
    try {
      const share = await fetchJson<ShareCreatedOut>(`/api/exports/${item.id}/shares`, { method: "POST", body: JSON.stringify(body) });
      setCreated(share);
      setLabel("");
      setExpiresValue("");
      setMaxDownloads("");
      void mutate();
      onChanged?.();
    } catch (err) {
      setError(err instanceof Error ? err.message : "Could not create the link.");
    } finally {
      setCreating(false);
    }
  }

  async function revoke(share: ShareOut) {
    setRevoking(share.id);
    try {
      await fetchJson(`/api/exports/${item.id}/shares/${share.id}`, { method: "DELETE" });
      toast.show({ tone: "info", title: "Link revoked", message: share.label ?? undefined });
      if (created?.id === share.id) setCreated(null);
      void mutate();
      onChanged?.();
    } catch (err) {
      toast.show({ tone: "error", title: "Could not revoke the link", message: err instanceof Error ? err.message : undefined });
    } finally {
      setRevoking(null);
    }
  }

  const shares = data?.shares ?? [];
  return (
    <>
      <button type="button" onClick={openPanel} className={buttonClass("secondary")} data-testid="share-button">
        Share
      </button>
      <Dialog
        open={open}
        onClose={() => setOpen(false)}
        title="Share this export"
        description="Anyone with a link can see the file's details and download it, without signing in, until the link expires or you revoke it."
        size="max-w-2xl"
        dismissible={!creating}
      >
        <div className="min-h-0 flex-1 space-y-5 overflow-y-auto px-5 py-4">
          <form onSubmit={create} className="space-y-3" aria-labelledby={`${ids}-new`}>
            <h3 id={`${ids}-new`} className="text-sm font-semibold text-slate-900">
              New link
            </h3>
            <div>
              <label htmlFor={`${ids}-label`} className="block text-sm font-medium">
                Label <span className="font-normal text-slate-600">(optional, only you see it)</span>
              </label>
              <input
                id={`${ids}-label`}
                maxLength={SHARE_LABEL_MAX}
                value={label}
                onChange={(e) => setLabel(e.target.value)}
                placeholder="e.g. Acme Drywall bid"
                className={`mt-1 ${inputClass}`}
                data-testid="share-label"
              />
            </div>
            <div className="grid gap-3 sm:grid-cols-2">
              <fieldset>
                <legend className="block text-sm font-medium">Expires after</legend>
                <div className="mt-1 flex gap-2">
                  <label htmlFor={`${ids}-expires`} className="sr-only">
                    Expires after how many {expiresUnit}
                  </label>
                  <input
                    id={`${ids}-expires`}
                    type="number"
                    inputMode="numeric"
                    min={1}
                    step={1}
                    value={expiresValue}
                    onChange={(e) => setExpiresValue(e.target.value)}
                    placeholder="File's expiry"
                    aria-describedby={`${ids}-expires-hint`}
                    className={inputClass}
                    data-testid="share-expires"
                  />
                  <label htmlFor={`${ids}-unit`} className="sr-only">
                    Unit
                  </label>
                  <select
                    id={`${ids}-unit`}
                    value={expiresUnit}
                    onChange={(e) => setExpiresUnit(e.target.value as "hours" | "days")}
                    className={`${inputClass} w-auto`}
                  >
                    <option value="hours">hours</option>
                    <option value="days">days</option>
                  </select>
                </div>
                <p id={`${ids}-expires-hint`} className="mt-1 text-xs text-slate-600">
                  Empty: when the file expires{item.expires_at ? ` (${formatExact(item.expires_at)})` : ""}. A link cannot outlive the file.
                </p>
              </fieldset>
              <div>
                <label htmlFor={`${ids}-max`} className="block text-sm font-medium">
                  Download limit <span className="font-normal text-slate-600">(optional)</span>
                </label>
                <input
                  id={`${ids}-max`}
                  type="number"
                  inputMode="numeric"
                  min={1}
                  step={1}
                  value={maxDownloads}
                  onChange={(e) => setMaxDownloads(e.target.value)}
                  placeholder="Unlimited"
                  className={`mt-1 ${inputClass}`}
                  data-testid="share-max-downloads"
                />
              </div>
            </div>
            {error && (
              <p role="alert" className="rounded-md bg-red-50 p-2 text-sm text-red-800">
                {error}
              </p>
            )}
            <button type="submit" disabled={creating} className={buttonClass("primary")} data-testid="share-create">
              {creating ? "Creating…" : "Create link"}
            </button>
          </form>

          {created && (
            <div className="rounded-md bg-emerald-50 p-3 ring-1 ring-emerald-200" role="status">
              <p className="text-sm font-semibold text-emerald-900">Link created. Copy it now: it is shown only once.</p>
              <div className="mt-2 flex flex-wrap items-center gap-2">
                <label htmlFor={`${ids}-url`} className="sr-only">
                  Share link
                </label>
                <input
                  id={`${ids}-url`}
                  readOnly
                  value={created.url}
                  onFocus={(e) => e.currentTarget.select()}
                  className={`${inputClass} min-w-0 flex-1 font-mono text-xs`}
                  data-testid="share-url"
                />
                <CopyButton text={created.url} label="Copy link" targetId={`${ids}-url`} size="md" />
              </div>
            </div>
          )}

          <section aria-labelledby={`${ids}-list`}>
            <h3 id={`${ids}-list`} className="text-sm font-semibold text-slate-900">
              Links to this export
            </h3>
            {listError && !data ? (
              <p role="alert" className="mt-2 text-sm text-red-800">
                Could not load the links: {listError.message}
              </p>
            ) : !data ? (
              <p className="mt-2 text-sm text-slate-600">Loading…</p>
            ) : shares.length === 0 ? (
              <p className="mt-2 text-sm text-slate-600">No links yet.</p>
            ) : (
              <ul className="divide-y divide-slate-100" data-testid="share-list">
                {shares.map((s) => (
                  <ShareRow key={s.id} share={s} onRevoke={revoke} busy={revoking === s.id} />
                ))}
              </ul>
            )}
          </section>
        </div>
        <DialogFooter>
          <button type="button" onClick={() => setOpen(false)} className={buttonClass("secondary")}>
            Close
          </button>
        </DialogFooter>
      </Dialog>
    </>
  );
}
