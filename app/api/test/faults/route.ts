import { z } from "zod";
import { AppError } from "@/lib/api/errors";
import { json, withPublic } from "@/lib/api/handler";
import { readJson } from "@/lib/api/request";
import { currentFaults, faultsAvailable, setFaults } from "@/lib/storage/faults";

const FaultsSchema = z.strictObject({ storage_upload: z.boolean().optional(), storage_delete: z.boolean().optional() });

function assertAvailable() {
  if (!faultsAvailable()) throw new AppError("not_found", "Not found");
}

// GET /api/test/faults – the test-only fault switch (404 unless TEST_FAULTS=1 in the embedded mode)
export const GET = withPublic(async () => {
  assertAvailable();
  return json(currentFaults());
});

// POST /api/test/faults – turn simulated storage failures on or off (tests only)
export const POST = withPublic(async ({ req }) => {
  assertAvailable();
  return json(setFaults(await readJson(req, FaultsSchema)));
});
