import { test } from "vitest";
import { seedLargeProject } from "../../fixtures/formats-data";

test("seed", async () => {
  let t0 = Date.now();
  await seedLargeProject(5000);
  console.log("warm", Date.now() - t0);
  t0 = Date.now();
  await seedLargeProject(100000, { conditionCount: 10, pageCount: 40 });
  console.log("100k", Date.now() - t0);
}, 600000);
