import { describe, expect, it } from "vitest";
import { documentStems, withoutExtension } from "@/lib/exports/bundles/parts";

const doc = (id: string, name: string, projectId: string, projectName: string) => ({ id, name, projectId, projectName });

describe("bundle paths", () => {
  it("drops the document's own extension and sanitises each segment like a download file name", () => {
    expect(withoutExtension("Structural Set.pdf")).toBe("Structural Set");
    expect(withoutExtension("No extension")).toBe("No extension");
    const stems = documentStems([doc("d1", "Level 1: Slab/Deck.pdf", "p1", 'Tower "A" <East>')]);
    expect(stems.get("d1")).toEqual({ folder: "Tower-A-East", stem: "Level-1-Slab-Deck" });
  });

  it("makes clashing folders and stems unique with -2, -3, without regard to case", () => {
    const stems = documentStems([
      doc("d1", "Plan.pdf", "p1", "Tower"),
      doc("d2", "plan.dwg", "p1", "Tower"),
      doc("d3", "PLAN", "p1", "Tower"),
      doc("d4", "Plan.pdf", "p2", "tower"),
      doc("d5", "Plan-2.pdf", "p1", "Tower"),
    ]);
    expect([...stems.values()].map((s) => `${s.folder}/${s.stem}`)).toEqual([
      "Tower/Plan",
      "Tower/plan-2",
      "Tower/PLAN-3",
      "tower-2/Plan",
      "Tower/Plan-2-2",
    ]);
  });

  it("never leaves a segment empty or reserved", () => {
    const stems = documentStems([doc("d1", "....pdf", "p1", "  "), doc("d2", "CON.pdf", "p1", "  ")]);
    expect(stems.get("d1")).toEqual({ folder: "export", stem: "export" });
    expect(stems.get("d2")).toEqual({ folder: "export", stem: "CON-export" });
  });
});
