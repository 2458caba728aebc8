"use client";
/**
 * Toasts: announced through a live region that exists before any toast does
 * (screen readers ignore regions inserted together with their content).
 * Each toast pauses its timer while hovered or focused, so a keyboard user
 * can reach its action, and can be dismissed. A toast whose action leads to a
 * page never offers that link on the page itself, and goes away when the user
 * gets there (the page now says what the toast said). On a phone only the
 * newest toast shows, at the bottom and compact (message and link cut to one
 * line, three for an error; screen readers get them in full), so it covers as
 * little of the page as it can.
 */
import Link from "next/link";
import { usePathname } from "next/navigation";
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

/** The page a toast's link leads to (path only), or null for no link or a file download. */
function actionPath(action: ToastAction | undefined): string | null {
  if (!action || action.download) return null;
  return action.href.split(/[?#]/)[0] || null;
}

const TONES = {
  success: { bar: "border-emerald-600", icon: "✓", iconClass: "bg-emerald-100 text-emerald-800", label: "Success" },
  error: { bar: "border-red-600", icon: "!", iconClass: "bg-red-100 text-red-800", label: "Error" },
  info: { bar: "border-blue-600", icon: "i", iconClass: "bg-blue-100 text-blue-800", label: "Information" },
} as const;

function ToastCard({
  toast,
  onDismiss,
  pathname,
  older,
}: {
  toast: Toast;
  onDismiss: (id: number) => void;
  pathname: string;
  /** Not the newest: hidden on a phone (it was announced when it came). */
  older: boolean;
}) {
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
  const actionClass =
    "mt-1 inline-block max-w-full text-sm font-semibold text-blue-800 underline underline-offset-2 hover:text-blue-900 max-sm:truncate sm:mt-2";
  // No link to the page the user is on.
  const action = toast.action && actionPath(toast.action) !== pathname ? toast.action : undefined;
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
      className={`pointer-events-auto rounded-md border-l-4 bg-white px-3 py-2 shadow-lg ring-1 ring-slate-200 sm:py-3 ${tone.bar} ${older ? "max-sm:hidden" : ""}`}
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
          {toast.message && (
            <p
              className={`mt-0.5 text-sm break-words text-slate-700 sm:mt-1 ${toast.tone === "error" ? "max-sm:line-clamp-3" : "max-sm:line-clamp-1"}`}
            >
              {toast.message}
            </p>
          )}
          {action &&
            (action.download ? (
              <a href={action.href} className={actionClass}>
                {action.label}
              </a>
            ) : (
              <Link href={action.href} prefetch={false} className={actionClass}>
                {action.label}
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
  const pathname = usePathname();
  const [toasts, setToasts] = useState<Toast[]>([]);
  // Arriving on the page a toast links to dismisses it (state adjusted while rendering, as React recommends over an effect).
  const [lastPath, setLastPath] = useState(pathname);
  if (pathname !== lastPath) {
    setLastPath(pathname);
    if (toasts.some((t) => actionPath(t.action) === pathname)) setToasts(toasts.filter((t) => actionPath(t.action) !== pathname));
  }
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
        className="pointer-events-none fixed inset-x-2 bottom-2 z-50 flex flex-col gap-2 sm:inset-x-auto sm:right-4 sm:bottom-4 sm:w-96"
      >
        {toasts.map((t, i) => (
          <ToastCard key={t.id} toast={t} onDismiss={dismiss} pathname={pathname} older={i < toasts.length - 1} />
        ))}
      </section>
    </ToastContext.Provider>
  );
}

export const useToast = () => useContext(ToastContext);
