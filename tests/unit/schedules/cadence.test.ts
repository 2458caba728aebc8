// Schedule slots (SPEC §13.3): daily, weekly and monthly cadences across DST changes, month ends and year ends.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CadenceSchema, canonicalTimeZone, latestSlotAtOrBefore, localDate, nextSlotAfter, TimeZoneSchema } from "@/lib/schedules/cadence";
import { describeCadence, type Cadence } from "@/lib/schedules/model";
import { CreateScheduleBodySchema } from "@/lib/schedules/schemas";

const utc = (s: string) => new Date(s);
const iso = (d: Date) => d.toISOString();

/** The slots after `from`, one after another. */
function slots(cadence: Cadence, tz: string, from: string, n: number): string[] {
  const out: string[] = [];
  let t = utc(from);
  for (let i = 0; i < n; i++) {
    t = nextSlotAfter(cadence, tz, t);
    out.push(iso(t));
  }
  return out;
}

describe("daily slots across DST in America/New_York", () => {
  it("runs the skipped 02:30 at 03:00 local on the spring-forward day, then at 02:30 again", () => {
    // 2026-03-08: 02:00 EST jumps to 03:00 EDT.
    expect(slots({ every: "day", at: "02:30" }, "America/New_York", "2026-03-06T12:00:00Z", 4)).toEqual([
      "2026-03-07T07:30:00.000Z", // 02:30 EST
      "2026-03-08T07:00:00.000Z", // 02:30 does not exist: 03:00 EDT
      "2026-03-09T06:30:00.000Z", // 02:30 EDT
      "2026-03-10T06:30:00.000Z",
    ]);
  });

  it("runs the repeated 01:30 once, at its first occurrence, on the fall-back day", () => {
    // 2026-11-01: 02:00 EDT falls back to 01:00 EST, so 01:30 happens at 05:30Z and at 06:30Z.
    expect(slots({ every: "day", at: "01:30" }, "America/New_York", "2026-10-31T00:00:00Z", 3)).toEqual([
      "2026-10-31T05:30:00.000Z",
      "2026-11-01T05:30:00.000Z", // 01:30 EDT, the first one
      "2026-11-02T06:30:00.000Z", // 01:30 EST
    ]);
    // Between the two 01:30s, the latest slot is the first one, and the next is tomorrow's: the second 01:30 is no slot.
    expect(iso(latestSlotAtOrBefore({ every: "day", at: "01:30" }, "America/New_York", utc("2026-11-01T06:45:00Z")))).toBe(
      "2026-11-01T05:30:00.000Z",
    );
    expect(iso(nextSlotAfter({ every: "day", at: "01:30" }, "America/New_York", utc("2026-11-01T05:30:00Z")))).toBe(
      "2026-11-02T06:30:00.000Z",
    );
  });

  it("keeps 07:00 local on both sides of a change (the UTC time moves)", () => {
    expect(slots({ every: "day", at: "07:00" }, "America/New_York", "2026-03-07T13:00:00Z", 2)).toEqual([
      "2026-03-08T11:00:00.000Z",
      "2026-03-09T11:00:00.000Z",
    ]);
    expect(slots({ every: "day", at: "07:00" }, "America/New_York", "2026-10-31T12:00:00Z", 2)).toEqual([
      "2026-11-01T12:00:00.000Z",
      "2026-11-02T12:00:00.000Z",
    ]);
  });
});

describe("daily slots across DST in Europe/Berlin", () => {
  it("runs the skipped 02:30 at 03:00 local on the last Sunday of March", () => {
    // 2026-03-29: 02:00 CET jumps to 03:00 CEST.
    expect(slots({ every: "day", at: "02:30" }, "Europe/Berlin", "2026-03-28T12:00:00Z", 2)).toEqual([
      "2026-03-29T01:00:00.000Z", // 03:00 CEST
      "2026-03-30T00:30:00.000Z", // 02:30 CEST
    ]);
  });

  it("runs the repeated 02:30 once on the last Sunday of October", () => {
    // 2026-10-25: 03:00 CEST falls back to 02:00 CET; 02:30 is 00:30Z and 01:30Z.
    expect(slots({ every: "day", at: "02:30" }, "Europe/Berlin", "2026-10-24T12:00:00Z", 2)).toEqual([
      "2026-10-25T00:30:00.000Z",
      "2026-10-26T01:30:00.000Z",
    ]);
  });

  it("keeps 01:30, which neither change touches, at 01:30 local", () => {
    expect(slots({ every: "day", at: "01:30" }, "Europe/Berlin", "2026-10-24T12:00:00Z", 2)).toEqual([
      "2026-10-24T23:30:00.000Z",
      "2026-10-26T00:30:00.000Z",
    ]);
  });
});

