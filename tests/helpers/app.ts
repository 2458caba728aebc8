/**
 * Integration-test helpers: call the real route handlers with real `Request`
 * objects (found from the app/ tree, the way Next.js routes them), create
 * users with sessions and API keys, and import projects.
 */
import fs from "node:fs";
import path from "node:path";
import { closeDb, getDb } from "@/db";
import { resetAuth, getAuth } from "@/lib/auth";
import { importProject } from "@/lib/takeoff/import";
import { ProjectImportSchema, type ProjectImport } from "@/lib/takeoff/schemas";
import { specExampleProject } from "../fixtures/spec-example";
import { checkContract } from "./contract";

export const BASE_URL = "http://localhost:3000";

type RouteModule = Record<string, (req: Request, ctx: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>>;
type RouteEntry = { pattern: RegExp; names: { name: string; catchAll: boolean }[]; file: string; specificity: number; template: string };

let routes: RouteEntry[] | undefined;

function discoverRoutes(): RouteEntry[] {
  const root = path.resolve("app");
  const out: RouteEntry[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name === "route.ts") {
        const segments = path
          .relative(root, dir)
          .split(path.sep)
          .filter((s) => !/^\(.*\)$/.test(s));
        const names: RouteEntry["names"] = [];
        let specificity = 0;
        const source = segments
          .map((seg) => {
            const catchAll = /^\[\.\.\.(\w+)\]$/.exec(seg);
            if (catchAll) {
              names.push({ name: catchAll[1], catchAll: true });
              return "(.+)";
            }
            const dynamic = /^\[(\w+)\]$/.exec(seg);
            if (dynamic) {
              names.push({ name: dynamic[1], catchAll: false });
              specificity += 1;
              return "([^/]+)";
            }
            specificity += 10;
            return seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
          })
          .join("/");
        const template = "/" + segments.map((seg) => seg.replace(/^\[(?:\.\.\.)?(\w+)\]$/, "{$1}")).join("/");
        out.push({ pattern: new RegExp(`^/${source}/?$`), names, file: full, specificity, template });
      }
    }
  };
  walk(root);
  return out.sort((a, b) => b.specificity - a.specificity);
}

export type CallInit = {
  body?: unknown;
  rawBody?: BodyInit;
  headers?: Record<string, string>;
  as?: TestUser | { cookie?: string; apiKey?: string };
};

/** Calls the route handler that Next.js would route `method url` to. */
export async function callRoute(method: string, url: string, init: CallInit = {}): Promise<Response> {
  routes ??= discoverRoutes();
  const full = new URL(url, BASE_URL);
  const route = routes.find((r) => r.pattern.test(full.pathname));
  if (!route) throw new Error(`No route for ${full.pathname}`);
  const match = route.pattern.exec(full.pathname)!;
  const params: Record<string, string | string[]> = {};
  route.names.forEach((n, i) => {
    const raw = match[i + 1];
    params[n.name] = n.catchAll ? raw.split("/").map(decodeURIComponent) : decodeURIComponent(raw);
  });
  const mod = (await import(/* @vite-ignore */ route.file)) as RouteModule;
  const handler = mod[method];
  if (!handler) return new Response(null, { status: 405 });

  const headers = new Headers(init.headers);
  if (init.as && "cookie" in init.as && init.as.cookie) headers.set("cookie", init.as.cookie);
  if (init.as && "apiKey" in init.as && init.as.apiKey && !("cookie" in init.as && init.as.cookie)) {
    headers.set("authorization", `Bearer ${init.as.apiKey}`);
  }
  let body: BodyInit | undefined = init.rawBody;
  if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  const req = new Request(full, { method, headers, body });
  const res = await handler(req, { params: Promise.resolve(params) });
  await checkContract(route.template, method, res);
  return res;
}

export type TestUser = { id: string; email: string; cookie: string; apiKey: string };

let userCounter = 0;
let ipCounter = 0;

/** A fresh client address (198.18.0.0/15 is reserved for testing) for each simulated client. */
export function nextClientIp(): string {
  ipCounter++;
  return `198.18.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
}

/** A fresh user with a session cookie and an API key. */
export async function createTestUser(overrides: { email?: string; name?: string } = {}): Promise<TestUser> {
  const email = overrides.email ?? `user-${process.pid}-${Date.now()}-${userCounter++}@example.test`;
  const password = "correct-horse-battery";
  const res = await callRoute("POST", "/api/auth/sign-up/email", {
    body: { email, password, name: overrides.name ?? "Test User" },
    // A distinct client address per user keeps the per-IP sign-up limit out of the way.
    headers: { origin: BASE_URL, "x-forwarded-for": nextClientIp() },
  });
  if (res.status !== 200) throw new Error(`sign-up failed: ${res.status} ${await res.text()}`);
  const data = (await res.json()) as { user: { id: string } };
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  const auth = await getAuth();
  const key = await auth.api.createApiKey({ body: { name: "tests", userId: data.user.id } });
  return { id: data.user.id, email, cookie, apiKey: key.key };
}

/** Imports a project for `user` (the SPEC §5.3 example unless a body is given). */
export async function createTestProject(user: { id: string }, body: unknown = specExampleProject()) {
  const parsed: ProjectImport = ProjectImportSchema.parse(body);
  return (await importProject(await getDb(), user.id, parsed)).project;
}

export async function shutdownForTests() {
  const runner = (globalThis as { __takeoffRunner?: { stop(): Promise<void> } }).__takeoffRunner;
  await runner?.stop();
  await closeDb();
  resetAuth();
}

/** Waits until the inline runner has nothing queued, running or waiting to retry. */
export async function drainRunner() {
  const { getRunner, InlineRunner } = await import("@/lib/exports/runner");
  const runner = getRunner();
  if (runner instanceof InlineRunner) await runner.drain();
}

/** Polls an export until it leaves pending/processing (or the timeout passes). */
export async function waitForExport(user: TestUser, id: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await callRoute("GET", `/api/exports/${id}`, { as: user });
    const body = await res.json();
    if (!["pending", "processing"].includes(body.status) || Date.now() > deadline) return body;
    await new Promise((r) => setTimeout(r, 50));
  }
}
