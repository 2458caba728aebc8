// Dashboard display helpers: sizes, numbers, relative and exact times.
import { describe, expect, it } from "vitest";
import {
  formatBytes,
  formatDuration,
  formatExact,
  formatMilliseconds,
  formatMoney,
  formatNumber,
  formatQuantity,
  formatRelative,
  plural,
} from "@/lib/format";

describe("formatBytes", () => {
  it("shows bytes, then binary units with one decimal below 10", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1023)).toBe("1023 B");
    expect(formatBytes(1024)).toBe("1.0 KB");
    expect(formatBytes(45321)).toBe("44 KB");
    expect(formatBytes(5 * 1024 * 1024)).toBe("5.0 MB");
  });
  it("never shows 1024 of a unit", () => {
    expect(formatBytes(1024 * 1024 - 10)).toBe("1.0 MB");
  });
  it("shows a dash for missing sizes", () => {
    expect(formatBytes(null)).toBe("—");
    expect(formatBytes(undefined)).toBe("—");
  });
});

describe("numbers", () => {
  it("groups thousands in en-US whatever the host locale", () => {
    expect(formatNumber(1234567)).toBe("1,234,567");
    expect(formatNumber(2.5, 2)).toBe("2.50");
    expect(formatQuantity(1234.5)).toBe("1,234.5");
    expect(formatQuantity(3)).toBe("3");
    expect(formatMoney(9676)).toBe("$9,676.00");
    expect(formatNumber(null)).toBe("—");
  });
  it("pluralises with the count", () => {
    expect(plural(1, "page")).toBe("1 page");
    expect(plural(1200, "measurement")).toBe("1,200 measurements");
  });
});

describe("times", () => {
  const now = Date.parse("2025-03-01T12:00:00Z");
  it("says how long ago or how soon", () => {
    expect(formatRelative("2025-03-01T12:00:05Z", now)).toBe("just now");
    expect(formatRelative("2025-03-01T11:57:00Z", now)).toBe("3 minutes ago");
    expect(formatRelative("2025-03-08T12:00:00Z", now)).toBe("in 7 days");
    expect(formatRelative("2025-03-04T12:00:00Z", now)).toBe("in 3 days");
    expect(formatRelative("2025-02-28T12:00:00Z", now)).toBe("1 day ago");
    expect(formatRelative(null, now)).toBe("—");
    expect(formatRelative("not a date", now)).toBe("—");
  });

  it("words one expiry the same whether it is a second under or over a whole unit", () => {
    // An export's link expires 7 days after it completes; the page shows it seconds or hours later.
    expect(formatRelative("2025-03-08T11:59:59Z", now)).toBe("in 7 days");
    expect(formatRelative("2025-03-08T12:00:01Z", now)).toBe("in 7 days");
    expect(formatRelative("2025-03-08T01:00:00Z", now)).toBe("in 7 days");
    expect(formatRelative("2025-03-01T12:59:40Z", now)).toBe("in 1 hour");
    expect(formatRelative("2025-03-02T11:40:00Z", now)).toBe("in 1 day");
    expect(formatRelative("2025-03-01T11:00:31Z", now)).toBe("59 minutes ago");
    expect(formatRelative("2025-03-31T12:00:00Z", now)).toBe("in 1 month");
    expect(formatRelative("2025-03-30T12:00:00Z", now)).toBe("in 29 days");
    expect(formatRelative("2024-03-01T12:00:00Z", now)).toBe("1 year ago");
    expect(formatRelative("2025-03-01T12:00:30Z", now)).toBe("in 30 seconds");
  });
  it("shows exact times in UTC", () => {
    expect(formatExact("2025-03-01T14:05:09.123Z")).toBe("2025-03-01 14:05:09 UTC");
    expect(formatExact(null)).toBe("");
  });
  it("measures durations", () => {
    expect(formatDuration("2025-03-01T12:00:00Z", "2025-03-01T12:00:00.250Z")).toBe("250 ms");
    expect(formatDuration("2025-03-01T12:00:00Z", "2025-03-01T12:00:12.3Z")).toBe("12.3 s");
    expect(formatDuration("2025-03-01T12:00:00Z", "2025-03-01T12:03:04Z")).toBe("3 min 4 s");
    expect(formatDuration(null, "2025-03-01T12:00:00Z")).toBe("—");
  });
});

describe("formatMilliseconds", () => {
  it("picks a readable unit", () => {
    expect(formatMilliseconds(42)).toBe("42 ms");
    expect(formatMilliseconds(3_723_000)).toBe("1 h 2 min");
    expect(formatMilliseconds(-1)).toBe("—");
  });
});
