// generate-export wiring under @inngest/test: step order, step outputs, and the retry / failure policy per error kind.
import { InngestTestEngine, mockCtx } from "@inngest/test";
import { StepOpCode } from "inngest/types";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { generateExport, markFailedFromEvent } from "@/inngest/functions/generate-export";
import { ExportJobError } from "@/lib/exports/errors";
import { ExportCancelledError } from "@/lib/exports/formats/types";
import * as pipeline from "@/lib/exports/pipeline";
import type { StoredFile } from "@/lib/exports/pipeline";

// The stages are mocked here: this file specifies the function's wiring; the
// real stages run against a database in tests/integration/inngest-generate-export.test.ts.
vi.mock("@/lib/exports/pipeline", () => ({
  start: vi.fn(),
  renderAndUpload: vi.fn(),
  finish: vi.fn(),
  fail: vi.fn(),
  sweepStalled: vi.fn(),
  cleanupExpired: vi.fn(),
}));
const stages = vi.mocked(pipeline);

const EXPORT_ID = "0b5e2c4e-4f7c-4d7e-9a51-6a0f4f2f1a11";
const USER_ID = "user-1";
const FILE: StoredFile = {
  fileKey: `exports/project-1/${EXPORT_ID}.csv`,
  fileName: "Structural-Set-export.csv",
  fileSize: 1234,
  checksumSha256: "a".repeat(64),
  contentType: "text/csv; charset=utf-8",
  records: 5,
  rowsTotal: 5,
  warnings: [],
};

type Replayed = { id: string; handler: () => unknown }[];

/**
 * A fresh engine per test: @inngest/test memoises step results inside an
 * engine. `replay` stands for steps Inngest already completed; `attempt` is
 * the attempt of the step being run (a retry when > 0).
 *
 * executeStep() re-runs the steps before its target in a second pass, so the
 * tests that use it replay those steps instead of running the mocks twice.
 */
function engine({ replay, attempt }: { replay?: Replayed; attempt?: number } = {}) {
  return new InngestTestEngine({
    function: generateExport,
    events: [{ name: "exports/export.requested", data: { exportId: EXPORT_ID, userId: USER_ID } }],
    // a copy: @inngest/test appends each completed step to the array it is given
    ...(replay ? { steps: [...replay] } : {}),
    ...(attempt ? { transformCtx: (ctx) => ({ ...mockCtx(ctx), attempt, maxAttempts: 3 }) } : {}),
  });
}

const started: Replayed = [{ id: "start", handler: () => true }];
const rendered: Replayed = [...started, { id: "render-and-upload", handler: () => FILE }];

beforeEach(() => {
  vi.resetAllMocks();
  stages.start.mockResolvedValue(true);
  stages.renderAndUpload.mockResolvedValue(FILE);
  stages.finish.mockResolvedValue(true);
  stages.fail.mockResolvedValue();
});

