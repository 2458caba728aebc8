/**
 * Server start-up, in the Node.js runtime only: validate the environment
 * (each variable, then the combinations production needs), open
 * and migrate the database before the app serves, seed the demo data in the
 * embedded mode, and start the inline export runner (which recovers
 * unfinished exports). A failure stops the server with its message.
 */
export async function startServer(): Promise<void> {
  try {
    const { configProblems, env, isEmbedded, modes } = await import("./env");
    const problems = configProblems(env);
    if (problems.length) {
      throw new Error(
        `Invalid environment configuration:\n${problems.map((p) => `  ${p}`).join("\n")}\nSee .env.example for every variable and its default.`,
      );
    }
    const { getDb } = await import("@/db");
    const { logger } = await import("./logger");
    await getDb();
    if (env.SEED_DEMO ?? isEmbedded) {
      const { seedDemo } = await import("@/db/seed");
      await seedDemo();
    }
    const { startRunner } = await import("./exports/runner");
    await startRunner();
    logger.info("takeoff exports ready", { ...modes, url: env.APP_URL });
  } catch (err) {
    console.error(`\nTakeoff Exports could not start:\n${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
