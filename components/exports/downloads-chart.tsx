"use client";
/**
 * Downloads per day for the last 30 days, stacked by channel (SPEC §14.4),
 * above the exports table. Plain SVG drawn at the container's own pixel
 * width (a ResizeObserver), so labels keep their size from a phone to a
 * desktop; no charting library is needed for thirty stacked bars. For screen
 * readers the SVG is one image with a summary label, and a visually hidden
 * table lists every day. Days are the viewer's own (the browser's time zone).
 */
import { useEffect, useId, useRef, useState, useSyncExternalStore } from "react";
import useSWR from "swr";
import type { DownloadStats } from "@/lib/exports/stats-schemas";
import { DOWNLOAD_CHANNELS, type DownloadChannel } from "@/lib/exports/model";
import { fetcher } from "@/lib/fetcher";
import { formatNumber, plural } from "@/lib/format";

export const CHANNEL_LABELS: Record<DownloadChannel, string> = { dashboard: "Dashboard", api: "API", share: "Share links" };

// Non-text contrast of at least 3:1 against white for every series.
const CHANNEL_COLORS: Record<DownloadChannel | "unrecorded", string> = {
  dashboard: "#1d4ed8",
  api: "#047857",
  share: "#c2410c",
  unrecorded: "#64748b",
};

const noop = () => () => {};
const browserTimeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

/** The stats of the last 30 days in the viewer's time zone; `mutate` refreshes them (after a download). */
export function useDownloadStats() {
  // The server cannot know the viewer's time zone: fetch on the client only.
  const tz = useSyncExternalStore(noop, browserTimeZone, () => null);
  return useSWR<DownloadStats>(tz ? `/api/exports/stats?tz=${encodeURIComponent(tz)}` : null, fetcher, { keepPreviousData: true });
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const shortDate = (date: string) => `${MONTHS[Number(date.slice(5, 7)) - 1]} ${Number(date.slice(8, 10))}`;

type Day = DownloadStats["days"][number];

function unrecorded(d: Day): number {
  return Math.max(0, d.downloads - DOWNLOAD_CHANNELS.reduce((n, c) => n + d.downloads_by_channel[c], 0));
}

function niceMax(n: number): number {
  if (n <= 4) return 4;
  const step = 10 ** Math.floor(Math.log10(n));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * step >= n) return m * step;
  return 10 * step;
}

function useWidth<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new ResizeObserver(([entry]) => setWidth(Math.floor(entry.contentRect.width)));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return { ref, width };
}

const HEIGHT = 180;
const PAD = { top: 8, right: 4, bottom: 24, left: 32 };

function Bars({ days, width }: { days: Day[]; width: number }) {
  const max = niceMax(Math.max(...days.map((d) => d.downloads), 0));
  const plotW = Math.max(0, width - PAD.left - PAD.right);
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotW / days.length;
  const barW = Math.max(2, Math.min(24, slot * 0.7));
  const y = (v: number) => PAD.top + plotH - (v / max) * plotH;
  const ticks = [0, max / 2, max];
  // About one date label per 64 px, always the first and last day.
  const every = Math.max(1, Math.ceil(64 / Math.max(slot, 1)));
  return (
    <g>
      {ticks.map((t) => (
        <g key={t}>
          <line x1={PAD.left} x2={width - PAD.right} y1={y(t)} y2={y(t)} stroke="#e2e8f0" />
          <text x={PAD.left - 6} y={y(t)} textAnchor="end" dominantBaseline="middle" fontSize="11" fill="#475569">
            {formatNumber(t, Number.isInteger(t) ? 0 : 1)}
          </text>
        </g>
      ))}
      {days.map((d, i) => {
        const x = PAD.left + i * slot + (slot - barW) / 2;
        const parts: { key: string; value: number; color: string }[] = [
          ...DOWNLOAD_CHANNELS.map((c) => ({ key: c, value: d.downloads_by_channel[c], color: CHANNEL_COLORS[c] })),
          { key: "unrecorded", value: unrecorded(d), color: CHANNEL_COLORS.unrecorded },
        ];
        let top = 0;
        const detail = DOWNLOAD_CHANNELS.map((c) => `${CHANNEL_LABELS[c]} ${d.downloads_by_channel[c]}`).join(", ");
        return (
          <g key={d.date} data-date={d.date} data-downloads={d.downloads}>
            <title>{`${shortDate(d.date)}: ${plural(d.downloads, "download")}${d.downloads ? ` (${detail})` : ""}`}</title>
            {/* A full-height transparent target so the day's title shows on hover anywhere in its column. */}
            <rect x={PAD.left + i * slot} y={PAD.top} width={slot} height={plotH} fill="transparent" />
            {parts.map((p) => {
              if (p.value === 0) return null;
              const y0 = y(top);
              top += p.value;
              const y1 = y(top);
              return <rect key={p.key} x={x} y={y1} width={barW} height={Math.max(1, y0 - y1)} fill={p.color} />;
            })}
            {(i % every === 0 || i === days.length - 1) && (i === days.length - 1 || days.length - 1 - i >= every) && (
              // The last label ends at its bar (centred, it would be cut off at the right edge).
              <text
                x={i === days.length - 1 ? x + barW : x + barW / 2}
                y={HEIGHT - 6}
                textAnchor={i === days.length - 1 ? "end" : "middle"}
                fontSize="11"
                fill="#475569"
              >
                {shortDate(d.date)}
              </text>
            )}
          </g>
        );
      })}
    </g>
  );
}

