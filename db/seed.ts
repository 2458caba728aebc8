/**
 * Demo data for the embedded mode: a demo account and two realistic projects
 * (several documents and pages, conditions with and without costs, a few
 * hundred measurements of every geometry type). Idempotent: nothing happens
 * when the demo user already has projects. Deterministic (seeded PRNG), so
 * every fresh install shows the same numbers.
 */
import { eq } from "drizzle-orm";
import { getDb } from "@/db";
import { projects, users } from "@/db/schema";
import { getAuth } from "@/lib/auth";
import { logger } from "@/lib/logger";
import { importProject } from "@/lib/takeoff/import";
import { ProjectImportSchema } from "@/lib/takeoff/schemas";

export const DEMO_EMAIL = "demo@example.com";
export const DEMO_PASSWORD = "demo-password";

type Geometry = { geometry_type: string; geometry: unknown; quantity: number };

function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

function shapeFor(kind: string, rnd: () => number): Geometry {
  const x = round(rnd() * 3000);
  const y = round(rnd() * 2000);
  switch (kind) {
    case "linear": {
      if (rnd() < 0.5) {
        const dx = round(50 + rnd() * 600);
        return { geometry_type: "line", geometry: { start: { x, y }, end: { x: x + dx, y } }, quantity: round(dx / 10) };
      }
      const pts = [
        { x, y },
        { x: x + round(200 * rnd()), y },
        { x: x + round(200 * rnd()), y: y + round(300 * rnd()) },
      ];
      return { geometry_type: "polyline", geometry: { points: pts }, quantity: round(20 + rnd() * 80) };
    }
    case "area": {
      if (rnd() < 0.5) {
        const w = round(100 + rnd() * 400);
        const h = round(100 + rnd() * 300);
        return {
          geometry_type: "rectangle",
          geometry: { x, y, width: w, height: h, ...(rnd() < 0.3 ? { rotation: 90 } : {}) },
          quantity: round((w * h) / 100),
        };
      }
      const pts = [
        { x, y },
        { x: x + 300, y },
        { x: x + 300, y: y + 200 },
        { x: x + 120, y: y + 260 },
        { x, y: y + 200 },
      ];
      return { geometry_type: "polygon", geometry: { points: pts }, quantity: round(400 + rnd() * 900) };
    }
    case "volume": {
      const r = round(20 + rnd() * 40);
      return { geometry_type: "circle", geometry: { center: { x, y }, radius: r }, quantity: round(1 + rnd() * 12) };
    }
    default:
      return { geometry_type: "point", geometry: { x, y }, quantity: 1 };
  }
}

type ConditionSpec = {
  ref: string;
  name: string;
  scope: string;
  category: string;
  measurement_type: "linear" | "area" | "volume" | "count";
  unit: string;
  color: string;
  description?: string;
  unit_cost?: number;
};

function costs(c: ConditionSpec, quantity: number) {
  if (!c.unit_cost) return undefined;
  const total = round(quantity * c.unit_cost);
  const material = round(total * 0.55);
  const labor = round(total * 0.3);
  const equipment = round(total * 0.1);
  const other = round(total - material - labor - equipment);
  return {
    material_cost: material,
    labor_cost: labor,
    equipment_cost: equipment,
    subcontract_cost: 0,
    other_cost: other,
    total_cost: total,
    unit_cost: c.unit_cost,
    total_labor_hours: round(labor / 65, 1),
    overhead_percent: 10,
    profit_percent: 8,
    total_with_markup: round(total * 1.18),
  };
}

function buildProject(opts: {
  seed: number;
  name: string;
  description: string;
  client_name: string;
  address: string;
  conditions: ConditionSpec[];
  documents: { name: string; sheets: [string, string][] }[];
  perPage: number;
}) {
  const rnd = prng(opts.seed);
  const totals = new Map<string, number>();
  const documents = opts.documents.map((d) => ({
    name: d.name,
    pages: d.sheets.map(([sheet, title], i) => ({
      page_number: i + 1,
      sheet_number: sheet,
      sheet_title: title,
      measurements: Array.from({ length: opts.perPage }, (_, k) => {
        const c = opts.conditions[Math.floor(rnd() * opts.conditions.length)];
        const g = shapeFor(c.measurement_type, rnd);
        totals.set(c.ref, (totals.get(c.ref) ?? 0) + g.quantity);
        return {
          condition: c.ref,
          ...g,
          unit: c.unit,
          is_ai_generated: rnd() < 0.4,
          is_verified: rnd() < 0.85,
          notes: k % 7 === 0 ? `Checked against ${sheet} detail ${1 + Math.floor(rnd() * 9)}` : null,
        };
      }),
    })),
  }));
  return {
    name: opts.name,
    description: opts.description,
    client_name: opts.client_name,
    address: opts.address,
    conditions: opts.conditions.map(({ unit_cost, ...c }) => ({
      ...c,
      description: c.description ?? null,
      building: "Main Building",
      costs: costs({ ...c, unit_cost }, totals.get(c.ref) ?? 0) ?? null,
    })),
    documents,
  };
}

