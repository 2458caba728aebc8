/** What the exports list shows instead of a table: nothing exported yet (pointing to the documents), or nothing that matches. */
import Link from "next/link";
import { buttonClass } from "@/components/ui/button";

export type Suggestion = { id: string; name: string; project: string };

export function NoExportsYet({ suggestions }: { suggestions: Suggestion[] }) {
  return (
    <div className="rounded-lg border border-dashed border-slate-400 bg-white p-8 text-center" data-testid="exports-empty">
      <p className="text-lg font-semibold">No exports yet</p>
      <p className="mt-1 text-slate-700">Open a document or a project and press Export to make your first file.</p>
      {suggestions.length > 0 && (
        <ul className="mx-auto mt-4 max-w-md space-y-1 text-left text-sm">
          {suggestions.map((d) => (
            <li key={d.id}>
              <Link href={`/dashboard/documents/${d.id}`} className="font-medium text-blue-800 underline underline-offset-2">
                {d.name}
              </Link>{" "}
              <span className="text-slate-600">in {d.project}</span>
            </li>
          ))}
        </ul>
      )}
      <Link href="/dashboard" className={buttonClass("primary", "md", "mt-5")}>
        Browse documents
      </Link>
    </div>
  );
}

/** Filters that match nothing, or a later page that has emptied since (its exports were deleted). */
export function NoMatchingExports({ filtered, onClear }: { filtered: boolean; onClear: () => void }) {
  return (
    <div className="rounded-lg border border-dashed border-slate-400 bg-white p-8 text-center" data-testid="exports-no-match">
      <p className="font-semibold">No exports match {filtered ? "these filters" : "this page"}.</p>
      <button type="button" onClick={onClear} className={buttonClass("secondary", "md", "mt-3")}>
        Clear filters
      </button>
    </div>
  );
}
