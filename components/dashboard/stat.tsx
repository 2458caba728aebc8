/** Small figures shown in a row on project and document pages. */
export function StatList({ items }: { items: { label: string; value: React.ReactNode }[] }) {
  return (
    <dl className={`grid grid-cols-2 gap-3 ${items.length === 3 ? "sm:grid-cols-3" : "sm:grid-cols-4"}`}>
      {items.map((i) => (
        <div key={i.label} className="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
          <dt className="text-sm font-medium text-slate-600">{i.label}</dt>
          <dd className="mt-1 text-xl font-semibold tabular-nums text-slate-900">{i.value}</dd>
        </div>
      ))}
    </dl>
  );
}
