/** A page's heading block: optional breadcrumbs, title, one line of context and actions on the right. */
import Link from "next/link";

export type Crumb = { label: string; href?: string };

export function PageHeader({
  title,
  description,
  crumbs,
  actions,
}: {
  title?: string;
  description?: React.ReactNode;
  crumbs?: Crumb[];
  actions?: React.ReactNode;
}) {
  return (
    <div className="space-y-2">
      {crumbs && crumbs.length > 0 && (
        <nav aria-label="Breadcrumb">
          <ol className="flex flex-wrap items-center gap-1 text-sm text-slate-600">
            {crumbs.map((c, i) => (
              <li key={`${c.label}-${i}`} className="flex items-center gap-1">
                {i > 0 && <span aria-hidden="true">/</span>}
                {c.href ? (
                  <Link href={c.href} className="underline decoration-slate-400 underline-offset-2 hover:text-blue-800">
                    {c.label}
                  </Link>
                ) : (
                  <span aria-current="page" className="font-medium text-slate-800">
                    {c.label}
                  </span>
                )}
              </li>
            ))}
          </ol>
        </nav>
      )}
      {title && (
        <div className="flex flex-wrap items-start justify-between gap-3">
          <div className="min-w-0">
            <h1 className="text-2xl font-bold break-words text-slate-900">{title}</h1>
            {description && <div className="mt-1 text-slate-700">{description}</div>}
          </div>
          {actions && <div className="flex flex-wrap items-start gap-2">{actions}</div>}
        </div>
      )}
    </div>
  );
}
