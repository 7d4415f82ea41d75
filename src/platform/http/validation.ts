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
    // Errors carry the schema they broke, so a pattern's refusal can say what it wants (patternMessage).
    verbose: true,
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
  for (const error of errors.filter((e) => !isUnionNoise(e, errors))) {
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
    } else if (error.keyword === "pattern") {
      message = patternMessage(error.parentSchema) ?? message;
    }
    // anyOf/oneOf repeat the same path once per branch; one line per field is clearer.
    const dedupe = `${field}|${error.keyword === "anyOf" || error.keyword === "oneOf" ? "" : message}`;
    if (seen.has(dedupe)) continue;
    seen.add(dedupe);
    result.push({ in: where, field: field || "/", message });
  }
  return result;
}

/**
 * A value that fails every branch of a union (`Nullable(…)`, say) gets one error per branch plus "must match a
 * schema in anyOf". When a branch says what is actually wrong deeper in, the others' refusals ("must be null")
 * and the union's summary are noise.
 */
function isUnionNoise(error: ErrorObject, all: ErrorObject[]): boolean {
  const generic =
    error.keyword === "anyOf" ||
    error.keyword === "oneOf" ||
    (error.keyword === "type" && (error.params as { type?: unknown }).type === "null");
  if (!generic) return false;
  const path = error.instancePath;
  return all.some(
    (other) =>
      other !== error &&
      other.keyword !== "anyOf" &&
      other.keyword !== "oneOf" &&
      !(other.keyword === "type" && other.instancePath === path) &&
      (other.instancePath === path || other.instancePath.startsWith(`${path}/`)),
  );
}

/** Patterns many fields share, in words: a regular expression means nothing to the person filling a form. */
const PATTERN_WORDS: Record<string, string> = {
  "^[A-Za-z0-9_.-]+$": "may hold only letters, digits and _ . -",
  "^[A-Za-z0-9_-]+$": "may hold only letters, digits and _ -",
  "^[a-z0-9_.-]+$": "may hold only lower-case letters, digits and _ . -",
  "^[A-Z]{3}$": "must be a three-letter currency code such as CNY",
};

/** What a pattern wants, in words where known, else by the schema's first example; undefined to keep Ajv's. */
export function patternMessage(schema: unknown): string | undefined {
  if (typeof schema !== "object" || schema === null) return undefined;
  const { pattern, examples } = schema as { pattern?: unknown; examples?: unknown };
  if (typeof pattern === "string" && PATTERN_WORDS[pattern]) return PATTERN_WORDS[pattern];
  if (Array.isArray(examples) && examples.length > 0) return `must look like ${String(examples[0])}`;
  return undefined;
}