describe("weekly slots", () => {
  it("stays on the weekday at local time across the spring change", () => {
    expect(slots({ every: "week", on: "mon", at: "07:00" }, "America/New_York", "2026-02-28T00:00:00Z", 3)).toEqual([
      "2026-03-02T12:00:00.000Z", // EST
      "2026-03-09T11:00:00.000Z", // EDT
      "2026-03-16T11:00:00.000Z",
    ]);
  });

  it("a Sunday 02:30 schedule runs at 03:00 on the Sunday DST starts", () => {
    expect(slots({ every: "week", on: "sun", at: "02:30" }, "America/New_York", "2026-03-01T12:00:00Z", 2)).toEqual([
      "2026-03-08T07:00:00.000Z",
      "2026-03-15T06:30:00.000Z",
    ]);
  });

  it("a slot later today comes before next week's", () => {
    // Monday 2026-03-16 10:00 in New York; the Monday 18:00 slot is still ahead.
    expect(iso(nextSlotAfter({ every: "week", on: "mon", at: "18:00" }, "America/New_York", utc("2026-03-16T14:00:00Z")))).toBe(
      "2026-03-16T22:00:00.000Z",
    );
  });
});

describe("monthly slots", () => {
  it("day 28 runs in February and across the year end", () => {
    expect(slots({ every: "month", day: 28, at: "23:30" }, "UTC", "2026-11-30T00:00:00Z", 4)).toEqual([
      "2026-12-28T23:30:00.000Z",
      "2027-01-28T23:30:00.000Z",
      "2027-02-28T23:30:00.000Z",
      "2027-03-28T23:30:00.000Z",
    ]);
  });

  it("after the 31st comes next month's day", () => {
    expect(iso(nextSlotAfter({ every: "month", day: 1, at: "00:00" }, "Europe/Berlin", utc("2027-01-31T12:00:00Z")))).toBe(
      "2027-01-31T23:00:00.000Z", // 2027-02-01 00:00 CET
    );
  });

  it("a monthly slot on the spring-forward day moves out of the gap", () => {
    expect(slots({ every: "month", day: 8, at: "02:15" }, "America/New_York", "2026-02-10T00:00:00Z", 2)).toEqual([
      "2026-03-08T07:00:00.000Z",
      "2026-04-08T06:15:00.000Z",
    ]);
  });

  it("local midnight in a zone east of UTC is the previous UTC day", () => {
    expect(iso(latestSlotAtOrBefore({ every: "month", day: 1, at: "00:00" }, "Asia/Tokyo", utc("2026-07-15T00:00:00Z")))).toBe(
      "2026-06-30T15:00:00.000Z",
    );
  });
});

