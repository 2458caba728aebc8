import { describe, expect, it } from "vitest";
import { displayTime, formatMoney, formatNumber2, isoInZone } from "@/lib/exports/formats/text-format";
import { SheetNames } from "@/lib/exports/formats/excel";
import { plainNumber } from "@/lib/exports/formats/ost";
import { fontRuns } from "@/lib/exports/formats/pdf";
import { escapeFormula, formatQuantity, removeXmlIllegal, roundTotal, XML_ILLEGAL_WARNING, XmlTextCleaner } from "@/lib/exports/sanitize";

describe("escapeFormula", () => {
  it.each([
    ["=SUM(A1)", "'=SUM(A1)"],
    ["+1", "'+1"],
    ["@x", "'@x"],
    ["-cmd", "'-cmd"],
    ["\tTabbed", "'\tTabbed"],
    ["\rReturn", "'\rReturn"],
    ["-", "'-"],
    ["-1-2", "'-1-2"],
    ["-1e5", "'-1e5"],
  ])("prefixes %j", (input, expected) => {
    expect(escapeFormula(input)).toBe(expected);
  });

  it.each(["-12.5", "-3", "-0.25", "12", "Floor Slab", "", "a=b", " =x"])("leaves %j alone", (input) => {
    expect(escapeFormula(input)).toBe(input);
  });
});

describe("removeXmlIllegal", () => {
  it("removes control characters, lone surrogates and U+FFFE/FFFF but keeps tab, newlines and astral characters", () => {
    const result = removeXmlIllegal("a\u0000b\u0001c\u0008\u000b\u000c\u001fd\u007f\t\n\re\uD800f\uFFFEg\uFFFF😀");
    expect(result).toEqual({ text: "abcd\u007f\t\n\refg😀", removed: true });
  });

  it("reports nothing for clean text", () => {
    expect(removeXmlIllegal("Σκυρόδεμα 混凝土 плита")).toEqual({ text: "Σκυρόδεμα 混凝土 плита", removed: false });
  });

  it("records the warning once per render", () => {
    const cleaner = new XmlTextCleaner();
    cleaner.clean("ok");
    const warnings: string[] = [];
    cleaner.report(warnings);
    expect(warnings).toEqual([]);
    cleaner.clean("\u0001");
    cleaner.clean("\u0002");
    cleaner.report(warnings);
    cleaner.report(warnings);
    expect(warnings).toEqual([XML_ILLEGAL_WARNING]);
  });
});

describe("roundTotal", () => {
  it("drops floating-point noise from sums and keeps 6 decimals", () => {
    expect(roundTotal(0.1 + 0.2)).toBe(0.3);
    expect(roundTotal(50557311.709999986)).toBe(50557311.71);
    expect(roundTotal(-1500.0000000001)).toBe(-1500);
    expect(roundTotal(1 / 3)).toBe(0.333333);
    expect(roundTotal(0)).toBe(0);
    expect(roundTotal(2e21)).toBe(2e21);
  });
});

describe("number and time formatting", () => {
  it("formats quantities with 4 decimals and money in dollars, whatever the locale", () => {
    expect(formatQuantity(500)).toBe("500.0000");
    expect(formatQuantity(-12.5)).toBe("-12.5000");
    expect(formatQuantity(1234567.123456)).toBe("1234567.1235");
    expect(formatMoney(9676)).toBe("$9,676.00");
    expect(formatMoney(-110.55)).toBe("-$110.55");
    expect(formatNumber2(1500)).toBe("1,500.00");
  });

  it("writes timestamps in the requested zone with its offset", () => {
    const d = new Date("2025-03-01T14:30:00.000Z");
    expect(isoInZone(d, "UTC")).toBe("2025-03-01T14:30:00.000Z");
    expect(isoInZone(d, "America/New_York")).toBe("2025-03-01T09:30:00.000-05:00");
    expect(isoInZone(d, "Asia/Kolkata")).toBe("2025-03-01T20:00:00.000+05:30");
    expect(isoInZone(new Date("2025-07-01T12:00:00Z"), "Europe/Berlin")).toBe("2025-07-01T14:00:00.000+02:00");
    expect(displayTime(d, "UTC")).toBe("2025-03-01 14:30:00 UTC");
    expect(displayTime(d, "Asia/Tokyo")).toBe("2025-03-01 23:30:00 UTC+09:00 (Asia/Tokyo)");
  });
});

describe("Excel sheet names", () => {
  it("replaces forbidden characters, cuts at 31 and de-duplicates case-insensitively", () => {
    const names = new SheetNames();
    expect(names.take("Summary")).toBe("Summary");
    expect(names.take("summary")).toBe("summary (2)");
    expect(names.take("SUMMARY")).toBe("SUMMARY (3)");
    expect(names.take("a\\b/c*d?e[f]g:h")).toBe("a_b_c_d_e_f_g_h");
    const long = "A very long condition name that goes on and on";
    const first = names.take(long);
    expect(first).toBe(long.slice(0, 31));
    const second = names.take(long);
    expect(second.length).toBeLessThanOrEqual(31);
    expect(second.endsWith(" (2)")).toBe(true);
    expect(names.take("Floor Slab", 2)).toBe("Floor Slab (2)");
    expect(names.take("'quoted'")).toBe("_quoted_");
    expect(names.take("   ")).toBe("Sheet");
    expect(names.take("History")).toBe("History_");
  });

  it("never splits a surrogate pair when cutting", () => {
    const name = `${"x".repeat(30)}😀tail`;
    expect(new SheetNames().take(name)).toBe("x".repeat(30));
  });
});

describe("OST and PDF helpers", () => {
  it("writes coordinates as plain numbers", () => {
    expect(plainNumber(12.5)).toBe("12.5");
    expect(plainNumber(-3)).toBe("-3");
    expect(plainNumber(1e21)).toBe("1000000000000000000000");
    expect(plainNumber(1.5e-7)).toBe("0.00000015");
  });

  it("picks a font per script run", () => {
    expect(fontRuns("Floor 1")).toEqual([{ face: "latin", text: "Floor 1" }]);
    expect(fontRuns("Σ плита 混凝土 콘크리트")).toEqual([
      { face: "latin", text: "Σ плита " },
      { face: "cjk", text: "混凝土 " },
      { face: "hangul", text: "콘크리트" },
    ]);
  });
});
