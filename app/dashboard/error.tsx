"use client";
// Any unexpected error while rendering a dashboard page: say so and offer to try again.
import { buttonClass } from "@/components/ui/button";

export default function DashboardError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div role="alert" className="mx-auto max-w-lg rounded-lg bg-white p-8 text-center shadow-sm ring-1 ring-red-200">
      <h1 className="text-xl font-bold">Something went wrong</h1>
      <p className="mt-2 text-slate-700">The page could not be loaded. Try again in a moment.</p>
      {error.digest && <p className="mt-2 font-mono text-xs text-slate-600">Reference: {error.digest}</p>}
      <button type="button" onClick={reset} className={buttonClass("primary", "md", "mt-5")}>
        Try again
      </button>
    </div>
  );
}
