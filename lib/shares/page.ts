/**
 * The public share page (SPEC §14.2) as a small, self-contained HTML
 * document: no scripts, no external assets, inline styles only (the response
 * sends a CSP that allows nothing else), `noindex`, light and dark. Every
 * value is HTML-escaped. Used for the file's page and for the 404/410/429
 * answers of `/s/{token}` and its download.
 */
import { formatBytes, formatExact, formatNumber } from "@/lib/format";
import { FORMAT_LABELS } from "@/lib/exports/model";
import { SHARE_GONE_TEXT, type ShareGone } from "./model";
import type { SharedFile } from "./public";

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

const STYLE = `
:root{color-scheme:light dark;--bg:#f1f5f9;--card:#fff;--text:#0f172a;--muted:#475569;--line:#e2e8f0;--btn:#1d4ed8;--btn-hover:#1e40af;--warn:#991b1b}
@media (prefers-color-scheme:dark){:root{--bg:#0f172a;--card:#1e293b;--text:#f1f5f9;--muted:#cbd5e1;--line:#334155;--btn:#2563eb;--btn-hover:#1d4ed8;--warn:#fca5a5}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--text);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Liberation Sans",Arial,sans-serif}
main{max-width:40rem;margin:0 auto;padding:2rem 1rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:.5rem;padding:1.25rem}
.brand{color:var(--muted);font-size:.875rem;margin:0 0 .75rem}
h1{font-size:1.5rem;line-height:1.25;margin:0 0 .25rem;overflow-wrap:anywhere}
p{margin:.25rem 0}
.muted{color:var(--muted)}
dl{margin:1rem 0;display:grid;grid-template-columns:minmax(0,1fr);gap:.125rem}
dl>div{display:grid;gap:.125rem;padding:.5rem 0;border-top:1px solid var(--line)}
@media (min-width:32rem){dl>div{grid-template-columns:10rem minmax(0,1fr);gap:1rem}}
dt{color:var(--muted);font-size:.875rem;font-weight:600}
dd{margin:0;overflow-wrap:anywhere}
code{font:.8125rem/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;word-break:break-all}
.btn{display:inline-flex;align-items:center;justify-content:center;min-height:2.75rem;padding:0 1.25rem;border-radius:.375rem;background:var(--btn);color:#fff;font-weight:600;text-decoration:none}
.btn:hover{background:var(--btn-hover)}
a:focus-visible{outline:2px solid var(--btn);outline-offset:2px}
.status{color:var(--warn);font-weight:600}
`;

function document(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<div class="card">
<p class="brand">Takeoff Exports · shared file</p>
${body}
</div>
</main>
</body>
</html>
`;
}

function row(label: string, value: string): string {
  return `<div><dt>${esc(label)}</dt><dd>${value}</dd></div>`;
}

/** The page of an active link: what the file is, its full checksum, when the link expires, and Download. */
export function sharePageHtml(file: SharedFile, downloadHref: string): string {
  const kind = { document: "Document", project: "Project", bundle: "Bundle" }[file.source.type];
  const source = `${kind}${file.source.name ? `: ${esc(file.source.name)}` : ""}`;
  const rows = [
    row("Source", source),
    row("Format", esc(FORMAT_LABELS[file.format] ?? file.format)),
    ...(file.fileName ? [row("File", esc(file.fileName))] : []),
    row("Size", file.fileSize === null ? "—" : `${esc(formatBytes(file.fileSize))} (${esc(formatNumber(file.fileSize))} bytes)`),
    row("Records", esc(formatNumber(file.records))),
    row("SHA-256 checksum", file.checksumSha256 ? `<code data-testid="share-checksum">${esc(file.checksumSha256)}</code>` : "—"),
    row("Link expires", `<time datetime="${esc(file.expiresAt.toISOString())}">${esc(formatExact(file.expiresAt.toISOString()))}</time>`),
    ...(file.downloadsLeft !== null ? [row("Downloads left", esc(formatNumber(file.downloadsLeft)))] : []),
  ];
  return document(
    `${file.name} · shared file`,
    `<h1>${esc(file.name)}</h1>
<p class="muted">Someone shared this export with you. Check the file against the checksum after downloading.</p>
<dl>${rows.join("")}</dl>
<p><a class="btn" href="${esc(downloadHref)}" rel="nofollow noreferrer" data-testid="share-download">Download</a></p>`,
  );
}

const GONE_EXPLAINED: Record<ShareGone, string> = {
  revoked: "Its owner revoked this link.",
  expired: "The link reached its expiry date.",
  limit_reached: "The link has been used as many times as its owner allowed.",
  unavailable: "The shared file was deleted or has expired.",
};

/** 410: the link exists but cannot be used, and the page says which of the four reasons. */
export function shareGoneHtml(reason: ShareGone): string {
  const text = SHARE_GONE_TEXT[reason];
  return document(
    `Link ${text}`,
    `<h1>This link cannot be used</h1>
<p class="status" data-testid="share-gone" data-reason="${esc(reason)}">Link ${esc(text)}.</p>
<p class="muted">${esc(GONE_EXPLAINED[reason])} Ask the person who sent it for a new link.</p>`,
  );
}

export function shareNotFoundHtml(): string {
  return document(
    "Link not found",
    `<h1>Link not found</h1>
<p class="muted">There is no shared file at this address. Check that the link was copied completely.</p>`,
  );
}

export function shareRateLimitedHtml(retryAfterSeconds: number): string {
  return document(
    "Too many requests",
    `<h1>Too many requests</h1>
<p class="muted">Too many requests came from your address. Try again in ${esc(String(retryAfterSeconds))} seconds.</p>`,
  );
}

export function shareErrorHtml(message: string): string {
  return document("Something went wrong", `<h1>Something went wrong</h1><p class="muted">${esc(message)}</p>`);
}
