/**
 * Webhook fan-out (SPEC §14.1, the delivery issue's performance target):
 * 1,000 exports completing with 3 endpoints each → every delivery sent within
 * 30 s of its event, on the embedded default. Three receivers (node:http on
 * 127.0.0.1, answering 200) run here; the app process
 * (bench/webhooks-child.ts) completes the exports through transition() while
 * its inline dispatcher sends. The figure per delivery is its arrival at the
 * receiver minus its event's time; also counted: deliveries per event (one
 * each, no duplicates).
 */
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { appEnv, BENCH_DATA, fmt, ROOT, runTs } from "./common";

type ChildOut = {
  exports: number;
  endpoints: number;
  completedSeconds: number;
  drainedSeconds: number;
  api: { idleP99Ms: number; duringP99Ms: number; idleRequests: number; duringRequests: number };
  messages: { id: string; status: string; attempts: number; eventAt: number }[];
};

export type WebhookFigures = {
  exports: number;
  endpoints: number;
  deliveries: number;
  delivered: number;
  duplicates: number;
  notDelivered: number;
  completedSeconds: number;
  drainedSeconds: number;
  latencyMs: { p50: number; p99: number; max: number };
  api: ChildOut["api"];
};

export type WebhookCheck = { target: string; requirement: string; figure: string; pass: boolean; informational?: boolean };

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export async function webhooksBench(opts: { log: (line: string) => void; logFile?: string; exports?: number }) {
  const arrivals = new Map<string, number[]>();
  const servers = await Promise.all(
    [0, 1, 2].map(
      () =>
        new Promise<http.Server>((resolve) => {
          const server = http.createServer((req, res) => {
            req.resume();
            req.on("end", () => {
              const id = String(req.headers["webhook-id"]);
              const list = arrivals.get(id) ?? [];
              list.push(Date.now());
              arrivals.set(id, list);
              res.writeHead(204).end();
            });
          });
          server.listen(0, "127.0.0.1", () => resolve(server));
        }),
    ),
  );
  try {
    const dataDir = path.join(BENCH_DATA, "webhooks");
    fs.rmSync(dataDir, { recursive: true, force: true });
    const urls = servers.map((s) => `http://127.0.0.1:${(s.address() as AddressInfo).port}/hooks`);
    const env = appEnv({ driver: "pglite", dir: path.join(dataDir, "pglite") }, dataDir, {
      BENCH_RECEIVERS: urls.join(","),
      BENCH_WEBHOOK_EXPORTS: String(opts.exports ?? 1000),
    });
    const { result } = await runTs<ChildOut>(path.join(ROOT, "bench", "webhooks-child.ts"), [], env, opts);
    const latencies: number[] = [];
    let duplicates = 0;
    let notDelivered = 0;
    for (const m of result.messages) {
      const got = arrivals.get(m.id);
      if (!got) {
        notDelivered++;
        continue;
      }
      duplicates += got.length - 1;
      latencies.push(got[0] - m.eventAt);
    }
    latencies.sort((a, b) => a - b);
    const f: WebhookFigures = {
      exports: result.exports,
      endpoints: result.endpoints,
      deliveries: result.messages.length,
      delivered: latencies.length,
      duplicates,
      notDelivered,
      completedSeconds: result.completedSeconds,
      drainedSeconds: result.drainedSeconds,
      latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies[latencies.length - 1] ?? NaN },
      api: result.api,
    };
    opts.log(
      `  ${fmt.n(f.exports)} exports completed in ${f.completedSeconds.toFixed(1)} s → ${fmt.n(f.deliveries)} deliveries to ${f.endpoints} endpoints; ` +
        `delivered ${fmt.n(f.delivered)} (${f.duplicates} duplicates, ${f.notDelivered} missing), all sent ${f.drainedSeconds.toFixed(1)} s after the first completion`,
    );
    opts.log(`  event → delivery: p50 ${fmt.n(f.latencyMs.p50)} ms, p99 ${fmt.n(f.latencyMs.p99)} ms, max ${fmt.n(f.latencyMs.max)} ms`);
    opts.log(
      `  the export list meanwhile (in the app process, one request at a time): p99 ${fmt.n(f.api.duringP99Ms, 1)} ms over ${fmt.n(f.api.duringRequests)} requests, idle ${fmt.n(f.api.idleP99Ms, 1)} ms`,
    );
    const checks: WebhookCheck[] = [
      {
        target: "embedded",
        requirement: "webhooks: 1,000 exports × 3 endpoints, every delivery within 30 s of its event, once",
        figure: `max ${fmt.n(f.latencyMs.max / 1000, 1)} s; ${f.delivered}/${f.deliveries} delivered, ${f.duplicates} duplicates`,
        pass: f.notDelivered === 0 && f.duplicates === 0 && f.latencyMs.max <= 30_000 && f.deliveries === f.exports * 3,
      },
      {
        target: "embedded",
        requirement: "webhooks: the export list's p99 during the fan-out ≤ 2× idle",
        figure: `${fmt.n(f.api.duringP99Ms, 1)} ms vs ${fmt.n(f.api.idleP99Ms, 1)} ms idle (${fmt.n(f.api.duringP99Ms / f.api.idleP99Ms, 2)}×)`,
        pass: f.api.duringP99Ms <= 2 * f.api.idleP99Ms,
      },
    ];
    return { figures: f, checks };
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  }
}

// `tsx bench/webhooks.ts` runs this part alone.
if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  webhooksBench({ log: (l) => console.log(l) })
    .then(({ checks }) => {
      for (const c of checks) console.log(`${c.pass ? "PASS" : "FAIL"} ${c.requirement}: ${c.figure}`);
    })
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
