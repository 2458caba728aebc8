/** Where this page sits in the list, and Previous / Next by cursor. */
import { buttonClass } from "@/components/ui/button";
import { formatNumber } from "@/lib/format";

type Props = {
  shown: number;
  total: number;
  /** Rows before this page; null when the page was reached by a link, so going back means starting over. */
  offset: number | null;
  hasPrevious: boolean;
  nextCursor: string | null;
  onPrevious: () => void;
  onNext: (cursor: string) => void;
};

export function ExportsPagination({ shown, total, offset, hasPrevious, nextCursor, onPrevious, onNext }: Props) {
  return (
    <nav aria-label="Pagination" className="mt-3 flex flex-wrap items-center justify-between gap-3 text-sm text-slate-700">
      <p aria-live="polite">
        {offset === null
          ? `Showing ${formatNumber(shown)} of ${formatNumber(total)}`
          : `Showing ${formatNumber(offset + 1)}–${formatNumber(offset + shown)} of ${formatNumber(total)}`}
      </p>
      <div className="flex gap-2">
        <button type="button" disabled={!hasPrevious} onClick={onPrevious} className={buttonClass("secondary")}>
          {offset === null ? "First page" : "Previous"}
        </button>
        <button type="button" disabled={!nextCursor} onClick={() => nextCursor && onNext(nextCursor)} className={buttonClass("secondary")}>
          Next
        </button>
      </div>
    </nav>
  );
}
