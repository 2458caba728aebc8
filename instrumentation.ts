/** Next.js instrumentation hook: runs lib/startup.ts once per server process (Node.js runtime only). */
export async function register() {
  // NEXT_RUNTIME is a build-time constant set by Next.js, not configuration:
  // the one read of process.env outside lib/env.ts, as Next.js documents it.
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { startServer } = await import("./lib/startup");
  await startServer();
}
