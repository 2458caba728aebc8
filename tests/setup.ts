// Each test file gets its own database connection; close it when the file ends.
import { afterAll } from "vitest";

afterAll(async () => {
  const { shutdownForTests } = await import("./helpers/app");
  await shutdownForTests();
});
