import { defaultKeyHasher } from "@better-auth/api-key";
import { describe, expect, it } from "vitest";
import { hashApiKey } from "@/lib/auth/session";

describe("hashApiKey", () => {
  it("matches the api-key plugin's hash, so keys it stored are found", async () => {
    const keys = ["tk_seFZCgcawyJJrPqegrNHXdWClGqiQAIEKqllIAsDQvttLnnDjvXyGSgOXmhKuHtB", "x", "ключ-🔑", "a".repeat(200)];
    for (const key of keys) expect(hashApiKey(key)).toBe(await defaultKeyHasher(key));
  });
});
