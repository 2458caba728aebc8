"use client";
/** Sign-in and sign-up forms, posting to better-auth's endpoints. */
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";

export function AuthForm({ mode, demo }: { mode: "sign-in" | "sign-up"; demo?: { email: string; password: string } }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function onSubmit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const form = new FormData(e.currentTarget);
    const body = Object.fromEntries(form.entries());
    const res = await fetch(`/api/auth/${mode}/email`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    }).catch(() => null);
    setBusy(false);
    if (!res || !res.ok) {
      const data = res ? await res.json().catch(() => null) : null;
      setError(data?.message ?? (res?.status === 429 ? "Too many attempts. Wait a minute and try again." : "Something went wrong. Try again."));
      return;
    }
    router.push("/dashboard");
    router.refresh();
  }

  const title = mode === "sign-in" ? "Sign in" : "Create your account";
  return (
    <main className="mx-auto flex min-h-screen max-w-md flex-col justify-center px-4 py-12">
      <h1 className="text-2xl font-bold">Takeoff Exports</h1>
      <p className="mt-1 text-slate-600">{title}</p>
      {demo && (
        <div className="mt-4 rounded-md border border-blue-200 bg-blue-50 p-3 text-sm text-blue-900" data-testid="demo-credentials">
          Demo account (embedded mode): <strong>{demo.email}</strong> / <strong>{demo.password}</strong>
        </div>
      )}
      <form onSubmit={onSubmit} className="mt-6 space-y-4 rounded-lg bg-white p-6 shadow-sm ring-1 ring-slate-200">
        {mode === "sign-up" && (
          <div>
            <label htmlFor="name" className="block text-sm font-medium">Name</label>
            <input id="name" name="name" required autoComplete="name" className="mt-1 w-full rounded-md border border-slate-300 px-3 py-2" />
          </div>
        )}
        <div>
          <label htmlFor="email" className="block text-sm font-medium">Email</label>
          <input id="email" name="email" type="email" required autoComplete="email" defaultValue={demo?.email} className="mt-1 w-full rounded-md border border-slate-300 px-3 py-2" />
        </div>
        <div>
          <label htmlFor="password" className="block text-sm font-medium">Password</label>
          <input
            id="password"
            name="password"
            type="password"
            required
            minLength={8}
            autoComplete={mode === "sign-in" ? "current-password" : "new-password"}
            className="mt-1 w-full rounded-md border border-slate-300 px-3 py-2"
          />
        </div>
        {error && (
          <p role="alert" className="text-sm text-red-700">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy} className="w-full rounded-md bg-blue-700 px-4 py-2 font-medium text-white hover:bg-blue-800 disabled:opacity-60">
          {busy ? "Please wait…" : title}
        </button>
      </form>
      <p className="mt-4 text-sm text-slate-700">
        {mode === "sign-in" ? (
          <>
            No account? <Link href="/sign-up" className="font-medium text-blue-700 underline">Sign up</Link>
          </>
        ) : (
          <>
            Already registered? <Link href="/sign-in" className="font-medium text-blue-700 underline">Sign in</Link>
          </>
        )}
      </p>
    </main>
  );
}
