// No server-side request forgery (SPEC §14.1): which URLs a webhook may have and which addresses it may reach,
// at creation and at send time, in production (DATABASE_URL), with WEBHOOKS_ALLOW_PRIVATE, and embedded.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addressRefusal, assertEndpointUrl, classifyAddress } from "@/lib/webhooks/address-policy";
import { postWebhook } from "@/lib/webhooks/send";
import { webhookSettings, type ResolvedAddress, type WebhookSettings } from "@/lib/webhooks/settings";
import { WebhookReceiver } from "../../helpers/webhook-receiver";

/** A resolver with fixed answers, as a DNS server under the test's control. */
function dnsOf(records: Record<string, string[]>): WebhookSettings["resolve"] {
  return async (host) => {
    const found = records[host];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
    return found.map((address): ResolvedAddress => ({ address, family: address.includes(":") ? 6 : 4 }));
  };
}

const DNS = dnsOf({
  "hooks.example.com": ["93.184.216.34"],
  "loopback.example": ["127.0.0.1"],
  "private.example": ["10.1.2.3"],
  "metadata.example": ["169.254.169.254"],
  "v6loop.example": ["::1"],
  "mixed.example": ["93.184.216.34", "10.0.0.7"],
  localhost: ["127.0.0.1", "::1"],
});

const production: WebhookSettings = { ...webhookSettings, production: true, allowPrivate: false, resolve: DNS };
const allowPrivate: WebhookSettings = { ...production, allowPrivate: true };
const embedded: WebhookSettings = { ...webhookSettings, production: false, allowPrivate: false, resolve: DNS };

async function refusal(url: string, settings: WebhookSettings): Promise<string | null> {
  try {
    await assertEndpointUrl(url, settings);
    return null;
  } catch (err) {
    const e = err as { code?: string; details?: { path: string }[]; message: string };
    expect(e.code).toBe("validation_failed");
    expect(e.details?.[0].path).toBe("url");
    return e.message;
  }
}

describe("address classes", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.8.9.10", "loopback"],
    ["0.0.0.0", "loopback"],
    ["::1", "loopback"],
    ["::ffff:127.0.0.1", "loopback"],
    ["10.0.0.1", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["100.64.0.1", "private"],
    ["fc00::1", "private"],
    ["fd12:3456::1", "private"],
    ["::ffff:10.0.0.1", "private"],
    ["169.254.169.254", "metadata"],
    ["fd00:ec2::254", "metadata"],
    ["169.254.1.1", "link-local"],
    ["fe80::1", "link-local"],
    ["::ffff:169.254.169.254", "metadata"],
    ["93.184.216.34", "public"],
    ["172.32.0.1", "public"],
    ["2606:2800:220:1:248:1893:25c8:1946", "public"],
  ])("%s is %s", (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it("link-local and metadata are refused in every mode; loopback and private only in production without the flag", () => {
    for (const policy of [production, allowPrivate, embedded]) {
      expect(addressRefusal("169.254.169.254", policy)).toMatch(/metadata/);
      expect(addressRefusal("fe80::1", policy)).toMatch(/link-local/);
    }
    expect(addressRefusal("127.0.0.1", production)).toMatch(/loopback.*WEBHOOKS_ALLOW_PRIVATE/);
    expect(addressRefusal("127.0.0.1", allowPrivate)).toBeNull();
    expect(addressRefusal("10.0.0.1", embedded)).toBeNull();
  });
});

