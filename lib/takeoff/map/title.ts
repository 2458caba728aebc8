/** How a map names its page (SPEC §12.4): `{document} — {sheet number} {sheet title}`, or `{document} — Page {n}` without a sheet number. */
export type PageNaming = { documentName: string; pageNumber: number | null; sheetNumber: string | null; sheetTitle: string | null };

/** "S-001 Foundation Plan", "Page 3" (or "Page" when even the number is missing). */
export function pageLabel(p: Omit<PageNaming, "documentName">): string {
  const sheet = p.sheetNumber?.trim();
  if (sheet) return [sheet, p.sheetTitle?.trim()].filter(Boolean).join(" ");
  return p.pageNumber === null ? "Page" : `Page ${p.pageNumber}`;
}

export function mapTitle(p: PageNaming): string {
  return `${p.documentName} — ${pageLabel(p)}`;
}
