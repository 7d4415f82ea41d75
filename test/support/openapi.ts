import { Ajv, type ValidateFunction } from "ajv";
import addFormatsPlugin from "ajv-formats";
import fc from "fast-check";
import type { Harness } from "./harness.ts";
import { type JsonSchema, valueFor } from "./schema-arbitrary.ts";

/**
 * The OpenAPI document as the specs that walk every route read it: its operations, their parameters and body
 * schemas, `$ref`s resolved, and validators compiled against the document's components.
 */

export type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

export interface Parameter {
  name: string;
  in: "path" | "query" | "header";
  required?: boolean;
  schema: JsonSchema;
}
export interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  responses?: Record<string, { content?: Record<string, { schema: JsonSchema }> }>;
  security?: unknown[];
}
export interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, JsonSchema> };
}
/** One method of one path. */
export interface ApiOperation {
  method: Method;
  path: string;
  op: Operation;
}

export async function loadOpenApi(h: Harness): Promise<OpenApi> {
  const res = await h.api<OpenApi>("GET", "/openapi.json");
  if (res.status !== 200) throw new Error(`GET /openapi.json answered ${res.status}`);
  return res.body;
}

/** Follows a `$ref` of the document (`#/components/schemas/Name`). */
export function resolverOf(doc: OpenApi): (ref: string) => JsonSchema {
  return (ref) => {
    const schema = doc.components.schemas[ref.split("/").pop() ?? ""];
    if (!schema) throw new Error(`unresolved ${ref}`);
    return schema;
  };
}

export function operationsOf(doc: OpenApi): ApiOperation[] {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ method: method.toUpperCase() as Method, path, op })),
  );
}

export const pathParameters = (path: string): string[] =>
  [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? "");
export const queryParameters = (op: Operation): Parameter[] =>
  (op.parameters ?? []).filter((p) => p.in === "query");
export const bodySchemaOf = (op: Operation): JsonSchema | undefined =>
  op.requestBody?.content["application/json"]?.schema;
/** Routes anyone may call (sign-in, one-time codes, QR scans): a credential changes nothing there. */
export const isPublic = (op: Operation): boolean => Array.isArray(op.security) && op.security.length === 0;

/** `path` with each `{name}` replaced by `value(name)`, URL-encoded. */
export function fillPath(path: string, value: (name: string) => string): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(value(name)));
}

export function queryString(query: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    params.set(key, typeof value === "string" ? value : JSON.stringify(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** `count` bodies generated from `schema` (mostly valid: see `valueFor`), the same ones for the same seed. */
export function sampleBodies(
  schema: JsonSchema,
  resolve: (ref: string) => JsonSchema,
  count: number,
  seed: number,
): unknown[] {
  return fc.sample(valueFor(schema, resolve), { numRuns: count, seed });
}

const addFormats = addFormatsPlugin as unknown as (ajv: Ajv) => Ajv;

type Validators = (key: string, schema: JsonSchema) => ValidateFunction;
const validatorsByDocument = new WeakMap<OpenApi, Validators>();

/** Compiles schemas of the document (their `$ref`s included), one validator per key (kept per document). */
export function validatorsOf(doc: OpenApi): Validators {
  const known = validatorsByDocument.get(doc);
  if (known) return known;
  const ajv = addFormats(new Ajv({ strict: false, allErrors: false }));
  ajv.addSchema({ $id: "openapi", components: doc.components });
  const validators = new Map<string, ValidateFunction>();
  const validatorFor: Validators = (key, schema) => {
    let validate = validators.get(key);
    if (!validate) {
      const text = JSON.stringify(schema).replaceAll('"$ref":"#/', '"$ref":"openapi#/');
      validate = ajv.compile(JSON.parse(text) as object);
      validators.set(key, validate);
    }
    return validate;
  };
  validatorsByDocument.set(doc, validatorFor);
  return validatorFor;
}
