/**
 * The project import body (SPEC §5.3) and geometry shapes (§6.6). Every field
 * is validated; unknown fields are refused so typos do not vanish silently.
 */
import { z } from "zod";
import { GEOMETRY_TYPES, MEASUREMENT_TYPES } from "@/db/schema";

const text = (max: number) => z.string().max(max, `must be at most ${max} characters`);
const optionalText = (max: number) => text(max).nullish();
const finite = z.number().refine(Number.isFinite, "must be a finite number");
const optionalNumber = finite.nullish();

export const PointSchema = z.strictObject({ x: finite, y: finite });

export const GEOMETRY_SCHEMAS = {
  line: z.strictObject({ start: PointSchema, end: PointSchema }),
  polyline: z.strictObject({ points: z.array(PointSchema).min(2, "needs at least 2 points").max(100_000) }),
  polygon: z.strictObject({ points: z.array(PointSchema).min(3, "needs at least 3 points").max(100_000) }),
  rectangle: z.strictObject({
    x: finite,
    y: finite,
    width: finite.refine((v) => v >= 0, "must not be negative"),
    height: finite.refine((v) => v >= 0, "must not be negative"),
    rotation: finite.optional(),
  }),
  circle: z.strictObject({ center: PointSchema, radius: finite.refine((v) => v >= 0, "must not be negative") }),
  point: PointSchema,
} as const;

export type GeometryType = (typeof GEOMETRY_TYPES)[number];

export const CostsSchema = z.strictObject({
  material_cost: optionalNumber,
  labor_cost: optionalNumber,
  equipment_cost: optionalNumber,
  subcontract_cost: optionalNumber,
  other_cost: optionalNumber,
  total_cost: optionalNumber,
  unit_cost: optionalNumber,
  total_labor_hours: optionalNumber,
  overhead_percent: optionalNumber,
  profit_percent: optionalNumber,
  total_with_markup: optionalNumber,
});

export const ImportConditionSchema = z.strictObject({
  ref: text(200).min(1).optional(),
  name: text(500).trim().min(1, "is required"),
  description: optionalText(5000),
  scope: optionalText(200),
  category: optionalText(200),
  measurement_type: z.enum(MEASUREMENT_TYPES, { error: `must be one of: ${MEASUREMENT_TYPES.join(", ")}` }),
  unit: text(50).trim().min(1, "is required"),
  color: z
    .string()
    .regex(/^#[0-9a-fA-F]{6}$/, "must be a colour like #3B82F6")
    .nullish(),
  depth: optionalNumber,
  thickness: optionalNumber,
  building: optionalText(200),
  area: optionalText(200),
  elevation: optionalText(200),
  costs: CostsSchema.nullish(),
});

export const ImportMeasurementSchema = z
  .strictObject({
    condition: text(200).min(1, "must name a condition ref"),
    geometry_type: z.enum(GEOMETRY_TYPES, { error: `must be one of: ${GEOMETRY_TYPES.join(", ")}` }),
    geometry: z.unknown(),
    quantity: finite,
    unit: text(50).trim().min(1).optional(),
    is_ai_generated: z.boolean().default(false),
    is_verified: z.boolean().default(false),
    notes: optionalText(10_000),
  })
  .superRefine((m, ctx) => {
    const schema = GEOMETRY_SCHEMAS[m.geometry_type];
    if (!schema) return;
    const parsed = schema.safeParse(m.geometry);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        ctx.addIssue({ code: "custom", path: ["geometry", ...issue.path], message: `${issue.message} (${m.geometry_type} geometry)` });
      }
    }
  });

export const ImportPageSchema = z.strictObject({
  page_number: z.number().int("must be a whole number").min(1).max(1_000_000),
  sheet_number: optionalText(100),
  sheet_title: optionalText(500),
  measurements: z.array(ImportMeasurementSchema).max(2_000_000).default([]),
});

export const ImportDocumentSchema = z.strictObject({
  name: text(500).trim().min(1, "is required"),
  page_count: z.number().int().min(0).max(1_000_000).optional(),
  pages: z.array(ImportPageSchema).max(100_000).default([]),
});

export const ProjectImportSchema = z
  .strictObject({
    name: text(500).trim().min(1, "is required"),
    description: optionalText(5000),
    client_name: optionalText(500),
    address: optionalText(1000),
    conditions: z.array(ImportConditionSchema).max(10_000).default([]),
    documents: z.array(ImportDocumentSchema).max(10_000).default([]),
  })
  .superRefine((p, ctx) => {
    const refs = new Map<string, number>();
    p.conditions.forEach((c, i) => {
      const ref = c.ref ?? c.name;
      if (refs.has(ref)) {
        ctx.addIssue({
          code: "custom",
          path: ["conditions", i, c.ref ? "ref" : "name"],
          message: `duplicates the ref "${ref}" of conditions[${refs.get(ref)}]`,
        });
      } else refs.set(ref, i);
    });
    p.documents.forEach((d, di) => {
      const seen = new Set<number>();
      d.pages.forEach((page, pi) => {
        if (seen.has(page.page_number)) {
          ctx.addIssue({
            code: "custom",
            path: ["documents", di, "pages", pi, "page_number"],
            message: `page ${page.page_number} appears twice in this document`,
          });
        }
        seen.add(page.page_number);
        page.measurements.forEach((m, mi) => {
          if (!refs.has(m.condition)) {
            ctx.addIssue({
              code: "custom",
              path: ["documents", di, "pages", pi, "measurements", mi, "condition"],
              message: `refers to an unknown condition ref "${m.condition}"`,
            });
          }
        });
      });
    });
  });

export type ProjectImport = z.output<typeof ProjectImportSchema>;
