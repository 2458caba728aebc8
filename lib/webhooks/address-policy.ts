/**
 * No server-side request forgery (SPEC §14.1). Which addresses a webhook may
 * reach, decided by Node's `net.BlockList` (no hand-written range parsing;
 * IPv4-mapped IPv6 addresses match the IPv4 rules):
 * - link-local and cloud metadata addresses: never, in any mode;
 * - loopback, private, CGNAT and other non-public ranges: only in the embedded
 *   mode, or with WEBHOOKS_ALLOW_PRIVATE=true.
 * Checked at creation (a literal address, or what the name resolves to) and
 * again at send time, when the connection is made to the address checked.
 */
import net from "node:net";
import { DomainError } from "@/lib/errors";
import type { ResolvedAddress, WebhookSettings } from "./settings";

type Policy = Pick<WebhookSettings, "production" | "allowPrivate">;

function blockList(v4: [string, number][], v6: [string, number][]) {
  const list = new net.BlockList();
  for (const [a, p] of v4) list.addSubnet(a, p, "ipv4");
  for (const [a, p] of v6) list.addSubnet(a, p, "ipv6");
  return list;
}

const METADATA = blockList([["169.254.169.254", 32]], [["fd00:ec2::254", 128]]);
const LINK_LOCAL = blockList([["169.254.0.0", 16]], [["fe80::", 10]]);
const LOOPBACK = blockList(
  [
    ["127.0.0.0", 8],
    ["0.0.0.0", 8],
  ],
  [
    ["::1", 128],
    ["::", 128],
  ],
);
const PRIVATE = blockList(
  [
    ["10.0.0.0", 8],
    ["172.16.0.0", 12],
    ["192.168.0.0", 16],
    ["100.64.0.0", 10],
    // Not reachable on the public internet either: IETF protocol assignments, benchmarking, multicast, reserved, broadcast.
    ["192.0.0.0", 24],
    ["198.18.0.0", 15],
    ["224.0.0.0", 4],
    ["240.0.0.0", 4],
  ],
  [
    ["fc00::", 7],
    ["ff00::", 8],
    // IPv4 embedded by NAT64 could name any IPv4 address, private ones included.
    ["64:ff9b::", 96],
  ],
);

export type AddressKind = "metadata" | "link-local" | "loopback" | "private" | "public";

export function classifyAddress(address: string): AddressKind {
  const family = net.isIP(address) === 6 ? "ipv6" : "ipv4";
  if (METADATA.check(address, family)) return "metadata";
  if (LINK_LOCAL.check(address, family)) return "link-local";
  if (LOOPBACK.check(address, family)) return "loopback";
  if (PRIVATE.check(address, family)) return "private";
  return "public";
}

const KIND_TEXT: Record<Exclude<AddressKind, "public">, string> = {
  metadata: "a cloud metadata address",
  "link-local": "a link-local address",
  loopback: "a loopback address",
  private: "a private or reserved address",
};

/** Why `address` may not be reached under `policy`, or null when it may. */
export function addressRefusal(address: string, policy: Policy): string | null {
  const kind = classifyAddress(address);
  if (kind === "public") return null;
  if (kind === "metadata" || kind === "link-local") return `${address} is ${KIND_TEXT[kind]}, which webhooks never reach`;
  if (!policy.production || policy.allowPrivate) return null;
  return `${address} is ${KIND_TEXT[kind]}; in production webhooks reach public addresses only (WEBHOOKS_ALLOW_PRIVATE=true lifts this)`;
}

/** The host of a URL as an address when it is a literal one (`[::1]` → `::1`), else null. */
export function literalAddress(hostname: string): string | null {
  const bare = hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname;
  return net.isIP(bare) ? bare : null;
}

/** The first refusal among `addresses`: every address a name resolves to must be allowed. */
export function firstRefusal(hostname: string, addresses: ResolvedAddress[], policy: Policy): string | null {
  for (const a of addresses) {
    const why = addressRefusal(a.address, policy);
    if (why) return hostname === a.address ? why : `${hostname} resolves to ${why.replace(`${a.address} is `, `${a.address}, which is `)}`;
  }
  return null;
}

const urlIssue = (message: string) => new DomainError("validation_failed", `url: ${message}`, [{ path: "url", message }]);

/**
 * Checks an endpoint URL when it is created or changed: http(s) (https only in
 * production), no credentials, and a host that is not, and does not resolve
 * to, an address the mode refuses. A name that does not resolve now is
 * accepted (it is checked again at every send).
 */
export async function assertEndpointUrl(raw: string, settings: WebhookSettings): Promise<string> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw urlIssue("is not a valid URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw urlIssue("must start with https:// (or http:// in the embedded mode)");
  if (settings.production && url.protocol !== "https:") throw urlIssue("must use https in production");
  if (url.username || url.password) throw urlIssue("must not contain a user name or password");
  if (!url.hostname) throw urlIssue("has no host");
  url.hash = "";
  const literal = literalAddress(url.hostname);
  if (literal) {
    const why = addressRefusal(literal, settings);
    if (why) throw urlIssue(why);
    return url.toString();
  }
  let addresses: ResolvedAddress[] = [];
  try {
    addresses = await withTimeout(settings.resolve(url.hostname), 5_000);
  } catch {
    return url.toString();
  }
  const why = firstRefusal(url.hostname, addresses, settings);
  if (why) throw urlIssue(why);
  return url.toString();
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("timed out")), ms);
    p.then(resolve, reject).finally(() => clearTimeout(t));
  });
}
