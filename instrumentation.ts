/**
 * Start-up (Next.js instrumentation hook): validate the environment, open and
 * migrate the database before the app serves, seed the demo data in the
 * embedded mode, and start the inline export runner (which recovers
 * unfinished exports). A failure here stops the server with its message.
 */
export async function register() {
  // NEXT_RUNTIME is a build-time constant set by Next.js, not configuration:
  // the one read of process.env outside lib/env.ts, as Next.js documents it.
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  try {
    const { env, isEmbedded, modes } = await import("./lib/env");
    const { getDb } = await import("./db");
    const { logger } = await import("./lib/logger");
    await getDb();
    if (env.SEED_DEMO ?? isEmbedded) {
      const { seedDemo } = await import("./db/seed");
      await seedDemo();
    }
    const { startRunner } = await import("./lib/exports/runner");
    await startRunner();
    logger.info("takeoff exports ready", { ...modes, url: env.APP_URL });
  } catch (err) {
    console.error(`\nTakeoff Exports could not start:\n${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
