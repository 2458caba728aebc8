"use client";
/** Toasts: a polite live region with optional action links, dismissible by keyboard. */
import Link from "next/link";
import { createContext, useCallback, useContext, useMemo, useState } from "react";

export type Toast = {
  id: number;
  tone: "success" | "error" | "info";
  title: string;
  message?: string;
  action?: { label: string; href: string; download?: boolean };
};

type ToastApi = { show(t: Omit<Toast, "id">): void };
const ToastContext = createContext<ToastApi>({ show: () => {} });

let nextId = 1;

export function ToastProvider({ children }: { children: React.ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const dismiss = useCallback((id: number) => setToasts((all) => all.filter((t) => t.id !== id)), []);
  const show = useCallback(
    (t: Omit<Toast, "id">) => {
      const id = nextId++;
      setToasts((all) => [...all.slice(-3), { ...t, id }]);
      setTimeout(() => dismiss(id), t.tone === "error" ? 12_000 : 8_000);
    },
    [dismiss],
  );
  const api = useMemo(() => ({ show }), [show]);
  const tones = { success: "border-emerald-600", error: "border-red-600", info: "border-blue-600" };
  return (
    <ToastContext.Provider value={api}>
      {children}
      <div aria-live="polite" role="status" className="pointer-events-none fixed bottom-4 right-4 z-50 flex w-[calc(100%-2rem)] max-w-sm flex-col gap-2">
        {toasts.map((t) => (
          <div key={t.id} data-testid="toast" className={`pointer-events-auto rounded-md border-l-4 bg-white p-3 shadow-lg ${tones[t.tone]}`}>
            <div className="flex items-start justify-between gap-2">
              <div>
                <p className="text-sm font-semibold text-slate-900">{t.title}</p>
                {t.message && <p className="mt-1 text-sm text-slate-700">{t.message}</p>}
                {t.action && (
                  <Link href={t.action.href} prefetch={false} className="mt-2 inline-block text-sm font-medium text-blue-700 underline">
                    {t.action.label}
                  </Link>
                )}
              </div>
              <button type="button" onClick={() => dismiss(t.id)} className="rounded px-1 text-slate-600 hover:bg-slate-100" aria-label="Dismiss notification">
                ×
              </button>
            </div>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}

export const useToast = () => useContext(ToastContext);
