/**
 * Bundles (SPEC §14.3, the delivery issue's performance target): a bundle of
 * 20 documents × 5 formats from a 200,000-measurement project takes at most
 * 1.3× the sum of the 100 single exports' times, with a peak RSS increase of
 * at most 300 MB. On its own database (`…_bundles`, emptied first):
 * scripts/seed.ts seeds the project (20 documents of ~10,000 measurements),
 * then bench/bundles-child.ts runs the 100 single exports one after another
 * (the figure: the sum of their start → finish times) and the bundle (start →
 * finish, RSS sampled), alternately, `repeat` times each; medians are reported.
 */
import path from "node:path";
import { appEnv, BENCH_DATA, fmt, resetBenchDatabase, ROOT, runTs } from "./common";
import type { BundleChildResult, BundleTask } from "./bundles-child";

const MEASUREMENTS = 200_000;
const DOCUMENTS = 20;
const FORMATS = ["csv", "excel", "pdf", "json", "ost"];

type SeedOut = { userId: string; projectId: string; seconds: number; documents: { id: string; measurements: number }[] };

export type BundleFigures = {
  measurements: number;
  documents: number;
  formats: string[];
  seedSeconds: number;
  singlesSeconds: number;
  bundleSeconds: number;
  ratio: number;
  bundleRssIncreaseMb: number;
  bundleBytes: number;
  singlesBytes: number;
  rows: number;
  runs: { singles: BundleChildResult[]; bundle: BundleChildResult[] };
};

export type BundleCheck = { target: string; requirement: string; figure: string; pass: boolean; informational?: boolean };

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

export async function bundlesBench(opts: { serverUrl: string; repeat: number; log: (line: string) => void; logFile?: string }) {
  const url = await resetBenchDatabase(opts.serverUrl, "_bundles");
  const dataDir = path.join(BENCH_DATA, "bundles");
  // 100 creations in a row: above the default per-minute and active limits, which are not what is measured here.
  const env = appEnv({ driver: "postgres", url }, dataDir, { EXPORTS_CREATE_PER_MINUTE: "100000", EXPORTS_MAX_ACTIVE_PER_USER: "10000" });
  const seeded = (
    await runTs<SeedOut>(
      path.join(ROOT, "scripts", "seed.ts"),
      [
        "--measurements",
        String(MEASUREMENTS),
        "--documents",
        String(DOCUMENTS),
        "--email",
        "bundles@example.com",
        "--name",
        "Bundle Tower",
        "--data-dir",
        dataDir,
        "--database-url",
        url,
        "--json",
      ],
      env,
      opts,
    )
  ).result;
  const task = (mode: BundleTask["mode"]): BundleTask => ({
    mode,
    userId: seeded.userId,
    documentIds: seeded.documents.map((d) => d.id),
    formats: FORMATS,
  });
  const script = path.join(ROOT, "bench", "bundles-child.ts");
  const child = async (mode: BundleTask["mode"]) =>
    (await runTs<BundleChildResult>(script, [JSON.stringify(task(mode))], env, { ...opts, nodeFlags: ["--expose-gc"] })).result;

  const singles: BundleChildResult[] = [];
  const bundle: BundleChildResult[] = [];
  for (let i = 0; i < opts.repeat; i++) {
    singles.push(await child("singles"));
    opts.log(`  100 single exports: ${fmt.s(singles.at(-1)!.seconds)} s summed (${fmt.n(singles.at(-1)!.rows)} rows)`);
    bundle.push(await child("bundle"));
    const b = bundle.at(-1)!;
    opts.log(
      `  bundle: ${fmt.s(b.seconds)} s, ${(b.bytes / 1024 / 1024).toFixed(1)} MiB, +${b.rssIncreaseMb!.toFixed(0)} MiB peak RSS (${b.status})`,
    );
  }
  const singlesSeconds = median(singles.map((r) => r.seconds));
  const bundleSeconds = median(bundle.map((r) => r.seconds));
  const f: BundleFigures = {
    measurements: MEASUREMENTS,
    documents: seeded.documents.length,
    formats: FORMATS,
    seedSeconds: seeded.seconds,
    singlesSeconds,
    bundleSeconds,
    ratio: bundleSeconds / singlesSeconds,
    bundleRssIncreaseMb: median(bundle.map((r) => r.rssIncreaseMb ?? 0)),
    bundleBytes: bundle[0].bytes,
    singlesBytes: singles[0].bytes,
    rows: bundle[0].rows,
    runs: { singles, bundle },
  };
  opts.log(
    `  ${f.documents} documents × ${FORMATS.length} formats (${fmt.n(f.rows)} rows): bundle ${fmt.s(f.bundleSeconds)} s vs ` +
      `${fmt.s(f.singlesSeconds)} s for the 100 single exports (${f.ratio.toFixed(2)}×), +${f.bundleRssIncreaseMb.toFixed(0)} MiB; seeded in ${fmt.s(f.seedSeconds)} s`,
  );
  const ok = bundle.every((b) => b.status === "completed") && f.rows === singles[0].rows;
  const checks: BundleCheck[] = [
    {
      target: `bundle: ${f.documents} documents × ${FORMATS.length} formats, ${fmt.n(MEASUREMENTS)} measurements (PostgreSQL)`,
      requirement: "≤ 1.3× the 100 single exports' summed time; peak RSS increase ≤ 300 MB",
      figure: `${f.ratio.toFixed(2)}× (${fmt.s(f.bundleSeconds)} s vs ${fmt.s(f.singlesSeconds)} s); +${f.bundleRssIncreaseMb.toFixed(1)} MiB`,
      pass: ok && f.ratio <= 1.3 && f.bundleRssIncreaseMb <= 300,
    },
  ];
  return { figures: f, checks };
}
