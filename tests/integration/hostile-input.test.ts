/**
 * Hostile input: property-based tests over the project import, export
 * creation bodies and list query strings — every input gets a 2xx or a 4xx
 * with the SPEC error shape (callRoute also checks the body against the
 * OpenAPI document), never a 500, and nothing is half-written.
 */
import fc from "fast-check";
import { count, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { exports, projects } from "@/db/schema";
import { specExampleProject } from "../fixtures/spec-example";
import { callRoute, createTestProject, createTestUser, type TestUser } from "../helpers/app";

/** Cases per property; FC_RUNS=4000 for a deeper search before a release. */
const RUNS = Number(process.env.FC_RUNS ?? 40);

async function countOf(table: typeof projects | typeof exports, userId: string) {
  const db = await getDb();
  const [{ n }] = await db.select({ n: count() }).from(table).where(eq(table.userId, userId));
  return n;
}

function expectClientOrSuccess(res: Response) {
  expect(res.status, `status ${res.status}`).toBeLessThan(500);
}

async function expectErrorShape(res: Response) {
  const body = await res.json();
  expect(body.success).toBe(false);
  expect(typeof body.error.code).toBe("string");
  expect(typeof body.error.message).toBe("string");
}

/** A valid body with one field replaced by an arbitrary value at a random path. */
const mutatedImport = fc
  .tuple(
    fc.constantFrom(
      ["name"],
      ["client_name"],
      ["conditions", 0, "measurement_type"],
      ["conditions", 0, "color"],
      ["conditions", 0, "costs", "total_cost"],
      ["conditions", 1, "ref"],
      ["documents", 0, "name"],
      ["documents", 0, "pages", 0, "page_number"],
      ["documents", 0, "pages", 0, "measurements", 0, "geometry"],
      ["documents", 0, "pages", 0, "measurements", 0, "geometry_type"],
      ["documents", 0, "pages", 0, "measurements", 0, "quantity"],
      ["documents", 0, "pages", 1, "measurements", 1, "geometry", "points", 0, "x"],
      ["documents", 0, "pages", 1, "measurements", 0, "condition"],
    ),
    fc.oneof(
      fc.jsonValue(),
      fc.string({ maxLength: 50 }),
      fc.constantFrom("NaN", "Infinity", "-Infinity", "1e400", "\u0000", "=cmd|' /C calc'!A0"),
    ),
  )
  .map(([path, value]) => {
    const body = specExampleProject() as Record<string, unknown>;
    let node = body as Record<string | number, unknown>;
    for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
    node[path[path.length - 1]] = value;
    return body;
  });

let user: TestUser;
let project: Awaited<ReturnType<typeof createTestProject>>;

beforeAll(async () => {
  user = await createTestUser();
  project = await createTestProject(user);
});

describe("project import under hostile input", () => {
  it("answers any JSON value with 201 or a 4xx, and writes nothing unless it answers 201", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue(), mutatedImport), async (body) => {
        const before = await countOf(projects, user.id);
        const res = await callRoute("POST", "/api/projects", { as: user, body });
        expectClientOrSuccess(res);
        const after = await countOf(projects, user.id);
        if (res.status === 201) expect(after).toBe(before + 1);
        else {
          await expectErrorShape(res);
          expect(after).toBe(before);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("refuses raw bytes that are not a JSON object: garbage, invalid UTF-8, deep nesting, NaN", async () => {
    const bodies: (string | Uint8Array<ArrayBuffer>)[] = [
      "",
      "null",
      "[]",
      '{"name": NaN}',
      '{"name": Infinity}',
      "[".repeat(100_000) + "]".repeat(100_000),
      '{"a":'.repeat(50_000) + "1" + "}".repeat(50_000),
      new Uint8Array([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]),
      "\uFEFF{}",
    ];
    for (const rawBody of bodies) {
      const res = await callRoute("POST", "/api/projects", { as: user, rawBody, headers: { "content-type": "application/json" } });
      expect([400, 422]).toContain(res.status);
      await expectErrorShape(res);
    }
    const huge = await callRoute("POST", "/api/projects", { as: user, body: { ...specExampleProject(), name: "x".repeat(2_000_000) } });
    expect(huge.status).toBe(422);
  });
});

describe("export creation under hostile input", () => {
  const formats = fc.oneof(
    fc.constantFrom("csv", "excel", "xlsx", "pdf", "json", "ost", "CSV", " csv ", "docx", "", "__proto__", "constructor", "toString"),
    fc.string({ maxLength: 20 }),
    fc.jsonValue(),
  );
  const options = fc.oneof(
    fc.constant(undefined),
    fc.dictionary(
      fc.constantFrom(
        "include_unverified",
        "include_costs",
        "condition_ids",
        "timezone",
        "bom",
        "delimiter",
        "page_size",
        "orientation",
        "pretty",
        "colour",
        "__proto__",
        "constructor",
      ),
      fc.oneof(
        fc.jsonValue(),
        fc.constantFrom("Europe/Paris", "Mars/Olympus", "tab", ";", "a4", [], ["not-a-uuid"], ["00000000-0000-4000-8000-000000000000"]),
      ),
      { maxKeys: 4 },
    ),
    fc.jsonValue(),
  );
  const names = fc.oneof(
    fc.constant(undefined),
    fc.string({ maxLength: 250 }),
    fc.constantFrom(
      "x\r\nSet-Cookie: a=b",
      'a"; filename="evil.exe',
      "../../etc/passwd",
      "<script>alert(1)</script>",
      "Plan d'étage – Ω 平面図",
      "\u0000",
    ),
  );

  it("answers every body with 202/200 or a 4xx, and creates an export only when it says so", async () => {
    await fc.assert(
      fc.asyncProperty(fc.record({ format: formats, options, name: names }, { requiredKeys: [] }), fc.boolean(), async (body, generic) => {
        const before = await countOf(exports, user.id);
        const res = generic
          ? await callRoute("POST", "/api/exports", { as: user, body: { source: { type: "project", id: project.id }, ...body } })
          : await callRoute("POST", `/api/documents/${project.documents[0].id}/export`, { as: user, body });
        expectClientOrSuccess(res);
        const after = await countOf(exports, user.id);
        if (res.status === 202) expect(after).toBe(before + 1);
        else {
          expect(after).toBe(before);
          if (res.status !== 200) await expectErrorShape(res);
        }
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it("answers any list query string with 200 or 422", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc.constantFrom("status", "format", "type", "project_id", "document_id", "q", "limit", "cursor", "x"),
          fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom("0", "101", "-1", "1e3", "%", "\\", "_", "completed", "xlsx")),
        ),
        async (query) => {
          const qs = new URLSearchParams(query).toString();
          const res = await callRoute("GET", `/api/exports?${qs}`, { as: user });
          expect([200, 422]).toContain(res.status);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
