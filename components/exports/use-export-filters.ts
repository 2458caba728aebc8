"use client";
/**
 * The exports list's view state: filters, search and the page cursor live in
 * the URL (so a view can be shared and Back works); the cursors of the pages
 * before this one live here, so Previous can go back through them.
 */
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { PAGE_SIZE, filtersToParams, hasFilters, parseFilters, type ExportFilters } from "./query";

export function useExportFilters() {
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const filters = useMemo(() => parseFilters(new URLSearchParams(searchParams.toString())), [searchParams]);

  // Cursors of the pages before this one, so Previous can go back.
  const [previousCursors, setPreviousCursors] = useState<(string | undefined)[]>([]);

  // The filters asked for last: two quick changes must not each start from the URL before either landed.
  const latest = useRef(filters);
  useEffect(() => {
    latest.current = filters;
  }, [filters]);

  const navigate = useCallback(
    (next: ExportFilters, keepPages = false) => {
      if (!keepPages) setPreviousCursors([]);
      latest.current = next;
      const qs = filtersToParams(next).toString();
      router.replace(qs ? `${pathname}?${qs}` : pathname, { scroll: false });
    },
    [router, pathname],
  );

  /** Changes filters or the search; back to the first page. */
  const setFilter = useCallback(
    (patch: Partial<ExportFilters>) => navigate({ ...latest.current, ...patch, cursor: undefined }),
    [navigate],
  );
  const clear = useCallback(() => navigate({}), [navigate]);

  const nextPage = useCallback(
    (cursor: string) => {
      setPreviousCursors((p) => [...p, filters.cursor]);
      navigate({ ...filters, cursor }, true);
    },
    [filters, navigate],
  );
  const previousPage = useCallback(() => {
    setPreviousCursors(previousCursors.slice(0, -1));
    navigate({ ...filters, cursor: previousCursors[previousCursors.length - 1] }, true);
  }, [filters, previousCursors, navigate]);

  // A page reached by a shared link (a cursor but no history here) does not know how many rows came before it.
  const offset = filters.cursor && previousCursors.length === 0 ? null : previousCursors.length * PAGE_SIZE;

  return { filters, filtered: hasFilters(filters), offset, setFilter, clear, nextPage, previousPage };
}
