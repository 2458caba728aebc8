// generate-export on the real pipeline and database: exports requested through the API run through the Inngest steps, and retries, user errors, onFailure and cancellation leave the right row.
import { InngestTestEngine, mockCtx } from "@inngest/test";
import Papa from "papaparse";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { generateExport, markFailedFromEvent, type GenerateExportOutcome } from "@/inngest/functions/generate-export";
import { userError } from "@/lib/exports/errors";
import * as pipeline from "@/lib/exports/pipeline";
import { callRoute, createTestProject, createTestUser, type TestUser } from "../helpers/app";

// The runner only records what would be sent to Inngest: the tests drive the function themselves.
const runner = vi.hoisted(() => {
  type Job = { id: string; userId: string };
  return {
    kind: "inngest" as const,
    enqueue: vi.fn<(job: Job) => Promise<void>>(async () => {}),
    cancel: vi.fn<(job: Job) => Promise<void>>(async () => {}),
    stop: vi.fn(async () => {}),
  };
});
vi.mock("@/lib/exports/runner", () => ({ getRunner: () => runner, startRunner: async () => {}, InlineRunner: class {} }));

// The real stages, with render-and-upload wrapped so a test can make one attempt fail.
vi.mock("@/lib/exports/pipeline", async (importOriginal) => {
  const real = await importOriginal<typeof import("@/lib/exports/pipeline")>();
  return { ...real, renderAndUpload: vi.fn(real.renderAndUpload) };
});
const renderAndUpload = vi.mocked(pipeline.renderAndUpload);

type Replayed = { id: string; handler: () => unknown }[];

/**
 * A fresh engine per run. `replay` stands for steps Inngest already
 * completed. `attempts` is ctx.attempt for each execution in turn (one step
 * runs per execution): Inngest resets the attempt when a step completes,
 * @inngest/test always says 0. Only execute() is used here: executeStep()
 * runs the earlier steps a second time, which the real stages would notice.
 */
function engine(exportId: string, userId: string, opts: { replay?: Replayed; attempts?: number[] } = {}) {
  const attempts = [...(opts.attempts ?? [])];
  return new InngestTestEngine({
    function: generateExport,
    events: [{ name: "exports/export.requested", id: exportId, data: { exportId, userId } }],
    // a copy: @inngest/test appends each completed step to the array it is given
    ...(opts.replay ? { steps: [...opts.replay] } : {}),
    transformCtx: (ctx) => ({ ...mockCtx(ctx), attempt: attempts.shift() ?? 0, maxAttempts: 3 }),
  });
}

/** The start step as Inngest would have run it: the real stage, then its output replayed. */
async function startStep(exportId: string): Promise<Replayed> {
  expect(await pipeline.start(exportId)).toBe(true);
  return [{ id: "start", handler: () => true }];
}

const startDone: Replayed = [{ id: "start", handler: () => true }];

async function requestCsvExport(user: TestUser): Promise<string> {
  const project = await createTestProject(user);
  const res = await callRoute("POST", `/api/documents/${project.documents[0].id}/export`, { as: user, body: { format: "csv" } });
  expect(res.status).toBe(202);
  return ((await res.json()) as { export_id: string }).export_id;
}

async function readExport(user: TestUser, id: string) {
  return (await callRoute("GET", `/api/exports/${id}`, { as: user })).json();
}

async function eventTypes(user: TestUser, id: string): Promise<string[]> {
  const { events } = (await (await callRoute("GET", `/api/exports/${id}/events`, { as: user })).json()) as { events: { type: string }[] };
  return events.map((e) => e.type);
}

const failureEvent = (exportId: string, userId: string) => ({
  data: {
    function_id: "takeoff-exports-generate-export",
    run_id: "01J00000000000000000000000",
    error: { name: "Error", message: "connect ECONNREFUSED 127.0.0.1:5432" },
    event: { name: "exports/export.requested", data: { exportId, userId } },
  },
});

beforeEach(() => {
  renderAndUpload.mockClear();
  runner.enqueue.mockClear();
  runner.cancel.mockClear();
});

