"use client";
/** A <time> showing "3 minutes ago" that keeps itself current, with the exact UTC time on hover and for screen readers. */
import { useEffect, useState } from "react";
import { formatExact, formatRelative } from "@/lib/format";

/** `pastLabel` replaces the relative text once the time has passed (e.g. "expired"). */
export function RelativeTime({ iso, className, pastLabel }: { iso: string | null | undefined; className?: string; pastLabel?: string }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);
  if (!iso) return <span className={className}>—</span>;
  return (
    // The server's clock and the browser's differ by a few seconds; the text may too.
    <time dateTime={iso} title={formatExact(iso)} className={className} suppressHydrationWarning>
      {pastLabel && Date.parse(iso) <= now ? pastLabel : formatRelative(iso, now)}
    </time>
  );
}
