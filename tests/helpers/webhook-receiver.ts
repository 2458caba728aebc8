/**
 * A customer's webhook receiver for tests: a real `node:http` server on
 * 127.0.0.1 that records each request (headers and raw body) and answers as
 * the test scripts it — 200, an error status, a redirect, a sleep past the
 * sender's timeout, or dying mid-request. Signatures are verified by the
 * tests with `standardwebhooks`, as a customer would.
 */
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll } from "vitest";
import { webhookSettings } from "@/lib/webhooks/settings";

export type Received = { path: string; headers: Record<string, string>; body: string; at: number };
export type Answer = { status: number; headers?: Record<string, string> } | { sleepMs: number; status: number } | "kill";

export class WebhookReceiver {
  readonly received: Received[] = [];
  connections = 0;
  private server?: http.Server;
  private sockets = new Set<Socket>();
  private script: Answer[] = [];
  private waiters: { n: number; resolve: () => void }[] = [];
  port = 0;

  /** Answers for the next requests, in order; after them, 200. */
  answer(...answers: Answer[]): this {
    this.script.push(...answers);
    return this;
  }

  async start(port = 0): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : (v ?? "")]));
        this.received.push({ path: req.url ?? "/", headers, body: Buffer.concat(chunks).toString("utf8"), at: Date.now() });
        const next = this.script.shift() ?? { status: 200 };
        this.notify();
        if (next === "kill") {
          // The receiver dies mid-delivery: the connection drops before any answer, and the server stops.
          req.socket.destroy();
          void this.stop();
          return;
        }
        const reply = () => {
          if (res.destroyed) return;
          res.writeHead(next.status, { "content-type": "text/plain", ...("headers" in next ? next.headers : {}) });
          res.end("ok");
        };
        if ("sleepMs" in next) setTimeout(reply, next.sleepMs);
        else reply();
      });
    });
    this.server.on("connection", (s: Socket) => {
      this.connections++;
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server!.listen(port || this.port, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  /** Resolves when `n` requests have arrived in all (rejects after `timeoutMs`). */
  waitFor(n: number, timeoutMs = 20_000): Promise<void> {
    if (this.received.length >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`receiver got ${this.received.length} of ${n} requests`)), timeoutMs);
      this.waiters.push({ n, resolve: () => (clearTimeout(t), resolve()) });
    });
  }

  private notify() {
    this.waiters = this.waiters.filter((w) => {
      if (this.received.length < w.n) return true;
      w.resolve();
      return false;
    });
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Verifies a received delivery with `secret` as a customer would; returns the parsed body (throws when it does not verify). */
export function verifyDelivery(secret: string, r: Received): { type: string; timestamp: string; data: Record<string, unknown> } {
  return new Webhook(secret).verify(r.body, {
    "webhook-id": r.headers["webhook-id"],
    "webhook-timestamp": r.headers["webhook-timestamp"],
    "webhook-signature": r.headers["webhook-signature"],
  }) as { type: string; timestamp: string; data: Record<string, unknown> };
}

/**
 * The receiver is plain http on 127.0.0.1, which only the embedded mode's
 * rules allow. The PostgreSQL lane runs with DATABASE_URL set — the
 * production rules (https, public addresses; SPEC §14.1) — so a file that
 * delivers to a receiver applies the embedded rules for its tests and puts
 * the mode's own back after them. The production rules themselves are
 * tested in tests/unit/webhooks/address-policy.test.ts, in both lanes.
 */
export function applyEmbeddedWebhookRules(): void {
  let production = webhookSettings.production;
  beforeAll(() => {
    production = webhookSettings.production;
    webhookSettings.production = false;
  });
  afterAll(() => {
    webhookSettings.production = production;
  });
}
