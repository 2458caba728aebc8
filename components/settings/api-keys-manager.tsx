"use client";
/**
 * API keys: create one (the key is shown once, with a copy button), list
 * them and revoke with confirmation. Only a hash is stored server-side, so
 * a lost key cannot be shown again — only replaced.
 */
import { useState } from "react";
import useSWR from "swr";
import { buttonClass, inputClass } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { CopyButton } from "@/components/ui/copy-button";
import { RelativeTime } from "@/components/ui/relative-time";
import { useToast } from "@/components/ui/toast";
import { fetcher, fetchJson } from "@/lib/fetcher";

type ApiKey = {
  id: string;
  name: string | null;
  start: string | null;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
};
type KeyList = { api_keys: ApiKey[] };

export function ApiKeysManager({ initialKeys }: { initialKeys: ApiKey[] }) {
  const toast = useToast();
  const { data, mutate } = useSWR<KeyList>("/api/api-keys", fetcher, { fallbackData: { api_keys: initialKeys } });
  const [name, setName] = useState("");
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<{ key: string; name: string } | null>(null);
  const [toRevoke, setToRevoke] = useState<ApiKey | null>(null);

  async function create(e: React.FormEvent) {
    e.preventDefault();
    if (creating) return;
    setCreating(true);
    setError(null);
    try {
      const res = await fetchJson<{ api_key: ApiKey; key: string; message: string }>("/api/api-keys", {
        method: "POST",
        body: JSON.stringify({ name: name.trim() }),
      });
      setCreated({ key: res.key, name: res.api_key.name ?? name.trim() });
      setName("");
      await mutate();
    } catch (err) {
      setError(err instanceof Error ? err.message : "Could not create the key.");
    } finally {
      setCreating(false);
    }
  }

  async function revoke(k: ApiKey) {
    try {
      await fetchJson(`/api/api-keys/${k.id}`, { method: "DELETE" });
      toast.show({ tone: "info", title: "API key revoked", message: k.name ?? undefined });
      setToRevoke(null);
    } catch (err) {
      toast.show({ tone: "error", title: "Could not revoke the key", message: err instanceof Error ? err.message : undefined });
    } finally {
      await mutate();
    }
  }

  const keys = data?.api_keys ?? [];
  return (
    <div className="space-y-6">
      <section aria-labelledby="create-key-heading" className="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200 sm:p-5">
        <h2 id="create-key-heading" className="text-base font-semibold">
          Create a key
        </h2>
        <form onSubmit={create} className="mt-3 flex flex-col gap-3 sm:flex-row sm:items-end">
          <div className="flex-1">
            <label htmlFor="key-name" className="block text-sm font-medium">
              Key name
            </label>
            <input
              id="key-name"
              required
              maxLength={100}
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder="e.g. Estimating integration"
              aria-describedby="key-name-hint"
              className={`mt-1 ${inputClass}`}
            />
            <p id="key-name-hint" className="mt-1 text-xs text-slate-600">
              A name that tells you later where the key is used.
            </p>
          </div>
          <button type="submit" disabled={creating || !name.trim()} className={buttonClass("primary", "md", "sm:mb-5")}>
            {creating ? "Creating…" : "Create key"}
          </button>
        </form>
        {error && (
          <p role="alert" className="mt-3 rounded-md bg-red-50 p-3 text-sm text-red-800">
            {error}
          </p>
        )}
        {created && (
          <div className="mt-4 rounded-md bg-emerald-50 p-4 ring-1 ring-emerald-300" role="status" data-testid="new-api-key">
            <p className="text-sm font-semibold text-emerald-950">Key “{created.name}” created. Copy it now: it will not be shown again.</p>
            <div className="mt-2 flex flex-col gap-2 sm:flex-row sm:items-center">
              <label htmlFor="new-key" className="sr-only">
                New API key
              </label>
              <input
                id="new-key"
                readOnly
                value={created.key}
                onFocus={(e) => e.currentTarget.select()}
                className={`${inputClass} font-mono text-xs`}
                data-testid="new-api-key-value"
              />
              <CopyButton text={created.key} label="Copy key" targetId="new-key" size="md" />
            </div>
            <button
              type="button"
              onClick={() => setCreated(null)}
              className="mt-3 text-sm font-medium text-emerald-950 underline underline-offset-2"
            >
              I have copied it — hide the key
            </button>
          </div>
        )}
      </section>

      <section aria-labelledby="keys-heading" className="overflow-hidden rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
        <h2 id="keys-heading" className="border-b border-slate-200 px-4 py-3 text-base font-semibold sm:px-5">
          Your keys
        </h2>
        {keys.length === 0 ? (
          <p className="p-4 text-sm text-slate-600 sm:px-5">No API keys yet.</p>
        ) : (
          <ul className="divide-y divide-slate-200">
            {keys.map((k) => (
              <li key={k.id} className="flex flex-wrap items-center justify-between gap-3 px-4 py-3 sm:px-5" data-testid="api-key-row">
                <div className="min-w-0">
                  <p className="font-medium break-words">{k.name ?? "Unnamed key"}</p>
                  <p className="text-sm text-slate-600">
                    <span className="font-mono">{k.start ? `${k.start}…` : "••••"}</span> · created <RelativeTime iso={k.created_at} /> ·{" "}
                    {k.last_used_at ? (
                      <>
                        last used <RelativeTime iso={k.last_used_at} />
                      </>
                    ) : (
                      "never used"
                    )}
                  </p>
                </div>
                <button
                  type="button"
                  onClick={() => setToRevoke(k)}
                  className={buttonClass("secondary", "sm", "text-red-800 hover:bg-red-50")}
                >
                  Revoke<span className="sr-only"> {k.name ?? "key"}</span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>

      <ConfirmDialog
        open={toRevoke !== null}
        title="Revoke this API key?"
        message={
          <p>
            <strong>{toRevoke?.name ?? "This key"}</strong> stops working at once. Integrations using it will get 401 responses.
          </p>
        }
        confirmLabel="Revoke key"
        onClose={() => setToRevoke(null)}
        onConfirm={() => (toRevoke ? revoke(toRevoke) : undefined)}
      />
    </div>
  );
}
