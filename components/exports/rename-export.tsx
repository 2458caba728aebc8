"use client";
/** Rename an export or change its description (PATCH /api/exports/{id}) in a small dialog. */
import { useState } from "react";
import { buttonClass, inputClass } from "@/components/ui/button";
import { Dialog, DialogFooter } from "@/components/ui/dialog";
import { useToast } from "@/components/ui/toast";
import { fetchJson } from "@/lib/fetcher";
import type { ExportItem } from "./types";

export function RenameExport({ item, onSaved }: { item: ExportItem; onSaved: (e: ExportItem) => void }) {
  const toast = useToast();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState(item.name);
  const [description, setDescription] = useState(item.description ?? "");
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);

  function openDialog() {
    setName(item.name);
    setDescription(item.description ?? "");
    setError(null);
    setOpen(true);
  }

  async function save(e: React.FormEvent) {
    e.preventDefault();
    if (saving) return;
    setSaving(true);
    setError(null);
    try {
      const updated = await fetchJson<ExportItem>(`/api/exports/${item.id}`, {
        method: "PATCH",
        body: JSON.stringify({ name: name.trim(), description: description.trim() || null }),
      });
      onSaved(updated);
      setOpen(false);
      toast.show({ tone: "success", title: "Export renamed", message: updated.name });
    } catch (err) {
      setError(err instanceof Error ? err.message : "Could not save.");
    } finally {
      setSaving(false);
    }
  }

  return (
    <>
      <button type="button" onClick={openDialog} className={buttonClass("secondary")}>
        Rename
      </button>
      <Dialog open={open} onClose={() => setOpen(false)} title="Rename export" dismissible={!saving}>
        <form onSubmit={save}>
          <div className="space-y-4 px-5 py-4">
            <div>
              <label htmlFor="rename-name" className="block text-sm font-medium">
                Name
              </label>
              <input
                id="rename-name"
                required
                maxLength={200}
                value={name}
                onChange={(e) => setName(e.target.value)}
                className={`mt-1 ${inputClass}`}
              />
            </div>
            <div>
              <label htmlFor="rename-description" className="block text-sm font-medium">
                Description <span className="font-normal text-slate-600">(optional)</span>
              </label>
              <textarea
                id="rename-description"
                rows={3}
                maxLength={2000}
                value={description}
                onChange={(e) => setDescription(e.target.value)}
                className={`mt-1 ${inputClass}`}
              />
            </div>
            {error && (
              <p role="alert" className="rounded-md bg-red-50 p-2 text-sm text-red-800">
                {error}
              </p>
            )}
          </div>
          <DialogFooter>
            <button type="button" onClick={() => setOpen(false)} disabled={saving} className={buttonClass("secondary")}>
              Cancel
            </button>
            <button type="submit" disabled={saving || !name.trim()} className={buttonClass("primary")}>
              {saving ? "Saving…" : "Save"}
            </button>
          </DialogFooter>
        </form>
      </Dialog>
    </>
  );
}
