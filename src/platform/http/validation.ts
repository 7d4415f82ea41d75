import { Ajv, type ErrorObject } from "ajv";
import addFormats from "ajv-formats";
import type { FastifySchemaCompiler } from "fastify";
import type { FieldError } from "./problems.ts";

function makeAjv(coerceTypes: boolean | "array") {
  // Unknown fields are errors, not silently dropped: a typo in a write must not look like success.
  const ajv = new Ajv({
    allErrors: true,
    coerceTypes,
    removeAdditional: false,
    useDefaults: true,
    strict: false,
  });
  addFormats.default(ajv);
  return ajv;
}

// JSON bodies are typed; only strings from the URL and headers are coerced to numbers and booleans.
const bodyAjv = makeAjv(false);
const urlAjv = makeAjv("array");

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) =>
  (httpPart === "body" ? bodyAjv : urlAjv).compile(schema as object);

const PART_NAMES: Record<string, string> = {
  body: "body",
  querystring: "query",
  params: "params",
  headers: "headers",
};

/** Ajv's errors as the fields at fault, as JSON pointers inside the part of the request they came from. */
export function fieldErrors(errors: ErrorObject[], context: string | undefined): FieldError[] {
  const where = PART_NAMES[context ?? "body"] ?? "body";
  const seen = new Set<string>();
  const result: FieldError[] = [];
  for (const error of errors) {
    let field = error.instancePath || "";
    let message = error.message ?? "is not valid";
    const params = error.params as Record<string, unknown>;
    if (error.keyword === "required" && typeof params.missingProperty === "string") {
      field = `${field}/${params.missingProperty}`;
      message = "is required";
    } else if (error.keyword === "additionalProperties" && typeof params.additionalProperty === "string") {
      field = `${field}/${params.additionalProperty}`;
      message = "is not a known field";
    } else if (error.keyword === "enum" && Array.isArray(params.allowedValues)) {
      message = `must be one of: ${params.allowedValues.join(", ")}`;
    }
    // anyOf/oneOf repeat the same path once per branch; one line per field is clearer.
    const dedupe = `${field}|${error.keyword === "anyOf" || error.keyword === "oneOf" ? "" : message}`;
    if (seen.has(dedupe)) continue;
    seen.add(dedupe);
    result.push({ in: where, field: field || "/", message });
  }
  return result;
}
