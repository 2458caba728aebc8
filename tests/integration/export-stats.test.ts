// GET /api/exports/stats (SPEC §14.4): every day of the range, days in the asked time zone, channels, formats, top exports, validation and owner scoping.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { exportEvents, type ExportEventType } from "@/db/schema";
import { callRoute, createTestUser, nextClientIp, type TestUser } from "../helpers/app";
import { exportJobsFixture } from "../helpers/export-jobs";

const jobs = exportJobsFixture();

type Stats = {
  from: string;
  to: string;
  tz: string;
  totals: { created: number; completed: number; failed: number; downloads: number };
  days: {
    date: string;
    created: number;
    completed: number;
    failed: number;
    downloads: number;
    downloads_by_channel: Record<string, number>;
  }[];
  downloads_by_format: Record<string, number>;
  downloads_by_channel: Record<string, number>;
  top_exports: { id: string; name: string; format: string; download_count: number }[];
};

async function stats(user: TestUser, query = ""): Promise<Stats> {
  const res = await callRoute("GET", `/api/exports/stats${query}`, { as: user });
  expect(res.status, await res.clone().text()).toBe(200);
  return res.json();
}

/** Writes events at chosen instants, as the audit trail would have them. */
async function addEvents(
  user: TestUser,
  events: { type: ExportEventType; at: string; data?: Record<string, unknown>; exportId?: string }[],
) {
  const db = await getDb();
  await db.insert(exportEvents).values(
    events.map((e) => ({
      exportId: e.exportId ?? randomUUID(),
      userId: user.id,
      type: e.type,
      data: e.data ?? {},
      createdAt: new Date(e.at),
    })),
  );
}

const utcToday = () => new Date().toISOString().slice(0, 10);
const shiftDay = (day: string, by: number) => new Date(Date.parse(`${day}T00:00:00Z`) + by * 86_400_000).toISOString().slice(0, 10);

