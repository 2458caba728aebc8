/** Rate limits: sign-in attempts per client address, export creations per user. */
import { describe, expect, it, vi } from "vitest";

vi.hoisted(() => {
  process.env.EXPORTS_CREATE_PER_MINUTE = "3";
  process.env.AUTH_ATTEMPTS_PER_MINUTE = "5";
});

const { callRoute, createTestProject, createTestUser, nextClientIp } = await import("../helpers/app");

describe("rate limits", () => {
  it("answers 429 after too many sign-in attempts from one address, and not for another address", async () => {
    const user = await createTestUser();
    const ip = nextClientIp();
    const attempt = (from: string) =>
      callRoute("POST", "/api/auth/sign-in/email", {
        body: { email: user.email, password: "wrong-password" },
        headers: { origin: "http://localhost:3000", "x-forwarded-for": from },
      });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await attempt(ip)).status);
    expect(statuses.slice(0, 5).every((s) => s === 401)).toBe(true);
    expect(statuses[5]).toBe(429);
    expect((await attempt(nextClientIp())).status).toBe(401);
  });

  it("answers 429 with Retry-After when a user creates exports too fast", async () => {
    const user = await createTestUser();
    const project = await createTestProject(user);
    const formats = ["csv", "json", "ost", "excel"];
    const statuses: number[] = [];
    let last: Response | undefined;
    for (const format of formats) {
      last = await callRoute("POST", `/api/projects/${project.id}/export`, { as: user, body: { format } });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([202, 202, 202, 429]);
    expect(last!.headers.get("retry-after")).toBe("60");
    expect((await last!.json()).error.code).toBe("rate_limited");
    // Deleting exports does not reset the count.
    const list = await (await callRoute("GET", "/api/exports", { as: user })).json();
    await callRoute("DELETE", `/api/exports/${list.exports[0].id}`, { as: user });
    expect((await callRoute("POST", `/api/projects/${project.id}/export`, { as: user, body: { format: "pdf" } })).status).toBe(429);
  });
});
