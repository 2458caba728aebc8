// The exports list's URL state: unknown values are dropped, order is fixed so the server's and the browser's SWR keys match.
import { describe, expect, it } from "vitest";
import { filtersToParams, hasFilters, listKey, parseFilters } from "@/components/exports/query";

describe("exports list URL state", () => {
  it("keeps known filters and drops the rest", () => {
    expect(parseFilters({ status: "failed", format: "docx", type: "project_export", q: "  slab  ", cursor: "abc" })).toEqual({
      status: "failed",
      format: undefined,
      type: "project_export",
      q: "slab",
      cursor: "abc",
    });
    expect(parseFilters(new URLSearchParams("status=nope&q="))).toEqual({
      status: undefined,
      format: undefined,
      type: undefined,
      q: undefined,
      schedule_id: undefined,
      cursor: undefined,
    });
  });

  it("keeps a schedule's id (a UUID only) in the key, and counts it as a filter", () => {
    const id = "0B9A1C2D-3E4F-4A5B-8C6D-7E8F9A0B1C2D";
    const f = parseFilters(new URLSearchParams(`schedule_id=${id}&status=failed`));
    expect(f.schedule_id).toBe(id.toLowerCase());
    expect(listKey(f)).toBe(`/api/exports?status=failed&schedule_id=${id.toLowerCase()}&limit=20`);
    expect(hasFilters({ schedule_id: id })).toBe(true);
    expect(parseFilters({ schedule_id: "1 or 1=1" }).schedule_id).toBeUndefined();
  });

  it("accepts xlsx as excel, like the API", () => {
    expect(parseFilters({ format: "xlsx" }).format).toBe("excel");
  });

  it("takes the first of repeated parameters", () => {
    expect(parseFilters({ status: ["completed", "failed"] }).status).toBe("completed");
  });

  it("builds the same key whatever order the URL had", () => {
    const a = listKey(parseFilters(new URLSearchParams("q=x&format=pdf&status=completed")));
    const b = listKey(parseFilters(new URLSearchParams("status=completed&q=x&format=pdf")));
    expect(a).toBe(b);
    expect(a).toBe("/api/exports?status=completed&format=pdf&q=x&limit=20");
  });

  it("leaves the URL empty without filters, and knows a filtered view", () => {
    expect(filtersToParams({}).toString()).toBe("");
    expect(hasFilters({ cursor: "c" })).toBe(false);
    expect(hasFilters({ q: "x" })).toBe(true);
  });
});