export function DownloadsChart({ stats, error }: { stats: DownloadStats | undefined; error?: Error }) {
  const { ref, width } = useWidth<HTMLDivElement>();
  const headingId = useId();
  const labelId = useId();
  const days = stats?.days ?? [];
  const total = stats?.totals.downloads ?? 0;
  const hasUnrecorded = days.some((d) => unrecorded(d) > 0);
  const byChannel = stats
    ? DOWNLOAD_CHANNELS.map((c) => `${CHANNEL_LABELS[c]} ${formatNumber(stats.downloads_by_channel[c])}`).join(", ")
    : "";
  const label = stats
    ? `Downloads per day from ${stats.from} to ${stats.to}: ${plural(total, "download")} in all (${byChannel}).`
    : "Downloads per day: loading.";
  return (
    <section
      aria-labelledby={headingId}
      className="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200"
      data-testid="downloads-chart"
      data-total={stats ? total : undefined}
    >
      <div className="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1">
        <h2 id={headingId} className="text-base font-semibold text-slate-900">
          Downloads, last 30 days
        </h2>
        <p className="text-sm text-slate-600 tabular-nums">{stats ? plural(total, "download") : "Loading…"}</p>
      </div>
      <ul className="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-700" aria-hidden="true">
        {DOWNLOAD_CHANNELS.map((c) => (
          <li key={c} className="flex items-center gap-1.5">
            <span className="inline-block h-2.5 w-2.5 rounded-sm" style={{ background: CHANNEL_COLORS[c] }} />
            {CHANNEL_LABELS[c]}
          </li>
        ))}
        {hasUnrecorded && (
          <li className="flex items-center gap-1.5">
            <span className="inline-block h-2.5 w-2.5 rounded-sm" style={{ background: CHANNEL_COLORS.unrecorded }} />
            Channel not recorded
          </li>
        )}
      </ul>
      {error && !stats ? (
        <p role="alert" className="mt-3 text-sm text-red-800">
          Could not load the download statistics: {error.message}
        </p>
      ) : (
        <div ref={ref} className="mt-2 w-full">
          <svg role="img" aria-labelledby={labelId} width={width || "100%"} height={HEIGHT} className="block max-w-full">
            <title id={labelId}>{label}</title>
            {stats && width > 0 && days.length > 0 && <Bars days={days} width={width} />}
          </svg>
        </div>
      )}
      {stats && (
        // The hidden box is a div: a table ignores the 1 px width of sr-only and widened the page on phones.
        <div className="sr-only">
          <table>
            <caption>Downloads per day by channel, {stats.tz} time</caption>
            <thead>
              <tr>
                <th scope="col">Day</th>
                {DOWNLOAD_CHANNELS.map((c) => (
                  <th key={c} scope="col">
                    {CHANNEL_LABELS[c]}
                  </th>
                ))}
                {hasUnrecorded && <th scope="col">Channel not recorded</th>}
                <th scope="col">Total</th>
              </tr>
            </thead>
            <tbody>
              {days.map((d) => (
                <tr key={d.date}>
                  <th scope="row">{d.date}</th>
                  {DOWNLOAD_CHANNELS.map((c) => (
                    <td key={c}>{d.downloads_by_channel[c]}</td>
                  ))}
                  {hasUnrecorded && <td>{unrecorded(d)}</td>}
                  <td>{d.downloads}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
