"use client";
/**
 * The document page's takeoff maps (SPEC §12.4): a grid of lazily loaded
 * thumbnails (the page's SVG map), each opening a dialog with the map large
 * and its legend. Both show the same URL, so the large view is already in
 * the browser's cache; the legend arrives with the page, not with the image.
 */
import { useCallback, useState } from "react";
import { buttonClass } from "@/components/ui/button";
import { Dialog, DialogFooter } from "@/components/ui/dialog";
import { formatNumber } from "@/lib/format";
import type { LegendRow } from "@/lib/takeoff/map";
import { MapLegend } from "./map-legend";

export type PageMapItem = {
  id: string;
  /** "S-001 Foundation Plan" or "Page 3". */
  label: string;
  pageNumber: number | null;
  measurements: number;
  legend: LegendRow[];
};

export const mapUrl = (pageId: string) => `/api/pages/${pageId}/takeoff.svg?legend=false`;

const plural = (n: number, word: string) => `${formatNumber(n)} ${word}${n === 1 ? "" : "s"}`;

export function PageMaps({ documentName, pages }: { documentName: string; pages: PageMapItem[] }) {
  const [openId, setOpenId] = useState<string | null>(null);
  const open = pages.find((p) => p.id === openId) ?? null;
  const close = useCallback(() => setOpenId(null), []);

  return (
    <>
      <ul className="grid grid-cols-2 gap-3 p-4 sm:grid-cols-3 sm:p-5 lg:grid-cols-4 xl:grid-cols-6" data-testid="page-maps">
        {pages.map((p) => (
          <li key={p.id} className="min-w-0">
            {p.measurements > 0 ? (
              <button
                type="button"
                onClick={() => setOpenId(p.id)}
                className="group block w-full overflow-hidden rounded-md bg-white text-left ring-1 ring-slate-300 transition hover:ring-2 hover:ring-blue-700 focus-visible:ring-2 focus-visible:ring-blue-700"
                data-testid="page-map-thumbnail"
              >
                <span className="block aspect-[4/3] bg-white p-1.5">
                  {/* eslint-disable-next-line @next/next/no-img-element -- an SVG from our API: next/image would only pass it through */}
                  <img
                    src={mapUrl(p.id)}
                    alt=""
                    loading="lazy"
                    decoding="async"
                    width={320}
                    height={240}
                    className="h-full w-full object-contain"
                  />
                </span>
                <span className="block border-t border-slate-200 px-2.5 py-2">
                  <span className="sr-only">Open the takeoff map of </span>
                  <span className="block truncate text-sm font-medium text-slate-900 group-hover:text-blue-800">{p.label}</span>
                  <span className="block text-xs text-slate-600">{plural(p.measurements, "measurement")}</span>
                </span>
              </button>
            ) : (
              <div className="overflow-hidden rounded-md bg-slate-50 ring-1 ring-slate-200">
                <div className="flex aspect-[4/3] items-center justify-center p-2 text-center text-xs text-slate-600">No measurements</div>
                <div className="border-t border-slate-200 px-2.5 py-2">
                  <span className="block truncate text-sm font-medium text-slate-700">{p.label}</span>
                  <span className="block text-xs text-slate-600">0 measurements</span>
                </div>
              </div>
            )}
          </li>
        ))}
      </ul>
      <Dialog
        open={open !== null}
        onClose={close}
        title={open ? `Takeoff map — ${open.label}` : "Takeoff map"}
        description={
          open
            ? `${documentName}${open.pageNumber !== null ? ` · page ${open.pageNumber}` : ""} · ${plural(open.measurements, "measurement")}`
            : undefined
        }
        size="max-w-6xl"
      >
        {open && <MapView key={open.id} page={open} />}
        <DialogFooter>
          {open && (
            <a
              href={open ? `/api/pages/${open.id}/takeoff.svg` : undefined}
              target="_blank"
              rel="noopener"
              className={buttonClass("secondary", "md")}
            >
              Open SVG<span className="sr-only"> (new tab)</span>
            </a>
          )}
          <button type="button" onClick={close} className={buttonClass("primary", "md")}>
            Close
          </button>
        </DialogFooter>
      </Dialog>
    </>
  );
}

function MapView({ page }: { page: PageMapItem }) {
  const [state, setState] = useState<"loading" | "loaded" | "failed">("loading");
  // A cached image may be complete before React attaches onLoad.
  const ref = useCallback((img: HTMLImageElement | null) => {
    if (img?.complete && img.naturalWidth > 0) setState("loaded");
  }, []);
  const names = page.legend.map((r) => r.name).join(", ");

  return (
    <div className="grid min-h-0 flex-1 gap-4 overflow-auto p-4 sm:p-5 lg:grid-cols-[minmax(0,1fr)_20rem]">
      <div className="relative flex min-h-48 items-center justify-center overflow-hidden rounded-md bg-white ring-1 ring-slate-200">
        {state !== "loaded" && (
          <p role="status" className="absolute inset-0 flex items-center justify-center text-sm text-slate-600">
            {state === "failed" ? "The map could not be loaded." : "Loading the map…"}
          </p>
        )}
        {/* eslint-disable-next-line @next/next/no-img-element -- an SVG from our API: next/image would only pass it through */}
        <img
          ref={ref}
          src={mapUrl(page.id)}
          alt={`Takeoff map of ${page.label}${names ? `: ${names}` : ""}`}
          decoding="async"
          onLoad={() => setState("loaded")}
          onError={() => setState("failed")}
          className="max-h-[65dvh] w-full object-contain"
          data-testid="page-map-large"
        />
      </div>
      <div className="min-w-0">
        <MapLegend rows={page.legend} caption="Legend" />
      </div>
    </div>
  );
}
