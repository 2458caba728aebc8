/**
 * How deliveries behave in this process: the mode's address rules, the
 * timeout, the retry schedule and the resolver. Read from the environment
 * once; tests change a field and put it back (a shorter timeout, a resolver
 * that answers what a test needs, production rules in the embedded mode).
 */
import dns from "node:dns";
import { env, isEmbedded } from "@/lib/env";
import { WEBHOOK_RETRY_DELAYS_MS, WEBHOOK_TIMEOUT_MS } from "./model";

export type ResolvedAddress = { address: string; family: 4 | 6 };
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export type WebhookSettings = {
  /** Production rules (SPEC §14.1): https only, no loopback or private addresses unless `allowPrivate`. */
  production: boolean;
  allowPrivate: boolean;
  timeoutMs: number;
  retryDelaysMs: readonly number[];
  /** How long a claimed message is the claimer's; after that (a sender killed mid-delivery) it is due again. */
  leaseMs: number;
  /** Deliveries sent at once by one process. */
  concurrency: number;
  resolve: Resolver;
};

/** Every address a name has (A and AAAA), as the system resolver answers. */
export const systemResolver: Resolver = async (hostname) =>
  (await dns.promises.lookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

export const webhookSettings: WebhookSettings = {
  production: !isEmbedded,
  allowPrivate: env.WEBHOOKS_ALLOW_PRIVATE,
  timeoutMs: WEBHOOK_TIMEOUT_MS,
  retryDelaysMs: WEBHOOK_RETRY_DELAYS_MS,
  leaseMs: WEBHOOK_TIMEOUT_MS + 50_000,
  // On PGlite every query waits its turn: smaller batches hold the one connection for less time, so API requests wait less
  // meanwhile (bench/webhooks.ts: the export list's p99 1.3× idle at 8, 2.4× at 16; all 3,000 deliveries within 10 s either way).
  concurrency: isEmbedded ? 8 : 16,
  resolve: systemResolver,
};
