/** Download file names: a safe name from an export's name, and the RFC 6266 Content-Disposition header for it. */

// C0, DEL and C1 controls: never valid in a header, and CR/LF would split it.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
// Invisible characters that can disguise a name: bidi overrides (the "fdp.exe"
// trick), zero-width space, line/paragraph separators, BOM. ZWJ/ZWNJ stay:
// emoji sequences and several scripts need them.
const INVISIBLE = /[\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;
// A lone surrogate would make encodeURIComponent throw.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
// Path separators and the characters Windows refuses in file names.
const UNSAFE_IN_NAME = /[/\\<>:"|?*]/g;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])$/i;

const MAX_STEM_CHARS = 150;
// Most file systems cap a name at 255 bytes; leave room for a browser's " (1)".
const MAX_STEM_BYTES = 200;

const FALLBACK_STEM = "export";

function clean(value: string): string {
  return value.replace(LONE_SURROGATE, "\ufffd").normalize("NFC").replace(CONTROL, " ").replace(INVISIBLE, "");
}

/** Cuts on grapheme boundaries so an accent or emoji is never split. */
function truncate(value: string, maxChars: number, maxBytes: number): string {
  if (value.length <= maxChars && Buffer.byteLength(value) <= maxBytes) return value;
  let out = "";
  let chars = 0;
  let bytes = 0;
  for (const { segment } of new Intl.Segmenter("en", { granularity: "grapheme" }).segment(value)) {
    const size = Buffer.byteLength(segment);
    chars += [...segment].length;
    bytes += size;
    if (chars > maxChars || bytes > maxBytes) break;
    out += segment;
  }
  return out;
}

function normaliseExtension(extension: string): string {
  return extension
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "")
    .slice(0, 10);
}

/**
 * A file name for a download from a user-chosen export name:
 * "Structural Set export" + "xlsx" → "Structural-Set-export.xlsx". Keeps
 * Unicode letters; replaces path separators, Windows-reserved characters and
 * control characters; collapses whitespace to "-"; drops a repeated extension;
 * caps the stem at 150 characters / 200 UTF-8 bytes; never empty ("export").
 */
export function sanitizeFileName(name: string | null | undefined, extension: string): string {
  const ext = normaliseExtension(extension);
  let stem = clean(name ?? "")
    .replace(UNSAFE_IN_NAME, "-")
    .replace(/\s+/g, "-")
    .replace(/-{2,}/g, "-");
  if (ext) stem = stem.replace(new RegExp(`\\.${ext}$`, "i"), "");
  // Leading dots hide a file on Unix; trailing dots and spaces are dropped by Windows.
  const trim = (s: string) => s.replace(/^[-.]+/, "").replace(/[-.]+$/, "");
  stem = trim(truncate(trim(stem), MAX_STEM_CHARS, MAX_STEM_BYTES));
  if (!stem) stem = FALLBACK_STEM;
  if (WINDOWS_RESERVED.test(stem)) stem = `${stem}-${FALLBACK_STEM}`;
  return ext ? `${stem}.${ext}` : stem;
}

/** Printable ASCII without the characters that confuse naive parsers of the quoted `filename`. */
function asciiFallback(name: string): string {
  const ascii = name
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .replace(/[^\x20-\x7e]|["\\%;]/g, "_")
    .replace(/_{2,}/g, "_");
  const dot = ascii.lastIndexOf(".");
  const stem = dot > 0 ? ascii.slice(0, dot) : ascii;
  const ext = dot > 0 ? ascii.slice(dot) : "";
  return /[A-Za-z0-9]/.test(stem) ? ascii : `${FALLBACK_STEM}${ext}`;
}

/** RFC 5987 attr-char encoding: encodeURIComponent leaves ' ( ) * unescaped, the grammar does not allow them. */
function encodeRfc5987(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * `attachment; filename="<ascii fallback>"` plus `filename*=UTF-8''<percent-encoded>`
 * when the name is not plain ASCII (RFC 6266). Control characters are removed
 * and quotes, backslashes, `%` and `;` never reach the quoted form, so the
 * name cannot end the header or add parameters.
 */
export function contentDisposition(fileName: string): string {
  const name = clean(fileName).replace(/[/\\]/g, "-").replace(/\s+/g, " ").trim() || FALLBACK_STEM;
  const fallback = asciiFallback(name);
  const header = `attachment; filename="${fallback}"`;
  return fallback === name ? header : `${header}; filename*=UTF-8''${encodeRfc5987(name)}`;
}
