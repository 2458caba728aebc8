"use client";
/** "Are you sure?" as an accessible modal (never window.confirm): Cancel has the focus, so Enter does not destroy anything. */
import { useState } from "react";
import { buttonClass } from "./button";
import { Dialog, DialogFooter } from "./dialog";

type Props = {
  open: boolean;
  title: string;
  message: React.ReactNode;
  confirmLabel: string;
  onConfirm: () => Promise<void> | void;
  onClose: () => void;
};

export function ConfirmDialog({ open, title, message, confirmLabel, onConfirm, onClose }: Props) {
  const [busy, setBusy] = useState(false);
  async function confirm() {
    if (busy) return;
    setBusy(true);
    try {
      await onConfirm();
    } finally {
      setBusy(false);
    }
  }
  return (
    <Dialog open={open} onClose={onClose} title={title} role="alertdialog" dismissible={!busy} size="max-w-md">
      <div className="px-5 py-4 text-sm text-slate-700">{message}</div>
      <DialogFooter>
        <button type="button" autoFocus onClick={onClose} disabled={busy} className={buttonClass("secondary")}>
          Cancel
        </button>
        <button type="button" onClick={confirm} disabled={busy} className={buttonClass("danger")}>
          {busy ? "Working…" : confirmLabel}
        </button>
      </DialogFooter>
    </Dialog>
  );
}
