// SPEC §12.4 through the API: the PDF's takeoff_maps option and its PDF_MAX_MAP_PAGES cap at creation.
import { beforeAll, describe, expect, it } from "vitest";
import { specExampleProject } from "../fixtures/spec-example";
import { patchEnv } from "../helpers/export-jobs";
import { callRoute, createTestProject, createTestUser, type TestUser } from "../helpers/app";

type ErrorBody = { success: false; error: { code: string; message: string; details: { path: string; message: string }[] } };

describe("PDF takeoff maps through the API", () => {
  let user: TestUser;
  let project: Awaited<ReturnType<typeof createTestProject>>;
  let documentId: string;
  beforeAll(async () => {
    user = await createTestUser();
    project = await createTestProject(user, specExampleProject());
    // Structural Set.pdf: measurements on pages 1 and 2 (page 2's slab is not verified).
    documentId = project.documents[0].id;
  });

  /** Accepted: 202, or 200 when an identical export is already in flight. */
  const accepted = async (res: Response) => expect([200, 202]).toContain(res.status);
  const post = (options: Record<string, unknown>, format = "pdf") =>
    callRoute("POST", `/api/documents/${documentId}/export`, { as: user, body: { format, options, name: `maps ${Math.random()}` } });

  it("refuses more map pages than PDF_MAX_MAP_PAGES with 422, saying how many it would draw", async () => {
    const restore = patchEnv({ PDF_MAX_MAP_PAGES: 1 });
    try {
      const res = await post({ takeoff_maps: true });
      expect(res.status).toBe(422);
      const body = (await res.json()) as ErrorBody;
      expect(body.error.code).toBe("validation_failed");
      expect(body.error.message).toContain("limited to 1 page");
      expect(body.error.message).toContain("would draw 2");
      expect(body.error.details).toEqual([{ path: "options.takeoff_maps", message: "over the PDF map page cap" }]);
    } finally {
      restore();
    }
  });

  it("counts pages after filters, and only when maps are asked for", async () => {
    const restore = patchEnv({ PDF_MAX_MAP_PAGES: 1 });
    try {
      await accepted(await post({ takeoff_maps: false }));
      await accepted(await post({}));
      const slab = project.conditions.find((c: { ref: string }) => c.ref === "slab")!.id;
      // Slab alone is on both pages; verified slab only on page 1.
      expect((await post({ takeoff_maps: true, condition_ids: [slab] })).status).toBe(422);
      await accepted(await post({ takeoff_maps: true, condition_ids: [slab], include_unverified: false }));
    } finally {
      restore();
    }
  });

  it("accepts the export at the cap, and refuses a non-boolean option", async () => {
    const restore = patchEnv({ PDF_MAX_MAP_PAGES: 2 });
    try {
      await accepted(await post({ takeoff_maps: true }));
    } finally {
      restore();
    }
    const bad = await post({ takeoff_maps: "yes" });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as ErrorBody).error.details.map((d) => d.path)).toContain("options.takeoff_maps");
    // Not an option of the other formats.
    expect((await post({ takeoff_maps: true }, "csv")).status).toBe(422);
  });
});
