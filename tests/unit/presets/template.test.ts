// Preset name templates (SPEC §13.1): the placeholders allowed, and how a name is rendered from one.
import { describe, expect, it } from "vitest";
import { localDate, renderNameTemplate, unknownPlaceholders } from "@/lib/presets/template";

const values = {
  source: "Structural Set.pdf",
  project: "Riverside Clinic",
  document: "Structural Set.pdf",
  format: "excel" as const,
  timeZone: "UTC",
  now: new Date("2026-03-08T06:30:00Z"),
};

describe("name templates", () => {
  it("names every placeholder that is not allowed, once each, and takes lone braces as text", () => {
    expect(unknownPlaceholders("{project} {date}")).toEqual([]);
    expect(unknownPlaceholders("{client} {Project} {client} {} { date }")).toEqual(["{client}", "{Project}", "{}", "{ date }"]);
    expect(unknownPlaceholders("Costs {in} USD } {")).toEqual(["{in}"]);
    expect(unknownPlaceholders("a { b")).toEqual([]);
  });

  it("fills in source, project, document, the format's label and the date", () => {
    expect(renderNameTemplate("{project} – {document} ({format}) {date}", values)).toBe(
      "Riverside Clinic – Structural Set.pdf (Excel) 2026-03-08",
    );
    expect(renderNameTemplate("{source}", { ...values, format: "ost" })).toBe("Structural Set.pdf");
    expect(renderNameTemplate("{format}", { ...values, format: "ost" })).toBe("OST XML");
  });

  it("writes {date} in the preset's time zone", () => {
    // 06:30 UTC on 8 March: still the 7th in Los Angeles, 20:30 on the 8th on Kiritimati (UTC+14).
    expect(localDate(values.now, "America/Los_Angeles")).toBe("2026-03-07");
    expect(localDate(values.now, "Pacific/Kiritimati")).toBe("2026-03-08");
    expect(localDate(new Date("2026-03-08T23:30:00Z"), "Europe/Berlin")).toBe("2026-03-09");
    expect(renderNameTemplate("{date}", { ...values, timeZone: "Asia/Tokyo", now: new Date("2026-12-31T15:00:00Z") })).toBe("2027-01-01");
  });

  it("leaves {document} empty for a project export, folds spaces and control characters, and cuts at 200 characters", () => {
    expect(renderNameTemplate("{project} {document} {date}", { ...values, document: null })).toBe("Riverside Clinic 2026-03-08");
    expect(renderNameTemplate("{document}", { ...values, document: null })).toBe("");
    expect(renderNameTemplate("{source}", { ...values, source: "Line\none\ttab" })).toBe("Line one tab");
    expect(renderNameTemplate("{project}{project}", { ...values, project: "x".repeat(150) })).toHaveLength(200);
  });
});