export function demoProjects() {
  return [
    buildProject({
      seed: 42,
      name: "Riverside Medical Office Building",
      description: "Three-storey medical office building with underground parking.",
      client_name: "Harbor Health Partners",
      address: "1200 Riverside Drive, Portland, OR 97201",
      perPage: 14,
      conditions: [
        {
          ref: "slab",
          name: 'Slab on Grade 6"',
          scope: "concrete",
          category: "slab",
          measurement_type: "area",
          unit: "SF",
          color: "#3B82F6",
          unit_cost: 5.47,
          description: "Ground floor slab, 4000 psi",
        },
        {
          ref: "footing",
          name: "Continuous Footing",
          scope: "concrete",
          category: "footing",
          measurement_type: "linear",
          unit: "LF",
          color: "#EF4444",
          unit_cost: 38.5,
        },
        {
          ref: "excavation",
          name: "Pier Excavation",
          scope: "earthwork",
          category: "excavation",
          measurement_type: "volume",
          unit: "CY",
          color: "#A16207",
          unit_cost: 24,
        },
        {
          ref: "walls",
          name: "Interior Partition Walls",
          scope: "drywall",
          category: "walls",
          measurement_type: "linear",
          unit: "LF",
          color: "#10B981",
        },
        {
          ref: "doors",
          name: "Doors - Hollow Metal",
          scope: "openings",
          category: "doors",
          measurement_type: "count",
          unit: "EA",
          color: "#8B5CF6",
          unit_cost: 1150,
        },
        {
          ref: "ceiling",
          name: "ACT Ceiling 2x4",
          scope: "ceilings",
          category: "ceilings",
          measurement_type: "area",
          unit: "SF",
          color: "#F59E0B",
        },
        {
          ref: "lights",
          name: "Light Fixtures 2x4 LED",
          scope: "electrical",
          category: "fixtures",
          measurement_type: "count",
          unit: "EA",
          color: "#EC4899",
        },
      ],
      documents: [
        {
          name: "Structural Set.pdf",
          sheets: [
            ["S-001", "Foundation Plan"],
            ["S-101", "Ground Floor Framing"],
            ["S-102", "Second Floor Framing"],
            ["S-501", "Details"],
          ],
        },
        {
          name: "Architectural Set.pdf",
          sheets: [
            ["A-101", "Ground Floor Plan"],
            ["A-102", "Second Floor Plan"],
            ["A-103", "Third Floor Plan"],
            ["A-401", "Reflected Ceiling Plan"],
            ["A-601", "Door Schedule"],
          ],
        },
        {
          name: "Electrical Set.pdf",
          sheets: [
            ["E-101", "Lighting Plan Level 1"],
            ["E-102", "Lighting Plan Level 2"],
          ],
        },
      ],
    }),
    buildProject({
      seed: 7,
      name: "Oakwood Elementary School Renovation",
      description: "Renovation of classrooms and a new gymnasium wing.",
      client_name: "Oakwood Unified School District",
      address: "455 Oak Street, Sacramento, CA 95814",
      perPage: 16,
      conditions: [
        {
          ref: "gym-slab",
          name: "Gymnasium Slab",
          scope: "concrete",
          category: "slab",
          measurement_type: "area",
          unit: "SF",
          color: "#2563EB",
          unit_cost: 6.1,
        },
        {
          ref: "flooring",
          name: "VCT Flooring",
          scope: "finishes",
          category: "flooring",
          measurement_type: "area",
          unit: "SF",
          color: "#0EA5E9",
          unit_cost: 4.25,
        },
        {
          ref: "base",
          name: 'Rubber Base 4"',
          scope: "finishes",
          category: "base",
          measurement_type: "linear",
          unit: "LF",
          color: "#14B8A6",
        },
        {
          ref: "paint",
          name: "Paint Walls (2 coats)",
          scope: "finishes",
          category: "paint",
          measurement_type: "area",
          unit: "SF",
          color: "#84CC16",
        },
        {
          ref: "backfill",
          name: "Structural Backfill",
          scope: "earthwork",
          category: "backfill",
          measurement_type: "volume",
          unit: "CY",
          color: "#B45309",
          unit_cost: 31,
        },
        {
          ref: "outlets",
          name: "Duplex Receptacles",
          scope: "electrical",
          category: "devices",
          measurement_type: "count",
          unit: "EA",
          color: "#DB2777",
        },
      ],
      documents: [
        {
          name: "Gymnasium Addition.pdf",
          sheets: [
            ["A-201", "Gym Floor Plan"],
            ["A-202", "Gym Roof Plan"],
            ["S-201", "Gym Foundation"],
          ],
        },
        {
          name: "Classroom Renovation.pdf",
          sheets: [
            ["A-301", "Classrooms West"],
            ["A-302", "Classrooms East"],
            ["E-301", "Power Plan"],
          ],
        },
      ],
    }),
  ];
}

/** Creates the demo account and projects when missing. */
export async function seedDemo(): Promise<void> {
  const db = await getDb();
  const auth = await getAuth();
  let [user] = await db.select().from(users).where(eq(users.email, DEMO_EMAIL));
  if (!user) {
    await auth.api.signUpEmail({ body: { email: DEMO_EMAIL, password: DEMO_PASSWORD, name: "Demo Estimator" } });
    [user] = await db.select().from(users).where(eq(users.email, DEMO_EMAIL));
  }
  const existing = await db.select({ id: projects.id }).from(projects).where(eq(projects.userId, user.id)).limit(1);
  if (existing.length > 0) return;
  for (const body of demoProjects()) {
    await importProject(db, user.id, ProjectImportSchema.parse(body));
  }
  logger.info("seeded demo data", { email: DEMO_EMAIL });
}
