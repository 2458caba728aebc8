// The time-zone picker's list: today's IANA names only (no "Asia/Calcutta"), the browser's zone and UTC first, and a search that finds a city by any spelling.
import { describe, expect, it } from "vitest";
import {
  LEGACY_TIME_ZONES,
  buildTimeZoneList,
  canonicalTimeZone,
  filterTimeZones,
  isValidTimeZone,
  utcOffsetLabel,
} from "@/components/ui/time-zones";

const supported = Intl.supportedValuesOf("timeZone");
const ids = (list: { id: string }[]) => list.map((z) => z.id);

describe("buildTimeZoneList", () => {
  const list = buildTimeZoneList({ supported, local: "America/Chicago" });
  const all = [...list.suggested, ...list.others];

  it("lists today's names, not the old spellings the engine reports", () => {
    // The engine itself still lists the old spelling; the picker must not.
    expect(supported).toContain("Asia/Calcutta");
    expect(ids(all)).toContain("Asia/Kolkata");
    expect(ids(all)).not.toContain("Asia/Calcutta");
    expect(ids(all)).toContain("Europe/Kyiv");
    expect(ids(all)).not.toContain("Europe/Kiev");
    expect(ids(all)).toContain("America/Argentina/Buenos_Aires");
    for (const old of Object.keys(LEGACY_TIME_ZONES)) expect(ids(all)).not.toContain(old);
  });

  it("has UTC, every zone once, and only zones the engine (and so the API) accepts", () => {
    expect(ids(all)).toContain("UTC");
    expect(new Set(ids(all)).size).toBe(all.length);
    expect(all.length).toBeGreaterThan(300);
    for (const z of all) expect(isValidTimeZone(z.id), z.id).toBe(true);
  });

  it("suggests the browser's zone first, then UTC; the rest is alphabetical", () => {
    expect(ids(list.suggested)).toEqual(["America/Chicago", "UTC"]);
    const rest = ids(list.others);
    expect(rest).not.toContain("America/Chicago");
    expect(rest).toEqual([...rest].sort());
  });

  it("suggests the browser's zone under today's name", () => {
    expect(ids(buildTimeZoneList({ supported, local: "Asia/Calcutta" }).suggested)).toEqual(["Asia/Kolkata", "UTC"]);
  });

  it("suggests UTC alone when the browser is on UTC or reports no usable zone", () => {
    for (const local of ["UTC", "Etc/UTC", null, "", "Not/AZone"]) {
      expect(ids(buildTimeZoneList({ supported, local }).suggested), String(local)).toEqual(["UTC"]);
    }
  });

  it("adds UTC when the engine does not list it, and keeps an old name when the engine does not know the new one", () => {
    const small = buildTimeZoneList({
      supported: ["Pacific/Enderbury", "Asia/Calcutta"],
      local: null,
      isSupported: (id) => id !== "Pacific/Kanton",
    });
    expect(ids([...small.suggested, ...small.others])).toEqual(["UTC", "Asia/Kolkata", "Pacific/Enderbury"]);
    expect(canonicalTimeZone("Pacific/Enderbury", (id) => id !== "Pacific/Kanton")).toBe("Pacific/Enderbury");
    expect(canonicalTimeZone("Asia/Calcutta")).toBe("Asia/Kolkata");
    expect(canonicalTimeZone("Europe/Paris")).toBe("Europe/Paris");
  });

  it("works without Intl.supportedValuesOf (an empty list): UTC and the browser's zone are still there", () => {
    const bare = buildTimeZoneList({ supported: [], local: "Europe/Berlin" });
    expect(ids([...bare.suggested, ...bare.others])).toEqual(["Europe/Berlin", "UTC"]);
  });
});

describe("filterTimeZones", () => {
  const list = buildTimeZoneList({ supported, local: "UTC" });
  const all = [...list.suggested, ...list.others];

  it("finds a city by its name, in any case, with spaces for underscores", () => {
    expect(ids(filterTimeZones(all, "Kolkata"))).toEqual(["Asia/Kolkata"]);
    expect(ids(filterTimeZones(all, "kolk"))).toEqual(["Asia/Kolkata"]);
    expect(ids(filterTimeZones(all, "new york"))).toEqual(["America/New_York"]);
    expect(ids(filterTimeZones(all, "ho chi"))).toEqual(["Asia/Ho_Chi_Minh"]);
  });

  it("finds a zone by its old spelling", () => {
    expect(ids(filterTimeZones(all, "Calcutta"))).toEqual(["Asia/Kolkata"]);
    expect(ids(filterTimeZones(all, "kiev"))).toEqual(["Europe/Kyiv"]);
  });

  it("puts cities that start with the query first", () => {
    const found = ids(filterTimeZones(all, "paris"));
    expect(found[0]).toBe("Europe/Paris");
    const york = ids(filterTimeZones(all, "york"));
    expect(york).toContain("America/New_York");
    // Every word must match, in any order.
    expect(ids(filterTimeZones(all, "america chicago"))).toEqual(["America/Chicago"]);
  });

  it("matches the extra text (the UTC offset) too", () => {
    const withOffset = filterTimeZones(all, "gmt+5:30", (z) => utcOffsetLabel(z.id, new Date("2025-01-15T12:00:00Z")));
    expect(ids(withOffset)).toContain("Asia/Kolkata");
  });

  it("gives everything for an empty query and nothing for nonsense", () => {
    expect(filterTimeZones(all, "   ")).toHaveLength(all.length);
    expect(filterTimeZones(all, "zzqx")).toEqual([]);
  });
});

describe("utcOffsetLabel", () => {
  it("says the offset at a given moment, and nothing for an unknown zone", () => {
    expect(utcOffsetLabel("Asia/Kolkata", new Date("2025-01-15T12:00:00Z"))).toBe("GMT+5:30");
    expect(utcOffsetLabel("America/Chicago", new Date("2025-07-01T12:00:00Z"))).toBe("GMT-5");
    expect(utcOffsetLabel("Not/AZone")).toBe("");
  });
});
