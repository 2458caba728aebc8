/**
 * The S3-compatible store of the end-to-end part (bench/e2e.ts): s3rver in a
 * process of its own, so its CPU and memory are counted apart from the app's
 * and the benchmark's. Argument: JSON {directory, bucket}. Prints
 * `S3_READY {"port": N}` once listening; stops on SIGTERM.
 */
import S3rver from "s3rver";

const { directory, bucket } = JSON.parse(process.argv[2] ?? "{}") as { directory: string; bucket: string };
const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
const { port } = await server.run();
process.stdout.write(`S3_READY ${JSON.stringify({ port })}\n`);
process.on("SIGTERM", () => {
  void server.close().then(() => process.exit(0));
});
