/**
 * Contract check: every JSON response a test gets through `callRoute` is
 * validated against the OpenAPI document (its status must be documented for
 * the operation, and its body must match the documented schema). A mismatch
 * throws, failing the test that produced it.
 */
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { openApiDocument, UNDOCUMENTED_ROUTES } from "@/lib/api/openapi";

let ajv: Ajv2020 | undefined;
const validators = new Map<string, ValidateFunction | null>();
export const contractStats = { checked: 0 };

function getAjv(): Ajv2020 {
  if (!ajv) {
    ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
    (addFormats as unknown as (a: Ajv2020) => void)(ajv);
    ajv.addSchema({ ...openApiDocument(), $id: "openapi" });
  }
  return ajv;
}

const pointer = (s: string) => s.replace(/~/g, "~0").replace(/\//g, "~1");

export async function checkContract(pathTemplate: string, method: string, res: Response): Promise<void> {
  if (UNDOCUMENTED_ROUTES.includes(pathTemplate)) return;
  const doc = openApiDocument() as { paths: Record<string, Record<string, { responses: Record<string, { content?: unknown }> }>> };
  const op = doc.paths[pathTemplate]?.[method.toLowerCase()];
  if (!op) throw new Error(`Contract: ${method} ${pathTemplate} is not in the OpenAPI document`);
  const documented = op.responses[String(res.status)];
  if (!documented) throw new Error(`Contract: ${method} ${pathTemplate} answered ${res.status}, which the OpenAPI document does not list`);
  if (!documented.content) return;
  const media = Object.keys(documented.content as Record<string, unknown>);
  if (!media.includes("application/json")) {
    // A documented non-JSON body (an SVG map): the response must carry that media type.
    const type = res.headers.get("content-type")?.split(";")[0].trim() ?? "";
    if (!media.includes(type))
      throw new Error(`Contract: ${method} ${pathTemplate} ${res.status} sent "${type}", documented ${media.join(", ")}`);
    return;
  }
  const key = `${method} ${pathTemplate} ${res.status}`;
  let validate = validators.get(key);
  if (validate === undefined) {
    validate = getAjv().compile({
      $ref: `openapi#/paths/${pointer(pathTemplate)}/${method.toLowerCase()}/responses/${res.status}/content/application~1json/schema`,
    });
    validators.set(key, validate);
  }
  const body = await res.clone().json();
  contractStats.checked++;
  if (!validate!(body)) {
    throw new Error(
      `Contract: ${key} body does not match the OpenAPI schema: ${JSON.stringify(validate!.errors?.slice(0, 5))}\n${JSON.stringify(body).slice(0, 500)}`,
    );
  }
}
