"use client";
/** The dashboard header: sections, the API reference and sign-out. */
import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";

const LINKS = [
  { href: "/dashboard", label: "Projects" },
  { href: "/dashboard/exports", label: "Exports" },
  { href: "/dashboard/settings/api-keys", label: "API keys" },
];

export function DashboardNav({ email }: { email: string }) {
  const pathname = usePathname();
  const router = useRouter();
  async function signOut() {
    await fetch("/api/auth/sign-out", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    router.push("/sign-in");
    router.refresh();
  }
  return (
    <header className="border-b border-slate-200 bg-white">
      <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3">
        <Link href="/dashboard" className="text-lg font-bold text-slate-900">
          Takeoff Exports
        </Link>
        <nav aria-label="Main" className="flex flex-wrap gap-1">
          {LINKS.map((l) => {
            const active = l.href === "/dashboard" ? pathname === "/dashboard" || pathname.startsWith("/dashboard/projects") || pathname.startsWith("/dashboard/documents") : pathname.startsWith(l.href);
            return (
              <Link
                key={l.href}
                href={l.href}
                aria-current={active ? "page" : undefined}
                className={`rounded-md px-3 py-1.5 text-sm font-medium ${active ? "bg-slate-900 text-white" : "text-slate-700 hover:bg-slate-100"}`}
              >
                {l.label}
              </Link>
            );
          })}
          <a href="/api-docs" className="rounded-md px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-100">
            API reference
          </a>
        </nav>
        <div className="ml-auto flex items-center gap-3 text-sm">
          <span className="hidden text-slate-600 sm:inline">{email}</span>
          <button type="button" onClick={signOut} className="rounded-md border border-slate-300 px-3 py-1.5 font-medium text-slate-800 hover:bg-slate-100">
            Sign out
          </button>
        </div>
      </div>
    </header>
  );
}
