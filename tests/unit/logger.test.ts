import { afterEach, describe, expect, it, vi } from "vitest";

describe("logger", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it("never writes secrets: authorization headers, cookies, passwords, keys and signatures are redacted", async () => {
    vi.stubEnv("LOG_LEVEL", "debug");
    vi.resetModules();
    const { logger } = await import("@/lib/logger");
    const lines: string[] = [];
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    logger.error("request failed", {
      headers: { authorization: "Bearer tk_supersecretkey", cookie: "better-auth.session_token=abc123" },
      body: { email: "a@b.c", password: "hunter22" },
      url: { signature: "deadbeef", apiKey: "tk_other" },
      APP_SECRET: "0123456789abcdef0123456789abcdef",
      error: new Error("connect failed for postgres://app:pgpassword42@db.internal:5432/app"),
      note: "sent Bearer tk_inline_secret",
    });
    spy.mockRestore();
    const out = lines.join("");
    for (const secret of [
      "tk_supersecretkey",
      "abc123",
      "hunter22",
      "deadbeef",
      "tk_other",
      "0123456789abcdef0123456789abcdef",
      "pgpassword42",
      "tk_inline_secret",
    ])
      expect(out).not.toContain(secret);
    expect(out).toContain("a@b.c");
    expect(JSON.parse(out.trim()).headers.authorization).toBe("[redacted]");
  });
});
