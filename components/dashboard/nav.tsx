"use client";
/**
 * The dashboard header: sections, the API reference and sign-out. Below the
 * lg breakpoint (1024 px; seven links do not fit a tablet's width) the links
 * fold into a disclosure menu (Escape closes it and returns focus to its button).
 */
import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";

const LINKS = [
  { href: "/dashboard", label: "Projects" },
  { href: "/dashboard/exports", label: "Exports" },
  { href: "/dashboard/presets", label: "Presets" },
  { href: "/dashboard/schedules", label: "Schedules" },
  { href: "/dashboard/settings/api-keys", label: "API keys" },
  { href: "/dashboard/settings/webhooks", label: "Webhooks" },
];

function isCurrent(pathname: string, href: string) {
  if (href === "/dashboard")
    return pathname === "/dashboard" || pathname.startsWith("/dashboard/projects") || pathname.startsWith("/dashboard/documents");
  return pathname === href || pathname.startsWith(`${href}/`);
}

export function DashboardNav({ email, name }: { email: string; name?: string | null }) {
  const pathname = usePathname();
  const router = useRouter();
  const [menuOpen, setMenuOpen] = useState(false);
  const [signingOut, setSigningOut] = useState(false);
  const menuButton = useRef<HTMLButtonElement>(null);

  // Navigating closes the mobile menu.
  const [lastPath, setLastPath] = useState(pathname);
  if (pathname !== lastPath) {
    setLastPath(pathname);
    setMenuOpen(false);
  }

  useEffect(() => {
    if (!menuOpen) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") {
        setMenuOpen(false);
        menuButton.current?.focus();
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [menuOpen]);

  async function signOut() {
    setSigningOut(true);
    await fetch("/api/auth/sign-out", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }).catch(() => null);
    router.push("/sign-in");
    router.refresh();
  }

  const linkClass = (active: boolean) =>
    `block rounded-md px-3 py-2 text-sm font-medium ${active ? "bg-slate-900 text-white" : "text-slate-800 hover:bg-slate-100"}`;

  const links = (
    <>
      {LINKS.map((l) => {
        const active = isCurrent(pathname, l.href);
        return (
          <li key={l.href}>
            <Link href={l.href} aria-current={active ? "page" : undefined} className={linkClass(active)}>
              {l.label}
            </Link>
          </li>
        );
      })}
      <li>
        <a href="/api-docs" className={linkClass(false)}>
          API reference
        </a>
      </li>
    </>
  );

  const signOutButton = (
    <button
      type="button"
      onClick={signOut}
      disabled={signingOut}
      className="rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-100 disabled:opacity-60"
    >
      {signingOut ? "Signing out…" : "Sign out"}
    </button>
  );

  return (
    <header className="sticky top-0 z-40 border-b border-slate-200 bg-white/95 backdrop-blur">
      <div className="mx-auto flex max-w-7xl items-center gap-6 px-4 py-2.5 sm:px-6">
        <Link href="/dashboard" className="flex items-center gap-2 text-base font-bold text-slate-900">
          <span aria-hidden="true" className="flex h-7 w-7 items-center justify-center rounded-md bg-blue-700 text-xs font-bold text-white">
            TE
          </span>
          Takeoff Exports
        </Link>
        <nav aria-label="Main" className="hidden lg:block">
          <ul className="flex gap-1">{links}</ul>
        </nav>
        <div className="ml-auto hidden items-center gap-3 lg:flex">
          <span className="max-w-56 truncate text-sm text-slate-700" title={email}>
            {name || email}
          </span>
          {signOutButton}
        </div>
        <button
          ref={menuButton}
          type="button"
          aria-expanded={menuOpen}
          aria-controls="mobile-menu"
          onClick={() => setMenuOpen((o) => !o)}
          className="ml-auto inline-flex h-10 items-center gap-2 rounded-md border border-slate-300 px-3 text-sm font-medium text-slate-800 hover:bg-slate-100 lg:hidden"
        >
          <span aria-hidden="true" className="text-base leading-none">
            {menuOpen ? "✕" : "☰"}
          </span>
          Menu
        </button>
      </div>
      {menuOpen && (
        <div id="mobile-menu" className="border-t border-slate-200 px-4 pt-2 pb-4 lg:hidden">
          <nav aria-label="Main">
            <ul className="space-y-1">{links}</ul>
          </nav>
          <div className="mt-3 flex items-center justify-between gap-3 border-t border-slate-200 pt-3">
            <span className="truncate text-sm text-slate-700">{email}</span>
            {signOutButton}
          </div>
        </div>
      )}
    </header>
  );
}
