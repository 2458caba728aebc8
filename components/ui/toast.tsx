"use client";
/**
 * Toasts: announced through a live region that exists before any toast does
 * (screen readers ignore regions inserted together with their content).
 * Each toast pauses its timer while hovered or focused, so a keyboard user
 * can reach its action, and can be dismissed.
 */
import Link from "next/link";
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from "react";

export type ToastAction = {
  label: string;
  href: string;
  /** A file download through the API (a plain link, not a client-side navigation). */
  download?: boolean;
};

export type Toast = {
  id: number;
  tone: "success" | "error" | "info";
  title: string;
  message?: string;
  action?: ToastAction;
};

type ToastApi = { show(t: Omit<Toast, "id">): void };
const ToastContext = createContext<ToastApi>({ show: () => {} });

let nextId = 1;

const TONES = {
  success: { bar: "border-emerald-600", icon: "✓", iconClass: "bg-emerald-100 text-emerald-800", label: "Success" },
  error: { bar: "border-red-600", icon: "!", iconClass: "bg-red-100 text-red-800", label: "Error" },
  info: { bar: "border-blue-600", icon: "i", iconClass: "bg-blue-100 text-blue-800", label: "Information" },
} as const;

function ToastCard({ toast, onDismiss }: { toast: Toast; onDismiss: (id: number) => void }) {
  const [paused, setPaused] = useState(false);
  const remaining = useRef(toast.tone === "error" ? 12_000 : 8_000);

  useEffect(() => {
    if (paused) return;
    const started = Date.now();
    const timer = setTimeout(() => onDismiss(toast.id), remaining.current);
    return () => {
      clearTimeout(timer);
      remaining.current = Math.max(2_000, remaining.current - (Date.now() - started));
    };
  }, [paused, onDismiss, toast.id]);

  const tone = TONES[toast.tone];
  const actionClass = "mt-2 inline-block text-sm font-semibold text-blue-800 underline underline-offset-2 hover:text-blue-900";
  return (
    <div
      data-testid="toast"
      data-tone={toast.tone}
      onMouseEnter={() => setPaused(true)}
      onMouseLeave={() => setPaused(false)}
      onFocus={() => setPaused(true)}
      onBlur={(e) => {
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setPaused(false);
      }}
      className={`pointer-events-auto rounded-md border-l-4 bg-white p-3 shadow-lg ring-1 ring-slate-200 ${tone.bar}`}
    >
      <div className="flex items-start gap-3">
        <span
          aria-hidden="true"
          className={`mt-0.5 flex h-5 w-5 shrink-0 items-center justify-center rounded-full text-xs font-bold ${tone.iconClass}`}
        >
          {tone.icon}
        </span>
        <div className="min-w-0 flex-1">
          <p className="text-sm font-semibold text-slate-900">
            <span className="sr-only">{tone.label}: </span>
            {toast.title}
          </p>
          {toast.message && <p className="mt-1 break-words text-sm text-slate-700">{toast.message}</p>}
          {toast.action &&
            (toast.action.download ? (
              <a href={toast.action.href} className={actionClass}>
                {toast.action.label}
              </a>
            ) : (
              <Link href={toast.action.href} prefetch={false} className={actionClass}>
                {toast.action.label}
              </Link>
            ))}
        </div>
        <button
          type="button"
          onClick={() => onDismiss(toast.id)}
          className="-m-1 flex h-8 w-8 shrink-0 items-center justify-center rounded text-lg leading-none text-slate-600 hover:bg-slate-100 hover:text-slate-900"
          aria-label={`Dismiss notification: ${toast.title}`}
        >
          <span aria-hidden="true">×</span>
        </button>
      </div>
    </div>
  );
}

export function ToastProvider({ children }: { children: React.ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const dismiss = useCallback((id: number) => setToasts((all) => all.filter((t) => t.id !== id)), []);
  const show = useCallback((t: Omit<Toast, "id">) => {
    const id = nextId++;
    // At most four on screen; the oldest make room.
    setToasts((all) => [...all.slice(-3), { ...t, id }]);
  }, []);
  const api = useMemo(() => ({ show }), [show]);
  return (
    <ToastContext.Provider value={api}>
      {children}
      <section
        aria-label="Notifications"
        aria-live="polite"
        className="pointer-events-none fixed inset-x-3 bottom-3 z-50 flex flex-col gap-2 sm:inset-x-auto sm:right-4 sm:bottom-4 sm:w-96"
      >
        {toasts.map((t) => (
          <ToastCard key={t.id} toast={t} onDismiss={dismiss} />
        ))}
      </section>
    </ToastContext.Provider>
  );
}

export const useToast = () => useContext(ToastContext);
