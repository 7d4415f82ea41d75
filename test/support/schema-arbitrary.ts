import fc from "fast-check";

/** A JSON Schema as the OpenAPI document writes it (the subset TypeBox produces). */
export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
}

const MAX_DEPTH = 6;
const MAX_ITEMS = 4;
const MAX_STRING = 40;

/**
 * Values that follow a schema (mostly: patterns and lengths are honoured where fast-check can, so a share of
 * them still fails validation, which is the point of a fuzzer). `resolve` follows `$ref`s of the document.
 */
export function valueFor(
  schema: JsonSchema,
  resolve: (ref: string) => JsonSchema,
  depth = 0,
): fc.Arbitrary<unknown> {
  if (schema.$ref) return valueFor(resolve(schema.$ref), resolve, depth);
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const options = schema.anyOf ?? schema.oneOf;
  if (options) return fc.oneof(...options.map((s) => valueFor(s, resolve, depth + 1)));
  if (schema.allOf) return valueFor(Object.assign({}, ...schema.allOf) as JsonSchema, resolve, depth);
  if (depth > MAX_DEPTH) return fc.constant(null);
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.length > 1)
    return fc.oneof(...types.map((type) => valueFor({ ...schema, type }, resolve, depth)));
  switch (types[0]) {
    case "string":
      return stringFor(schema);
    case "integer":
      return fc.integer({ min: bound(schema, "min", -1_000_000), max: bound(schema, "max", 1_000_000_000) });
    case "number":
      return fc.double({
        min: bound(schema, "min", -1e6),
        max: bound(schema, "max", 1e9),
        noNaN: true,
        noDefaultInfinity: true,
      });
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "array":
      return fc.array(schema.items ? valueFor(schema.items, resolve, depth + 1) : fc.jsonValue(), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.max(schema.minItems ?? 0, Math.min(schema.maxItems ?? MAX_ITEMS, MAX_ITEMS)),
      });
    case "object":
    case undefined:
      if (!schema.properties)
        return fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }));
      return fc.record(
        Object.fromEntries(
          Object.entries(schema.properties).map(([key, s]) => [key, valueFor(s, resolve, depth + 1)]),
        ),
        { requiredKeys: schema.required ?? [] },
      );
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function bound(schema: JsonSchema, side: "min" | "max", fallback: number): number {
  if (side === "min") return schema.minimum ?? (schema.exclusiveMinimum ?? fallback - 1) + 1;
  return schema.maximum ?? (schema.exclusiveMaximum ?? fallback + 1) - 1;
}

function stringFor(schema: JsonSchema): fc.Arbitrary<string> {
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.max(minLength, Math.min(schema.maxLength ?? MAX_STRING, MAX_STRING));
  switch (schema.format) {
    case "date-time":
      return fc
        .date({
          min: new Date("2000-01-01T00:00:00Z"),
          max: new Date("2040-01-01T00:00:00Z"),
          noInvalidDate: true,
        })
        .map((d) => d.toISOString());
    case "date":
      return fc
        .date({
          min: new Date("1930-01-01T00:00:00Z"),
          max: new Date("2040-01-01T00:00:00Z"),
          noInvalidDate: true,
        })
        .map((d) => d.toISOString().slice(0, 10));
    case "email":
      return fc.emailAddress();
    case "uri":
      return fc.webUrl();
    case "uuid":
      return fc.uuid();
  }
  if (schema.pattern) {
    return fc
      .stringMatching(new RegExp(schema.pattern))
      .filter((s) => s.length >= minLength && s.length <= (schema.maxLength ?? Infinity));
  }
  return fc.string({ minLength, maxLength, unit: "grapheme" });
}

/** Anything at all a client might send as a body: other JSON, wrong types, deep nesting, non-JSON text. */
export function hostileBody(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 60 }),
    fc.constantFrom(
      "",
      "{",
      "null",
      "[]",
      '{"__proto__":{"admin":true}}',
      `{"a":${"[".repeat(5000)}${"]".repeat(5000)}}`,
      JSON.stringify({ amount: Number.MAX_SAFE_INTEGER * 10, limit: -1 }),
      '{"phone":"\\u0000"}',
    ),
  );
}
