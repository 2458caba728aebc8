/**
 * GET /api/pages/{id}/takeoff.svg (SPEC §12.4): the SVG is well-formed (read
 * back by xmllint and the tests' strict XML reader), draws each condition in
 * its colour, escapes hostile text, filters by condition, and is scoped to
 * its owner like every other resource.
 */
import { execFileSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { specExampleProject } from "../fixtures/spec-example";
import { parseXml, type XmlNode } from "../fixtures/formats-xml";
import { readerAvailable } from "../helpers/file-readers";
import { getDb } from "@/db";
import { groupLabel, legendRows } from "@/lib/takeoff/map";
import { documentPageTotals } from "@/lib/takeoff/page-map";
import { callRoute, createTestProject, createTestUser, type TestUser } from "../helpers/app";

const hasXmllint = readerAvailable("xmllint", ["--version"]);
const HOSTILE_NAME = `<script>alert("pwned")</script> & 'Co' "quoted"`;
const HOSTILE_UNIT = `<b>&SF`;

const all = (node: XmlNode, name: string): XmlNode[] => [
  ...(node.name === name ? [node] : []),
  ...node.children.flatMap((c) => all(c, name)),
];
const conditionGroups = (svg: string) => all(parseXml(svg).root, "g").filter((g) => g.attrs["data-condition-id"]);
const url = (pageId: string, query = "") => `/api/pages/${pageId}/takeoff.svg${query}`;

let owner: TestUser;
let stranger: TestUser;
let project: Awaited<ReturnType<typeof createTestProject>>;
let page1: string;
let hostilePage: string;

beforeAll(async () => {
  owner = await createTestUser();
  stranger = await createTestUser();
  project = await createTestProject(owner);
  page1 = project.documents[0].pages[0].id;
  const body = specExampleProject();
  body.conditions[1].name = HOSTILE_NAME;
  body.conditions[1].unit = HOSTILE_UNIT;
  body.documents[0].pages[0].sheet_title = `Plan <&> "A"`;
  hostilePage = (await createTestProject(owner, body)).documents[0].pages[0].id;
});

describe("GET /api/pages/{id}/takeoff.svg", () => {
  it("answers a well-formed SVG with each condition in its colour, with a session and with an API key", async () => {
    for (const as of [{ cookie: owner.cookie }, { apiKey: owner.apiKey }]) {
      const res = await callRoute("GET", url(page1), { as });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("image/svg+xml; charset=utf-8");
      const svg = await res.text();
      if (hasXmllint) execFileSync("xmllint", ["--noout", "-"], { input: svg });
      const doc = parseXml(svg);
      expect(doc.root.name).toBe("svg");
      expect(doc.root.attrs.xmlns).toBe("http://www.w3.org/2000/svg");
      expect(all(doc.root, "title")[0].text).toBe("Takeoff map — Structural Set.pdf — S-001 Foundation Plan");
      const groups = conditionGroups(svg);
      expect(groups.map((g) => g.attrs["data-condition-id"])).toEqual(project.conditions.map((c) => c.id));
      const [slab, footing] = groups;
      expect(all(slab, "title")[0].text).toBe("Floor Slab — 1,000 SF (2 measurements)");
      // The polygon and the rectangle: one filled path, two subpaths.
      const slabPaths = all(slab, "path");
      expect(slabPaths).toHaveLength(1);
      expect(slabPaths[0].attrs.fill?.toUpperCase()).toBe("#3B82F6");
      expect(slabPaths[0].attrs["fill-opacity"]).toBe("0.25");
      expect(slabPaths[0].attrs.d.match(/M/g)).toHaveLength(2);
      const footingPaths = all(footing, "path");
      expect(footingPaths[0].attrs).toMatchObject({ fill: "none" });
      expect(footingPaths[0].attrs.stroke.toUpperCase()).toBe("#EF4444");
      expect(svg.toUpperCase()).toContain("#3B82F6");
      expect(svg.toUpperCase()).toContain("#EF4444");
    }
  });

  it("escapes hostile condition names, units and sheet titles", async () => {
    const res = await callRoute("GET", url(hostilePage), { as: owner });
    expect(res.status).toBe(200);
    const svg = await res.text();
    if (hasXmllint) execFileSync("xmllint", ["--noout", "-"], { input: svg });
    expect(svg).not.toContain("<script");
    expect(svg).not.toContain("<b>");
    expect(svg).toContain("&lt;script&gt;");
    const doc = parseXml(svg);
    const titles = all(doc.root, "title").map((t) => t.text);
    expect(titles[0]).toBe(`Takeoff map — Structural Set.pdf — S-001 Plan <&> "A"`);
    expect(titles).toContain(`${HOSTILE_NAME} — 40 ${HOSTILE_UNIT} (1 measurement)`);
    const legend = all(doc.root, "g").find((g) => g.attrs.id === "legend")!;
    const texts = all(legend, "text").map((t) => t.text + t.children.map((c) => c.text).join(""));
    expect(texts).toContain(`${HOSTILE_NAME} — 40 ${HOSTILE_UNIT} · 1 measurement`);
  });

  it("?conditions= keeps only those conditions; ids not on the page draw an empty map", async () => {
    const [slab, footing] = project.conditions;
    const only = await (await callRoute("GET", url(page1, `?conditions=${footing.id}`), { as: owner })).text();
    expect(conditionGroups(only).map((g) => g.attrs["data-condition-id"])).toEqual([footing.id]);
    expect(only.toUpperCase()).not.toContain("#3B82F6");

    const both = await (await callRoute("GET", url(page1, `?conditions=${footing.id},${slab.id.toUpperCase()}`), { as: owner })).text();
    expect(conditionGroups(both)).toHaveLength(2);

    const unknown = await callRoute("GET", url(page1, `?conditions=${crypto.randomUUID()}`), { as: owner });
    expect(unknown.status).toBe(200);
    const empty = parseXml(await unknown.text());
    expect(conditionGroups(await (await callRoute("GET", url(page1, `?conditions=${crypto.randomUUID()}`), { as: owner })).text())).toEqual(
      [],
    );
    expect(all(empty.root, "text").map((t) => t.text)).toEqual(["No measurements on this page"]);
  });

  it("?legend=false leaves the legend out", async () => {
    const svg = await (await callRoute("GET", url(page1, "?legend=false"), { as: owner })).text();
    expect(svg).not.toContain('id="legend"');
    expect(conditionGroups(svg)).toHaveLength(2);
  });

  it("a malformed conditions list, an empty one or an unknown parameter is 422", async () => {
    for (const query of ["?conditions=nope", "?conditions=", `?conditions=${project.conditions[0].id},1`, "?colour=red", "?legend=maybe"]) {
      const res = await callRoute("GET", url(page1, query), { as: owner });
      expect(res.status, query).toBe(422);
      const body = await res.json();
      expect(body.success).toBe(false);
      expect(body.error.code).toBe("validation_failed");
    }
  });

  it("another user's page, a missing page and a malformed id are 404 in the error shape", async () => {
    for (const [as, id] of [
      [stranger, page1],
      [{ apiKey: stranger.apiKey }, page1],
      [owner, crypto.randomUUID()],
      [owner, "not-a-uuid"],
    ] as const) {
      const res = await callRoute("GET", url(id), { as });
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toContain("application/json");
      expect(await res.json()).toEqual({ success: false, error: { code: "not_found", message: "Page not found" } });
    }
  });

  it("401 without credentials", async () => {
    const res = await callRoute("GET", url(page1));
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe("unauthorized");
  });

  it("is private and revalidated: an unchanged map is 304 for its ETag", async () => {
    const res = await callRoute("GET", url(page1), { as: owner });
    expect(res.headers.get("cache-control")).toBe("private, no-cache");
    expect(res.headers.get("vary")).toContain("Cookie");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const etag = res.headers.get("etag")!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await callRoute("GET", url(page1), { as: owner, headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    const filtered = await callRoute("GET", url(page1, "?legend=false"), { as: owner, headers: { "if-none-match": etag } });
    expect(filtered.status).toBe(200);
  });

  it("the dashboard's per-page legends (one grouped query) agree with the SVG, and are the owner's only", async () => {
    const documentId = project.documents[0].id;
    const totals = await documentPageTotals(await getDb(), { userId: owner.id, documentId });
    const conditions = project.conditions.map((c, i) => ({
      id: c.id,
      name: c.name,
      color: ["#3B82F6", "#EF4444"][i],
      unit: ["SF", "LF"][i],
    }));
    for (const p of project.documents[0].pages) {
      const rows = legendRows(conditions, totals.get(p.id) ?? new Map());
      const svg = await (await callRoute("GET", url(p.id), { as: owner })).text();
      const titles = conditionGroups(svg).map((g) => all(g, "title")[0].text);
      expect(titles).toEqual(rows.map(groupLabel));
    }
    expect((await documentPageTotals(await getDb(), { userId: stranger.id, documentId })).size).toBe(0);
  });
});
