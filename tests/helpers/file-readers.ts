/**
 * The independent readers that check exported files (poppler, libxml2's
 * xmllint, openpyxl). On a developer machine without one, its tests are
 * skipped; in CI (CI=true) they run anyway and fail, so a missing reader is
 * never a silent pass. .ci/run installs them all.
 */
import { spawnSync } from "node:child_process";

/** Whether `command args…` runs; always true in CI, so the tests that need it run and fail loudly. */
export function readerAvailable(command: string, args: string[]): boolean {
  if (process.env.CI === "true") return true;
  const result = spawnSync(command, args, { stdio: "ignore" });
  return result.status === 0;
}
