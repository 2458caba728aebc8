// The layer rules of eslint.config.mjs refuse a wrong-layer import (docs/architecture.md).
import path from "node:path";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const eslint = new ESLint({ cwd: path.resolve(".") });

async function restrictedIn(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.resolve(file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === "@typescript-eslint/no-restricted-imports").map((m) => m.message);
}

describe("layer rules", () => {
  it("a renderer, a service, storage, takeoff and db may not import the HTTP layer", async () => {
    const code = 'import { json } from "@/lib/api/handler";\nexport const x = json;\n';
    for (const file of [
      "lib/exports/formats/csv.ts",
      "lib/exports/services/read.ts",
      "lib/storage/disk.ts",
      "lib/takeoff/read.ts",
      "db/index.ts",
      "lib/shares/public.ts",
      "lib/rate-limits.ts",
    ]) {
      expect(await restrictedIn(file, code), file).toEqual([expect.stringContaining("Below the HTTP layer")]);
    }
  });

  it("a route may import the HTTP layer", async () => {
    expect(await restrictedIn("app/api/exports/route.ts", 'import { json } from "@/lib/api/handler";\nexport const x = json;\n')).toEqual(
      [],
    );
  });

  it("a client component may import shared constants and types, not server modules", async () => {
    const file = "components/exports/exports-table.tsx";
    expect(await restrictedIn(file, 'import { getDb } from "@/db";\nexport const x = getDb;\n')).toEqual([
      expect.stringContaining("Components run in the browser"),
    ]);
    expect(await restrictedIn(file, 'import { listExports } from "@/lib/exports/services";\nexport const x = listExports;\n')).toHaveLength(
      1,
    );
    expect(await restrictedIn(file, 'import type { ExportRow } from "@/db/schema";\nexport type X = ExportRow;\n')).toEqual([]);
    expect(await restrictedIn(file, 'import { isActive } from "@/lib/exports/model";\nexport const x = isActive;\n')).toEqual([]);
    expect(await restrictedIn(file, 'import { createShare } from "@/lib/shares/manage";\nexport const x = createShare;\n')).toHaveLength(1);
    expect(await restrictedIn(file, 'import { SHARE_STATES } from "@/lib/shares/model";\nexport const x = SHARE_STATES;\n')).toEqual([]);
  });

  it("a client component may use the preset name templates, not the presets services", async () => {
    const file = "components/presets/preset-form.tsx";
    const template = 'import { unknownPlaceholders } from "@/lib/presets/template";\nexport const x = unknownPlaceholders;\n';
    expect(await restrictedIn(file, template)).toEqual([]);
    for (const from of ["@/lib/presets", "@/lib/presets/services", "@/lib/presets/services/read"]) {
      const code = `import { listPresets } from "${from}";\nexport const x = listPresets;\n`;
      expect(await restrictedIn(file, code), from).toHaveLength(1);
    }
    expect(await restrictedIn(file, 'import type { ResolvedPreset } from "@/lib/presets";\nexport type X = ResolvedPreset;\n')).toEqual([]);
  });
});