describe("GET /api/exports/stats", () => {
  it("defaults to the 30 days ending today in UTC, every day listed with zeros", async () => {
    const user = await createTestUser();
    const s = await stats(user);
    expect(s).toMatchObject({ from: shiftDay(utcToday(), -29), to: utcToday(), tz: "UTC" });
    expect(s.days).toHaveLength(30);
    expect(s.days.map((d) => d.date)).toEqual(Array.from({ length: 30 }, (_, i) => shiftDay(utcToday(), i - 29)));
    for (const d of s.days) {
      expect(d).toEqual({
        date: d.date,
        created: 0,
        completed: 0,
        failed: 0,
        downloads: 0,
        downloads_by_channel: { dashboard: 0, api: 0, share: 0 },
      });
    }
    expect(s.totals).toEqual({ created: 0, completed: 0, failed: 0, downloads: 0 });
    // Every format is listed (the five of SPEC §1, and any format added since), all zero.
    expect(s.downloads_by_format).toMatchObject({ csv: 0, excel: 0, pdf: 0, json: 0, ost: 0 });
    expect(Object.values(s.downloads_by_format).every((n) => n === 0)).toBe(true);
    expect(s.downloads_by_channel).toEqual({ dashboard: 0, api: 0, share: 0 });
    expect(s.top_exports).toEqual([]);
  });

  it("buckets events into days of the asked time zone, across midnight and a DST change", async () => {
    const user = await createTestUser();
    await addEvents(user, [
      // 23:30 UTC on 10 March is 00:30 on 11 March in Paris (UTC+1) and 19:30 on 10 March in New York (UTC-4 after 8 March).
      { type: "created", at: "2026-03-10T23:30:00Z" },
      // 03:30 UTC on 11 March is still 10 March in New York (23:30), 11 March in UTC and Paris.
      { type: "completed", at: "2026-03-11T03:30:00Z" },
      // 8 March 2026, 07:30 UTC: New York has just moved from UTC-5 to UTC-4 (03:30 local).
      { type: "created", at: "2026-03-08T07:30:00Z" },
      { type: "failed", at: "2026-03-12T12:00:00Z" },
      // The first second of the range in Paris (23:00 UTC the day before) and the last one.
      { type: "created", at: "2026-03-09T23:00:00Z" },
      { type: "created", at: "2026-03-12T22:59:59Z" },
      // Just outside the Paris range on both sides.
      { type: "created", at: "2026-03-09T22:59:59Z" },
      { type: "created", at: "2026-03-12T23:00:00Z" },
    ]);
    const days = (s: Stats) => Object.fromEntries(s.days.map((d) => [d.date, [d.created, d.completed, d.failed]]));

    const utc = await stats(user, "?from=2026-03-10&to=2026-03-12&tz=UTC");
    expect(days(utc)).toEqual({ "2026-03-10": [1, 0, 0], "2026-03-11": [0, 1, 0], "2026-03-12": [2, 0, 1] });

    const paris = await stats(user, "?from=2026-03-10&to=2026-03-12&tz=Europe/Paris");
    expect(days(paris)).toEqual({ "2026-03-10": [1, 0, 0], "2026-03-11": [1, 1, 0], "2026-03-12": [1, 0, 1] });
    expect(paris.totals).toEqual({ created: 3, completed: 1, failed: 1, downloads: 0 });

    const ny = await stats(user, "?from=2026-03-08&to=2026-03-12&tz=america/new_york");
    expect(ny.tz).toBe("America/New_York");
    // 8 March 2026 is the day New York moves its clocks forward: still one day, still listed.
    expect(days(ny)).toEqual({
      "2026-03-08": [1, 0, 0],
      "2026-03-09": [2, 0, 0],
      "2026-03-10": [1, 1, 0],
      "2026-03-11": [0, 0, 0],
      "2026-03-12": [2, 0, 1],
    });
  });

  it("counts downloads by channel and format from real downloads; older events without a channel count in the totals only", async () => {
    const user = await createTestUser();
    const { exp } = await jobs.completedExport(user);
    const { exp: json } = await jobs.completedExport(user, { format: "json" });
    expect((await callRoute("GET", `/api/exports/${exp.id}/download`, { as: { cookie: user.cookie } })).status).toBe(302);
    expect((await callRoute("GET", `/api/exports/${exp.id}/download`, { as: { apiKey: user.apiKey } })).status).toBe(302);
    expect((await callRoute("GET", `/api/exports/${json.id}/download`, { as: { apiKey: user.apiKey } })).status).toBe(302);
    const link = await (await callRoute("POST", `/api/exports/${exp.id}/shares`, { as: user, body: {} })).json();
    const token = link.url.split("/s/")[1];
    expect((await callRoute("GET", `/s/${token}/download`, { headers: { "x-forwarded-for": nextClientIp() } })).status).toBe(302);
    // A download recorded before channels were (no via, no format): its format comes from its export.
    await addEvents(user, [{ type: "downloaded", at: new Date().toISOString(), exportId: json.id, data: { download_count: 9 } }]);

    const s = await stats(user);
    expect(s.totals).toMatchObject({ created: 2, completed: 2, downloads: 5 });
    expect(s.downloads_by_channel).toEqual({ dashboard: 1, api: 2, share: 1 });
    expect(s.downloads_by_format).toMatchObject({ csv: 3, excel: 0, pdf: 0, json: 2, ost: 0 });
    expect(Object.values(s.downloads_by_format).reduce((a, b) => a + b, 0)).toBe(5);
    const today = s.days[s.days.length - 1];
    expect(today).toMatchObject({ date: utcToday(), downloads: 5, downloads_by_channel: { dashboard: 1, api: 2, share: 1 } });
    expect(s.top_exports).toEqual([
      { id: exp.id, name: exp.name, format: "csv", download_count: 3 },
      { id: json.id, name: json.name, format: "json", download_count: 2 },
    ]);
  });

  it("keeps a deleted export's downloads (the audit trail outlives it) but lists only exports that still exist as top exports", async () => {
    const user = await createTestUser();
    const { exp } = await jobs.completedExport(user, { format: "ost" });
    expect((await callRoute("GET", `/api/exports/${exp.id}/download`, { as: { apiKey: user.apiKey } })).status).toBe(302);
    expect((await callRoute("DELETE", `/api/exports/${exp.id}`, { as: user })).status).toBe(204);
    // An old event of the deleted export: its format is read from the export's "created" event.
    await addEvents(user, [{ type: "downloaded", at: new Date().toISOString(), exportId: exp.id }]);
    const s = await stats(user);
    expect(s.totals.downloads).toBe(2);
    expect(s.downloads_by_format.ost).toBe(2);
    expect(s.downloads_by_channel).toEqual({ dashboard: 0, api: 1, share: 0 });
    expect(s.top_exports).toEqual([]);
  });

  it("lists at most 10 top exports, most downloaded first, with their downloads in the range", async () => {
    const user = await createTestUser();
    const made: { id: string; name: string }[] = [];
    for (let i = 0; i < 12; i++) made.push((await jobs.completedExport(user, { format: "csv", name: `Top ${i}` })).exp);
    // Export i is downloaded i + 1 times.
    for (const [i, exp] of made.entries()) {
      for (let n = 0; n <= i; n++) expect((await callRoute("GET", `/api/exports/${exp.id}/download`, { as: user })).status).toBe(302);
    }
    const s = await stats(user);
    expect(s.totals.downloads).toBe(78);
    expect(s.top_exports).toEqual(
      made
        .slice(2)
        .reverse()
        .map((e) => ({ id: e.id, name: e.name, format: "csv", download_count: made.indexOf(e) + 1 })),
    );
    // A range before today has none of them.
    expect((await stats(user, "?from=2026-01-01&to=2026-01-31")).top_exports).toEqual([]);
  });

  it("counts only the caller's own events", async () => {
    const owner = await createTestUser();
    const stranger = await createTestUser();
    const { exp } = await jobs.completedExport(owner);
    await callRoute("GET", `/api/exports/${exp.id}/download`, { as: owner });
    const s = await stats(stranger);
    expect(s.totals).toEqual({ created: 0, completed: 0, failed: 0, downloads: 0 });
    expect(s.top_exports).toEqual([]);
    expect((await stats(owner)).totals.downloads).toBe(1);
  });

  it("refuses bad ranges, dates, time zones and parameters with 422 and the parameter's path", async () => {
    const user = await createTestUser();
    const cases: [string, string][] = [
      ["?from=2026-03-10&to=2026-03-09", "from"],
      ["?from=2026-02-30&to=2026-03-09", "from"],
      ["?from=2026-3-1", "from"],
      ["?to=yesterday", "to"],
      ["?tz=Mars/Olympus_Mons", "tz"],
      ["?tz=", "tz"],
      ["?from=2025-01-01&to=2026-01-02", "from"],
      ["?days=7", ""],
    ];
    for (const [query, path] of cases) {
      const res = await callRoute("GET", `/api/exports/stats${query}`, { as: user });
      expect(res.status, query).toBe(422);
      const body = await res.json();
      expect(body.error.code).toBe("validation_failed");
      expect(body.error.details[0].path, query).toBe(path);
    }
    // 366 days (both ends included) is the most allowed.
    const year = await stats(user, "?from=2025-01-01&to=2026-01-01");
    expect(year.days).toHaveLength(366);
    // Only `to`: the 30 days ending then. Only `from`: up to today.
    expect((await stats(user, "?to=2026-01-31")).from).toBe("2026-01-02");
    expect((await stats(user, `?from=${shiftDay(utcToday(), -2)}`)).days).toHaveLength(3);
  });
});