describe("generate-export on the real pipeline", () => {
  it("runs a CSV export requested through the API to completed, once", async () => {
    const user = await createTestUser();
    const id = await requestCsvExport(user);
    expect(runner.enqueue).toHaveBeenCalledWith(expect.objectContaining({ id, userId: user.id }));

    const { result, error } = await engine(id, user.id).execute();
    expect(error).toBeUndefined();
    expect(result).toEqual({ exportId: id, outcome: "completed" satisfies GenerateExportOutcome });

    const done = await readExport(user, id);
    expect(done).toMatchObject({ status: "completed", progress: 100, attempts: 1, records_count: 5, error_message: null });
    const download = await callRoute("GET", `/api/exports/${id}/download`, { as: user });
    expect(download.status).toBe(302);
    const location = new URL(download.headers.get("location")!);
    const file = await callRoute("GET", `${location.pathname}${location.search}`);
    const rows = Papa.parse<string[]>((await file.text()).replace(/^\uFEFF/, ""), { skipEmptyLines: true }).data;
    expect(rows).toHaveLength(6); // header + 5 measurements

    // A second delivery of the event finds the export terminal and does nothing.
    const again = await engine(id, user.id).execute();
    expect(again.result).toEqual({ exportId: id, outcome: "skipped" });
    expect(await readExport(user, id)).toMatchObject({ status: "completed", attempts: 1 });
  });

  it("leaves a system error waiting to retry; the retry claims the export again (attempts 2) and completes", async () => {
    const user = await createTestUser();
    const id = await requestCsvExport(user);
    renderAndUpload.mockRejectedValueOnce(new Error("read ECONNRESET"));

    const first = await engine(id, user.id).execute();
    expect(first.error).toMatchObject({ name: "Error", message: "read ECONNRESET" });
    expect(await readExport(user, id)).toMatchObject({
      status: "pending",
      progress_step: "Waiting to retry",
      error_kind: "system",
      attempts: 1,
    });

    // Inngest retries only the failed step (attempt 1; start is replayed), then runs finish at attempt 0.
    const { result, error } = await engine(id, user.id, { replay: startDone, attempts: [1] }).execute();
    expect(error).toBeUndefined();
    expect(result).toEqual({ exportId: id, outcome: "completed" });
    expect(renderAndUpload).toHaveBeenCalledTimes(2);
    expect(await readExport(user, id)).toMatchObject({ status: "completed", attempts: 2, error_message: null, error_kind: null });
    expect(await eventTypes(user, id)).toEqual(expect.arrayContaining(["started", "retried", "completed"]));
  });

  it("fails a system error after its third attempt with a readable message", async () => {
    const user = await createTestUser();
    const id = await requestCsvExport(user);
    const outage = new Error("read ECONNRESET");
    renderAndUpload.mockRejectedValueOnce(outage).mockRejectedValueOnce(outage).mockRejectedValueOnce(outage);

    await engine(id, user.id).execute();
    const second = await engine(id, user.id, { replay: startDone, attempts: [1] }).execute();
    expect(second.error).toMatchObject({ name: "Error" }); // still retriable
    const last = await engine(id, user.id, { replay: startDone, attempts: [2] }).execute();

    expect(last.error).toMatchObject({ name: "NonRetriableError", message: "The export could not be generated: read ECONNRESET" });
    expect(renderAndUpload).toHaveBeenCalledTimes(3);
    expect(await readExport(user, id)).toMatchObject({
      status: "failed",
      progress_step: "Failed",
      error_kind: "system",
      error_message: "The export could not be generated: read ECONNRESET",
      attempts: 3,
    });
  });

  it("fails a user error at once without a retry, and onFailure keeps its message", async () => {
    const user = await createTestUser();
    const id = await requestCsvExport(user);
    renderAndUpload.mockRejectedValueOnce(userError("The document of this export was deleted."));

    const { error } = await engine(id, user.id).execute();
    expect(error).toMatchObject({ name: "NonRetriableError", message: "The document of this export was deleted." });
    const failed = await readExport(user, id);
    expect(failed).toMatchObject({
      status: "failed",
      error_kind: "user",
      error_message: "The document of this export was deleted.",
      attempts: 1,
    });

    // Inngest then calls onFailure with the final error: the recorded failure stands.
    await markFailedFromEvent({ event: failureEvent(id, user.id), error: new Error("The document of this export was deleted.") });
    expect(await readExport(user, id)).toMatchObject({ status: "failed", error_kind: "user", error_message: failed.error_message });
  });

  it("onFailure marks an export failed with a readable message when a step ran out of retries", async () => {
    const user = await createTestUser();
    const id = await requestCsvExport(user);
    await startStep(id); // claimed, then e.g. finish kept failing until Inngest gave up

    await markFailedFromEvent({
      event: failureEvent(id, user.id),
      error: new Error("connect ECONNREFUSED 127.0.0.1:5432\n    at TCPConnectWrap"),
    });

    expect(await readExport(user, id)).toMatchObject({
      status: "failed",
      error_kind: "system",
      error_message: "The export could not be generated: connect ECONNREFUSED 127.0.0.1:5432",
      progress_step: "Failed",
    });
    expect(await eventTypes(user, id)).toContain("failed");
  });

  it("ends quietly when the export is cancelled after it started", async () => {
    const user = await createTestUser();
    const id = await requestCsvExport(user);
    const replay = await startStep(id);

    const cancel = await callRoute("POST", `/api/exports/${id}/cancel`, { as: user });
    expect(cancel.status).toBe(200);
    expect(runner.cancel).toHaveBeenCalledWith(expect.objectContaining({ id, userId: user.id }));

    const { result, error } = await engine(id, user.id, { replay }).execute();
    expect(error).toBeUndefined();
    expect(result).toEqual({ exportId: id, outcome: "cancelled" });
    expect(await readExport(user, id)).toMatchObject({ status: "cancelled", file_size: null });
  });
});