describe("at creation", () => {
  it.each([
    "https://127.0.0.1/hooks",
    "https://10.20.30.40/hooks",
    "https://169.254.169.254/latest/meta-data",
    "https://[::1]:8443/hooks",
    "https://[fd00:ec2::254]/",
    "https://loopback.example/hooks",
    "https://private.example/hooks",
    "https://metadata.example/hooks",
    "https://v6loop.example/hooks",
    "https://mixed.example/hooks",
    "https://localhost/hooks",
  ])("production refuses %s (422)", async (url) => {
    expect(await refusal(url, production)).toMatch(/^url: .*(loopback|private|metadata|link-local)/);
  });

  it("production wants https, no credentials in the URL, and takes a public name", async () => {
    expect(await refusal("http://hooks.example.com/x", production)).toBe("url: must use https in production");
    expect(await refusal("https://user:pw@hooks.example.com/x", production)).toMatch(/user name or password/);
    expect(await refusal("ftp://hooks.example.com/x", production)).toMatch(/https:\/\//);
    expect(await refusal("not a url", production)).toMatch(/not a valid URL/);
    expect(await assertEndpointUrl("https://hooks.example.com/x?a=1#frag", production)).toBe("https://hooks.example.com/x?a=1");
    // A name that does not resolve yet is accepted; it is checked at every send.
    expect(await refusal("https://not-yet.example/x", production)).toBeNull();
  });

  it("WEBHOOKS_ALLOW_PRIVATE lets loopback and private through, never link-local or metadata", async () => {
    for (const url of [
      "https://127.0.0.1/h",
      "https://10.20.30.40/h",
      "https://[::1]/h",
      "https://loopback.example/h",
      "https://private.example/h",
    ])
      expect(await refusal(url, allowPrivate)).toBeNull();
    expect(await refusal("https://169.254.169.254/latest", allowPrivate)).toMatch(/metadata/);
    expect(await refusal("https://metadata.example/h", allowPrivate)).toMatch(/metadata.example resolves to 169.254.169.254/);
    expect(await refusal("https://[fe80::1]/h", allowPrivate)).toMatch(/link-local/);
  });

  it("the embedded mode takes http and loopback/private, never link-local or metadata", async () => {
    expect(await refusal("http://127.0.0.1:4000/h", embedded)).toBeNull();
    expect(await refusal("http://localhost:4000/h", embedded)).toBeNull();
    expect(await refusal("http://192.168.1.20/h", embedded)).toBeNull();
    expect(await refusal("http://169.254.169.254/latest/meta-data", embedded)).toMatch(/metadata/);
    expect(await refusal("http://metadata.example/", embedded)).toMatch(/metadata/);
    expect(await refusal("http://[fd00:ec2::254]/", embedded)).toMatch(/metadata/);
  });
});

describe("at send time", () => {
  let rx: WebhookReceiver;
  beforeAll(async () => {
    rx = await new WebhookReceiver().start();
  });
  afterAll(() => rx.stop());

  const send = (url: string, settings: WebhookSettings) => postWebhook(url, "{}", {}, { ...settings, timeoutMs: 2_000 });

  it("a name resolving to loopback, private or metadata is refused in production before any connection", async () => {
    const before = rx.connections;
    for (const host of ["loopback.example", "private.example", "metadata.example", "v6loop.example", "mixed.example"]) {
      const r = await send(`https://${host}:${rx.port}/hooks`, production);
      expect(r.ok).toBe(false);
      expect(r.status).toBeNull();
      expect(r.error).toMatch(new RegExp(`^Refused: ${host.replace(".", "\\.")} resolves to`));
    }
    for (const url of [`https://127.0.0.1:${rx.port}/h`, `https://[::1]:${rx.port}/h`, "https://169.254.169.254/latest"]) {
      expect((await send(url, production)).error).toMatch(/^Refused: /);
    }
    expect(rx.connections).toBe(before);
  });

  it("DNS rebinding: a name that was public at creation and now resolves to a private address is refused", async () => {
    let answer = "93.184.216.34";
    const rebinding: WebhookSettings = { ...production, resolve: async () => [{ address: answer, family: 4 }] };
    expect(await assertEndpointUrl("https://rebind.example/h", rebinding)).toBe("https://rebind.example/h");
    answer = "127.0.0.1";
    const before = rx.connections;
    const r = await send(`https://rebind.example:${rx.port}/h`, rebinding);
    expect(r.error).toBe(
      "Refused: rebind.example resolves to 127.0.0.1, which is a loopback address; in production webhooks reach public addresses only (WEBHOOKS_ALLOW_PRIVATE=true lifts this).",
    );
    expect(rx.connections).toBe(before);
  });

  it("with WEBHOOKS_ALLOW_PRIVATE the connection goes to the checked loopback address", async () => {
    const before = rx.connections;
    // The receiver speaks plain http, so the TLS handshake fails; the point is that the connection was made.
    const r = await send(`https://loopback.example:${rx.port}/h`, allowPrivate);
    expect(r.ok).toBe(false);
    expect(r.error).not.toMatch(/^Refused/);
    expect(rx.connections).toBe(before + 1);
  });

  it("the embedded mode sends over http to a name resolving to loopback, and refuses metadata", async () => {
    const n = rx.received.length;
    const r = await send(`http://loopback.example:${rx.port}/hooks`, embedded);
    expect(r).toMatchObject({ ok: true, status: 200, error: null });
    expect(rx.received).toHaveLength(n + 1);
    expect(rx.received[n].headers.host).toBe(`loopback.example:${rx.port}`);
    expect((await send(`http://metadata.example:${rx.port}/h`, embedded)).error).toMatch(
      /^Refused: metadata\.example resolves to 169\.254\.169\.254/,
    );
    expect((await send(`http://169.254.169.254/latest`, embedded)).error).toMatch(
      /^Refused: 169\.254\.169\.254 is a cloud metadata address/,
    );
  });

  it("production refuses http at send time too", async () => {
    expect((await send(`http://hooks.example.com/h`, production)).error).toBe("In production webhooks are sent over https only.");
  });
});
