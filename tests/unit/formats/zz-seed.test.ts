import { test } from "vitest";
import { seedLargeProject } from "../../fixtures/formats-data";
import { getDbHandle } from "@/db";

test("seed", async () => {
  const h = await getDbHandle();
  let t0 = Date.now();
  await seedLargeProject(50000);
  console.log("plain", Date.now() - t0);
  await h.pglite!.exec("set session_replication_role = replica");
  t0 = Date.now();
  await seedLargeProject(50000);
  console.log("replica", Date.now() - t0);
  await h.pglite!.exec("set session_replication_role = default");
}, 600000);
