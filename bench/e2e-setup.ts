/**
 * Prepares a database for the end-to-end part (bench/e2e.ts) before the app
 * is started on it (PGlite allows one process per directory): a user created
 * through better-auth with an API key, one project per size of 5 documents ×
 * 40 pages, 20 conditions and every geometry type (scripts/seed.ts), and a
 * 1,000-measurement project for the warm-up exports.
 *
 * Run by bench/e2e.ts with the database in the environment and one argument,
 * an E2eSetupTask as JSON. Prints one line: BENCH_RESULT {json}.
 */
import { ensureUser, seedProject } from "../scripts/seed";

export type E2eSetupTask = { sizes: number[]; email: string; documents: number; pagesPerDocument: number; warmupMeasurements: number };

export type E2eSetup = {
  driver: string;
  userId: string;
  apiKey: string;
  projects: { size: number; projectId: string; seconds: number }[];
  warmupProjectId: string;
  seconds: number;
};

async function main() {
  const started = performance.now();
  const task = JSON.parse(process.argv[2] ?? "{}") as E2eSetupTask;
  const { getDbHandle, closeDb } = await import("@/db");
  const { getAuth } = await import("@/lib/auth");
  const handle = await getDbHandle();
  const log = (line: string) => process.stderr.write(line + "\n");

  const user = await ensureUser(task.email);
  const auth = await getAuth();
  const key = await auth.api.createApiKey({ body: { name: "e2e bench", userId: user.id } });

  const warmup = await seedProject(handle, {
    userId: user.id,
    measurements: task.warmupMeasurements,
    documents: task.documents,
    pagesPerDocument: task.pagesPerDocument,
    name: "E2E warm-up project",
    seed: 3,
  });
  const projects: E2eSetup["projects"] = [];
  for (const size of task.sizes) {
    const s = await seedProject(handle, {
      userId: user.id,
      measurements: size,
      documents: task.documents,
      pagesPerDocument: task.pagesPerDocument,
      log,
    });
    projects.push({ size, projectId: s.projectId, seconds: s.seconds });
  }

  const result: E2eSetup = {
    driver: handle.driver,
    userId: user.id,
    apiKey: key.key,
    projects,
    warmupProjectId: warmup.projectId,
    seconds: (performance.now() - started) / 1000,
  };
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
  await closeDb();
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
