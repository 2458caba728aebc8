"use client";
/**
 * Sign-in and sign-up forms, posting to better-auth's endpoints; errors are
 * announced and focus stays in the form. Afterwards the visitor lands on
 * `next`, the page they asked for (checked by the page and again here).
 */
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useRef, useState } from "react";
import { buttonClass, inputClass } from "@/components/ui/button";
import { authPageHref, safeReturnPath } from "@/lib/return-path";

type Mode = "sign-in" | "sign-up";

function messageFor(status: number | undefined, data: { message?: string; code?: string } | null, mode: Mode): string {
  if (status === 429) return "Too many attempts. Wait a minute and try again.";
  if (data?.code === "INVALID_EMAIL_OR_PASSWORD" || status === 401) return "That email and password do not match an account.";
  if (data?.code === "USER_ALREADY_EXISTS" || data?.code === "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL")
    return "An account with this email already exists. Sign in instead.";
  if (data?.message) return data.message;
  return mode === "sign-in" ? "Could not sign in. Try again." : "Could not create the account. Try again.";
}

export function AuthForm({ mode, next, demo }: { mode: Mode; next?: string; demo?: { email: string; password: string } }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const errorRef = useRef<HTMLParagraphElement>(null);

  async function onSubmit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    const body = Object.fromEntries(new FormData(e.currentTarget).entries());
    const res = await fetch(`/api/auth/${mode}/email`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    }).catch(() => null);
    if (!res || !res.ok) {
      const data = res ? await res.json().catch(() => null) : null;
      setBusy(false);
      setError(messageFor(res?.status, data, mode));
      requestAnimationFrame(() => errorRef.current?.focus());
      return;
    }
    // Replace: Back after signing in should not show the form again.
    router.replace(safeReturnPath(next));
    router.refresh();
  }

  const title = mode === "sign-in" ? "Sign in" : "Create your account";
  return (
    <main id="main" className="flex min-h-screen items-center justify-center px-4 py-10">
      <div className="w-full max-w-md">
        <div className="flex items-center gap-2">
          <span aria-hidden="true" className="flex h-9 w-9 items-center justify-center rounded-md bg-blue-700 text-sm font-bold text-white">
            TE
          </span>
          <p className="text-lg font-bold text-slate-900">Takeoff Exports</p>
        </div>
        <h1 className="mt-6 text-2xl font-bold text-slate-900">{title}</h1>
        <p className="mt-1 text-slate-700">
          {mode === "sign-in"
            ? "Export takeoff data to CSV, Excel, PDF, JSON and OST XML."
            : "Start exporting your takeoff data in a minute."}
        </p>
        {demo && (
          <div className="mt-4 rounded-md bg-blue-50 p-3 text-sm text-blue-950 ring-1 ring-blue-200" data-testid="demo-credentials">
            Demo account (embedded mode): <strong>{demo.email}</strong> / <strong>{demo.password}</strong>
          </div>
        )}
        <form onSubmit={onSubmit} className="mt-6 space-y-4 rounded-lg bg-white p-5 shadow-sm ring-1 ring-slate-200 sm:p-6">
          {mode === "sign-up" && (
            <div>
              <label htmlFor="name" className="block text-sm font-medium">
                Name
              </label>
              <input id="name" name="name" required maxLength={100} autoComplete="name" className={`mt-1 ${inputClass}`} />
            </div>
          )}
          <div>
            <label htmlFor="email" className="block text-sm font-medium">
              Email
            </label>
            <input
              id="email"
              name="email"
              type="email"
              required
              autoComplete="email"
              defaultValue={demo?.email}
              className={`mt-1 ${inputClass}`}
            />
          </div>
          <div>
            <label htmlFor="password" className="block text-sm font-medium">
              Password
            </label>
            <input
              id="password"
              name="password"
              type="password"
              required
              minLength={8}
              maxLength={128}
              autoComplete={mode === "sign-in" ? "current-password" : "new-password"}
              aria-describedby={mode === "sign-up" ? "password-hint" : undefined}
              className={`mt-1 ${inputClass}`}
            />
            {mode === "sign-up" && (
              <p id="password-hint" className="mt-1 text-xs text-slate-600">
                At least 8 characters.
              </p>
            )}
          </div>
          {error && (
            <p ref={errorRef} tabIndex={-1} role="alert" className="rounded-md bg-red-50 p-3 text-sm text-red-800 ring-1 ring-red-200">
              {error}
            </p>
          )}
          <button type="submit" disabled={busy} className={buttonClass("primary", "md", "w-full")}>
            {busy ? "Please wait…" : mode === "sign-in" ? "Sign in" : "Create account"}
          </button>
        </form>
        <p className="mt-4 text-sm text-slate-700">
          {mode === "sign-in" ? (
            <>
              No account?{" "}
              <Link href={authPageHref("/sign-up", next)} className="font-medium text-blue-800 underline underline-offset-2">
                Sign up
              </Link>
            </>
          ) : (
            <>
              Already registered?{" "}
              <Link href={authPageHref("/sign-in", next)} className="font-medium text-blue-800 underline underline-offset-2">
                Sign in
              </Link>
            </>
          )}
        </p>
      </div>
    </main>
  );
}