describe("generate-export", () => {
  it("runs start → render-and-upload → finish as steps and completes", async () => {
    const { result, ctx, state } = await engine().execute();

    expect(result).toEqual({ exportId: EXPORT_ID, outcome: "completed" });
    expect(ctx.step.run.mock.calls.map((c) => c[0])).toEqual(["start", "render-and-upload", "finish"]);
    expect(stages.start).toHaveBeenCalledTimes(1);
    expect(stages.start).toHaveBeenCalledWith(EXPORT_ID);
    expect(stages.renderAndUpload).toHaveBeenCalledWith(EXPORT_ID);
    expect(stages.finish).toHaveBeenCalledWith(EXPORT_ID, FILE);
    expect(stages.fail).not.toHaveBeenCalled();
    // state is keyed by hashed step id: one output per step, in order
    expect(await Promise.all(Object.values(state))).toEqual([true, FILE, true]);
  });

  it("passes keys, sizes and counts between steps, never file bytes", async () => {
    const { result } = await engine({ replay: started }).executeStep("render-and-upload");
    expect(result).toEqual(FILE);
    expect(Object.values(result as object).some((v) => v instanceof Uint8Array || v instanceof ArrayBuffer)).toBe(false);
    expect(JSON.stringify(result).length).toBeLessThan(1_000);
  });

  it("returns after start when the export is already claimed or terminal", async () => {
    stages.start.mockResolvedValue(false);
    const { result, ctx } = await engine().execute();

    expect(result).toEqual({ exportId: EXPORT_ID, outcome: "skipped" });
    expect(ctx.step.run.mock.calls.map((c) => c[0])).toEqual(["start"]);
    expect(stages.renderAndUpload).not.toHaveBeenCalled();
    expect(stages.finish).not.toHaveBeenCalled();
  });

  it("fails a user error at once: recorded as final and not retried (NonRetriableError)", async () => {
    const err = new ExportJobError("user", "PDF exports are limited to 10 measurements; this source has 12.");
    stages.renderAndUpload.mockRejectedValue(err);

    const { step, error } = await engine({ replay: started }).executeStep("render-and-upload");

    expect(step.op).toBe(StepOpCode.StepFailed);
    expect(error).toMatchObject({ name: "NonRetriableError", message: err.message });
    expect(stages.fail).toHaveBeenCalledExactlyOnceWith(EXPORT_ID, err, { final: true });
  });

  it("rethrows a system error so Inngest retries it, leaving the export waiting to retry", async () => {
    const err = new Error("connect ECONNREFUSED 10.0.0.5:5432");
    stages.renderAndUpload.mockRejectedValue(err);

    const { step, error } = await engine({ replay: started }).executeStep("render-and-upload");

    expect(step.op).toBe(StepOpCode.StepError);
    expect(error).toMatchObject({ name: "Error", message: err.message });
    expect(stages.fail).toHaveBeenCalledExactlyOnceWith(EXPORT_ID, err, { final: false });
  });

  it("re-claims the export on a retry, so each Inngest attempt counts in attempts", async () => {
    const { result } = await engine({ replay: started, attempt: 1 }).executeStep("render-and-upload");

    expect(result).toEqual(FILE);
    // the start step is replayed; start() runs once more to re-claim the export before rendering again
    expect(stages.start).toHaveBeenCalledExactlyOnceWith(EXPORT_ID);
    expect(stages.start.mock.invocationCallOrder[0]).toBeLessThan(stages.renderAndUpload.mock.invocationCallOrder[0]);
  });

  it("steps aside on a retry when the export can no longer be claimed (cancelled or taken over)", async () => {
    stages.start.mockResolvedValue(false);
    const { result, ctx } = await engine({ replay: started, attempt: 1 }).execute();

    expect(result).toEqual({ exportId: EXPORT_ID, outcome: "cancelled" });
    expect(stages.renderAndUpload).not.toHaveBeenCalled();
    expect(ctx.step.run.mock.calls.map((c) => c[0])).toEqual(["start", "render-and-upload"]);
  });

  it("marks the export failed on the last attempt of a system error", async () => {
    const err = new Error("socket hang up");
    stages.renderAndUpload.mockRejectedValue(err);

    const { step } = await engine({ replay: started, attempt: 2 }).executeStep("render-and-upload");

    expect(step.op).toBe(StepOpCode.StepFailed);
    expect(stages.fail).toHaveBeenCalledExactlyOnceWith(EXPORT_ID, err, { final: true });
  });

  it("ends quietly when the export is cancelled mid-render", async () => {
    stages.renderAndUpload.mockRejectedValue(new ExportCancelledError());
    const { result, error } = await engine().execute();

    expect(error).toBeUndefined();
    expect(result).toEqual({ exportId: EXPORT_ID, outcome: "cancelled" });
    expect(stages.finish).not.toHaveBeenCalled();
    expect(stages.fail).not.toHaveBeenCalled();
  });

  it("ends quietly when finish finds the export cancelled meanwhile", async () => {
    stages.finish.mockResolvedValue(false);
    const { result } = await engine().execute();
    expect(result).toEqual({ exportId: EXPORT_ID, outcome: "cancelled" });
  });

  it("applies the same policy to a failing finish step", async () => {
    const err = new ExportJobError("system", "The stored file does not match what was written (expected 1234 bytes, found no file).");
    stages.finish.mockRejectedValue(err);

    const { step } = await engine({ replay: rendered }).executeStep("finish");

    expect(step.op).toBe(StepOpCode.StepError);
    expect(stages.fail).toHaveBeenCalledExactlyOnceWith(EXPORT_ID, err, { final: false });
  });
});

describe("generate-export configuration", () => {
  it("is keyed by user for concurrency, cancelled by exportId and retried 2 times (3 attempts)", () => {
    const [config] = generateExport["getConfig"]({ baseUrl: new URL("http://localhost:3000/api/inngest"), appPrefix: "takeoff-exports" });
    expect(config).toMatchObject({
      id: "takeoff-exports-generate-export",
      triggers: [{ event: "exports/export.requested" }],
      concurrency: [{ key: "event.data.userId", limit: 2 }],
      cancel: [{ event: "exports/export.cancelled", if: "event.data.exportId == async.data.exportId" }],
    });
    expect(config.steps.step.retries).toEqual({ attempts: 2 });
  });
});

describe("generate-export onFailure", () => {
  const failureEvent = (data: Record<string, unknown>) => ({
    data: {
      function_id: "takeoff-exports-generate-export",
      run_id: "01J0000000000000000000000",
      error: { name: "Error", message: "connect ECONNREFUSED" },
      event: { name: "exports/export.requested", data },
    },
  });

  it("marks the export failed, final, with the error that exhausted the retries", async () => {
    const error = new Error("connect ECONNREFUSED");
    await markFailedFromEvent({ event: failureEvent({ exportId: EXPORT_ID, userId: USER_ID }), error });
    expect(stages.fail).toHaveBeenCalledExactlyOnceWith(EXPORT_ID, error, { final: true });
  });

  it("ignores a failure event without an export id", async () => {
    await markFailedFromEvent({ event: failureEvent({}), error: new Error("bad event") });
    expect(stages.fail).not.toHaveBeenCalled();
  });
});