describe("slot boundaries", () => {
  const daily: Cadence = { every: "day", at: "07:00" };
  it("an instant on a slot: that slot is the latest, the next is strictly after", () => {
    const slot = utc("2026-05-05T07:00:00Z");
    expect(iso(latestSlotAtOrBefore(daily, "UTC", slot))).toBe(iso(slot));
    expect(iso(nextSlotAfter(daily, "UTC", slot))).toBe("2026-05-06T07:00:00.000Z");
  });

  it("after three days down, the latest slot is the only one to run", () => {
    expect(iso(latestSlotAtOrBefore(daily, "UTC", utc("2026-05-08T09:00:00Z")))).toBe("2026-05-08T07:00:00.000Z");
  });

  it("latest ≤ t < next, and consecutive, for any instant, cadence and zone", () => {
    const zones = ["UTC", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kolkata", "America/Santiago", "Pacific/Apia"];
    const time = fc
      .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
      .map(([h, m]) => `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`);
    const cadence: fc.Arbitrary<Cadence> = fc.oneof(
      time.map((at) => ({ every: "day" as const, at })),
      fc
        .tuple(fc.constantFrom("mon", "tue", "wed", "thu", "fri", "sat", "sun" as const), time)
        .map(([on, at]) => ({ every: "week" as const, on, at })),
      fc.tuple(fc.integer({ min: 1, max: 28 }), time).map(([day, at]) => ({ every: "month" as const, day, at })),
    );
    fc.assert(
      fc.property(
        cadence,
        fc.constantFrom(...zones),
        fc.date({ min: utc("2020-01-01T00:00:00Z"), max: utc("2035-01-01T00:00:00Z"), noInvalidDate: true }),
        (c, tz, t) => {
          const latest = latestSlotAtOrBefore(c, tz, t);
          const next = nextSlotAfter(c, tz, t);
          expect(latest.getTime()).toBeLessThanOrEqual(t.getTime());
          expect(next.getTime()).toBeGreaterThan(t.getTime());
          expect(nextSlotAfter(c, tz, latest).getTime()).toBe(next.getTime());
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("validation", () => {
  const paths = (r: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) => r.error?.issues.map((i) => i.path.join("."));

  it.each([
    [{ every: "day", at: "24:00" }, "at"],
    [{ every: "day", at: "7:5" }, "at"],
    [{ every: "day", at: "07:60" }, "at"],
    [{ every: "week", on: "funday", at: "07:00" }, "on"],
    [{ every: "week", at: "07:00" }, "on"],
    [{ every: "month", day: 29, at: "07:00" }, "day"],
    [{ every: "month", day: 0, at: "07:00" }, "day"],
    [{ every: "month", day: 1.5, at: "07:00" }, "day"],
    [{ every: "day", at: "07:00", on: "mon" }, ""],
  ])("refuses %j at %s", (cadence, path) => {
    const r = CadenceSchema.safeParse(cadence);
    expect(r.success).toBe(false);
    expect(paths(r)).toContain(path);
  });

  it("refuses an unknown cadence kind", () => {
    expect(CadenceSchema.safeParse({ every: "hour", at: "07:00" }).success).toBe(false);
  });

  it("accepts the three kinds", () => {
    for (const c of [
      { every: "day", at: "00:00" },
      { every: "week", on: "sun", at: "23:59" },
      { every: "month", day: 28, at: "12:30" },
    ])
      expect(CadenceSchema.parse(c)).toEqual(c);
  });

  it("time zones are IANA ids, kept in their canonical spelling", () => {
    expect(TimeZoneSchema.parse("america/new_york")).toBe("America/New_York");
    expect(TimeZoneSchema.parse("UTC")).toBe("UTC");
    expect(TimeZoneSchema.safeParse("Mars/Olympus_Mons").success).toBe(false);
    expect(TimeZoneSchema.safeParse("").success).toBe(false);
    expect(canonicalTimeZone("Europe/Nowhere")).toBeNull();
  });

  it("a body needs exactly one of preset_id and format", () => {
    const base = { name: "Weekly", source: { type: "document", id: crypto.randomUUID() }, cadence: { every: "day", at: "07:00" } };
    expect(paths(CreateScheduleBodySchema.safeParse(base))).toEqual(["format"]);
    expect(paths(CreateScheduleBodySchema.safeParse({ ...base, format: "csv", preset_id: crypto.randomUUID() }))).toEqual(["preset_id"]);
    expect(paths(CreateScheduleBodySchema.safeParse({ ...base, preset_id: crypto.randomUUID(), options: {} }))).toEqual(["options"]);
    const ok = CreateScheduleBodySchema.parse({ ...base, format: "xlsx" });
    expect(ok).toMatchObject({ format: "excel", timezone: "UTC", enabled: true });
  });
});

describe("names and descriptions", () => {
  it("local dates are in the schedule's zone", () => {
    expect(localDate(utc("2026-03-08T03:00:00Z"), "America/New_York")).toBe("2026-03-07");
    expect(localDate(utc("2026-03-08T03:00:00Z"), "Asia/Tokyo")).toBe("2026-03-08");
  });

  it("describes cadences for people", () => {
    expect(describeCadence({ every: "week", on: "mon", at: "07:00" })).toBe("Every Monday at 07:00");
    expect(describeCadence({ every: "month", day: 22, at: "06:00" })).toBe("Monthly on the 22nd at 06:00");
    expect(describeCadence({ every: "day", at: "18:30" })).toBe("Every day at 18:30");
  });
});
