// The layer rules cover lib/webhooks: no HTTP below the routes; the dashboard takes the constants, not the services.
import path from "node:path";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const eslint = new ESLint({ cwd: path.resolve(".") });

async function restrictedIn(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.resolve(file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === "@typescript-eslint/no-restricted-imports").map((m) => m.message);
}

describe("webhook layer rules", () => {
  it("the sender and the services may not import the HTTP layer", async () => {
    const code = 'import { json } from "@/lib/api/handler";\nexport const x = json;\n';
    for (const file of ["lib/webhooks/deliver.ts", "lib/webhooks/services/endpoints.ts"])
      expect(await restrictedIn(file, code), file).toEqual([expect.stringContaining("Below the HTTP layer")]);
  });

  it("a client component may import the webhook constants and types, not the services or the sender", async () => {
    const file = "components/settings/webhooks-manager.tsx";
    expect(
      await restrictedIn(file, 'import { WEBHOOK_EVENT_TYPES } from "@/lib/webhooks/model";\nexport const x = WEBHOOK_EVENT_TYPES;\n'),
    ).toEqual([]);
    expect(
      await restrictedIn(
        file,
        'import type { WebhookEndpointOut } from "@/lib/webhooks/serialize";\nexport type X = WebhookEndpointOut;\n',
      ),
    ).toEqual([]);
    expect(await restrictedIn(file, 'import { createEndpoint } from "@/lib/webhooks";\nexport const x = createEndpoint;\n')).toHaveLength(
      1,
    );
    expect(await restrictedIn(file, 'import { deliverDue } from "@/lib/webhooks/deliver";\nexport const x = deliverDue;\n')).toHaveLength(
      1,
    );
  });
});
