// Download names: sanitising export names into file names, and Content-Disposition headers that cannot be broken out of.
import { describe, expect, it } from "vitest";
import { contentDisposition, sanitizeFileName } from "@/lib/storage/content-disposition";

/** Parses a Content-Disposition value the way RFC 6266 reads it: the type, then `;`-separated parameters (quoted strings honoured). */
function parseDisposition(header: string): { type: string; params: Record<string, string> } {
  const re = /;\s*([A-Za-z*]+)=("((?:[^"\\]|\\.)*)"|[^;\s]*)/gy;
  const type = /^[a-z]+/.exec(header)?.[0] ?? "";
  re.lastIndex = type.length;
  const params: Record<string, string> = {};
  let m: RegExpExecArray | null;
  while ((m = re.exec(header))) params[m[1].toLowerCase()] = m[3] !== undefined ? m[3].replace(/\\(.)/g, "$1") : m[2];
  if (re.lastIndex !== 0 && re.lastIndex < header.length) throw new Error(`unparsed tail: ${header.slice(re.lastIndex)}`);
  return { type, params };
}

function decodeExtValue(value: string): string {
  const m = /^UTF-8''(.*)$/i.exec(value);
  if (!m) throw new Error(`not an RFC 5987 value: ${value}`);
  return decodeURIComponent(m[1]);
}

describe("contentDisposition", () => {
  it("an ASCII name is a plain quoted filename", () => {
    const header = contentDisposition("Structural-Set-export.xlsx");
    expect(header).toBe('attachment; filename="Structural-Set-export.xlsx"');
  });

  it("a non-ASCII name gets an ASCII fallback and a UTF-8 filename*", () => {
    const header = contentDisposition("Plan-d'étage-niveau-2.pdf");
    const { type, params } = parseDisposition(header);
    expect(type).toBe("attachment");
    expect(params.filename).toBe("Plan-d'etage-niveau-2.pdf");
    expect(decodeExtValue(params["filename*"])).toBe("Plan-d'étage-niveau-2.pdf");
    // attr-char excludes ' ( ) *, so they must be percent-encoded in filename*.
    expect(params["filename*"]).toContain("%27");
  });

  it("a name with no ASCII letters falls back to export.<ext>", () => {
    const { params } = parseDisposition(contentDisposition("図面一覧.csv"));
    expect(params.filename).toBe("export.csv");
    expect(decodeExtValue(params["filename*"])).toBe("図面一覧.csv");
  });

  it("keeps emoji and astral characters intact in filename*", () => {
    const { params } = parseDisposition(contentDisposition("Site 🏗️ plan.json"));
    expect(decodeExtValue(params["filename*"])).toBe("Site 🏗️ plan.json");
  });

  it.each([
    ["CR/LF header injection", 'report.csv"\r\nSet-Cookie: a=b'],
    ["bare LF", "report\nX-Evil: 1.csv"],
    ["quote breaking out of the quoted string", 'a".csv; filename="evil.exe'],
    ["semicolon adding a parameter", "a.csv; filename=evil.exe"],
    ["backslash escape", 'a\\".csv'],
    ["NUL and other controls", "a\u0000b\u0007c\u001b.csv"],
    ["percent sequences", "a%0d%0aX: y.csv"],
    ["bidi override disguising the extension", "invoice\u202Etxt.exe"],
  ])("%s cannot add headers or parameters", (_label, name) => {
    const header = contentDisposition(name);
    expect(header).not.toMatch(/[\u0000-\u001f\u007f]/);
    expect(header).not.toContain("\u202E");
    const { type, params } = parseDisposition(header);
    expect(type).toBe("attachment");
    expect(Object.keys(params).sort()).toEqual(Object.keys(params).includes("filename*") ? ["filename", "filename*"] : ["filename"]);
    expect(params.filename).not.toMatch(/["\\;%]/);
    // The header is accepted by a real Headers implementation (which rejects CR/LF/NUL).
    expect(() => new Headers({ "Content-Disposition": header })).not.toThrow();
    if (params["filename*"]) expect(decodeExtValue(params["filename*"])).not.toMatch(/[\r\n\u0000]/);
  });

  it("an empty or whitespace name still yields a file name", () => {
    expect(parseDisposition(contentDisposition("")).params.filename).toBe("export");
    expect(parseDisposition(contentDisposition(" \r\n ")).params.filename).toBe("export");
  });

  it("survives a lone surrogate instead of throwing", () => {
    expect(() => contentDisposition("bad\ud800name.csv")).not.toThrow();
  });
});

describe("sanitizeFileName", () => {
  it.each([
    ["Structural Set export", "xlsx", "Structural-Set-export.xlsx"],
    ["  Level 2  —  Slab  ", "csv", "Level-2-—-Slab.csv"],
    ["Plan d'étage", "pdf", "Plan-d'étage.pdf"],
    ["図面 一覧", "json", "図面-一覧.json"],
    ["../../etc/passwd", "csv", "etc-passwd.csv"],
    ["a\\b/c", "csv", "a-b-c.csv"],
    ['what? <now> "quoted" | star*', "xml", "what-now-quoted-star.xml"],
    ["line\r\nbreak\ttab", "csv", "line-break-tab.csv"],
    ["report.xlsx", "xlsx", "report.xlsx"],
    ["REPORT.XLSX", ".xlsx", "REPORT.xlsx"],
    [".hidden", "csv", "hidden.csv"],
    ["trailing dots...", "csv", "trailing-dots.csv"],
    ["", "csv", "export.csv"],
    ["   ", "csv", "export.csv"],
    ["\u0000\u0001", "csv", "export.csv"],
    ["---", "pdf", "export.pdf"],
    ["CON", "csv", "CON-export.csv"],
    ["invoice\u202Egpj.exe", "pdf", "invoicegpj.exe.pdf"],
  ])("%j + %j → %j", (name, ext, expected) => {
    expect(sanitizeFileName(name, ext)).toBe(expected);
  });

  it("accepts null/undefined names", () => {
    expect(sanitizeFileName(null, "csv")).toBe("export.csv");
    expect(sanitizeFileName(undefined, "csv")).toBe("export.csv");
  });

  it("caps the length without splitting a character", () => {
    const long = sanitizeFileName("a".repeat(500), "xlsx");
    expect(long).toBe(`${"a".repeat(150)}.xlsx`);
    const cjk = sanitizeFileName("図".repeat(300), "csv");
    expect(Buffer.byteLength(cjk)).toBeLessThanOrEqual(204);
    expect(cjk).toMatch(/^図+\.csv$/);
    const emoji = sanitizeFileName("👷🏽‍♀️".repeat(100), "csv");
    expect(emoji.replace(/\.csv$/, "")).toMatch(/^(👷🏽‍♀️)+$/u);
  });

  it("its output always round-trips through contentDisposition", () => {
    for (const name of ["Structural Set export", "Plan d'étage", '"; evil', "図面"]) {
      const fileName = sanitizeFileName(name, "csv");
      const { params } = parseDisposition(contentDisposition(fileName));
      const shown = params["filename*"] ? decodeExtValue(params["filename*"]) : params.filename;
      expect(shown).toBe(fileName);
    }
  });
});
