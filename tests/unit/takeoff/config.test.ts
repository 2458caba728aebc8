import { describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/env";

describe("PDF_MAX_MAP_PAGES (SPEC §12.4)", () => {
  it("defaults to 500 and takes a positive whole number", () => {
    expect(parseEnv({}).PDF_MAX_MAP_PAGES).toBe(500);
    expect(parseEnv({ PDF_MAX_MAP_PAGES: "20" }).PDF_MAX_MAP_PAGES).toBe(20);
    expect(parseEnv({ PDF_MAX_MAP_PAGES: "" }).PDF_MAX_MAP_PAGES).toBe(500);
  });

  it("refuses zero, fractions and words, naming the variable", () => {
    for (const bad of ["0", "2.5", "many"]) expect(() => parseEnv({ PDF_MAX_MAP_PAGES: bad })).toThrow(/PDF_MAX_MAP_PAGES/);
  });
});
