import { Ajv, type ValidateFunction } from "ajv";
import addFormatsPlugin from "ajv-formats";
import fc from "fast-check";
import { beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "../../test/support/databases.ts";
import { useEnclave } from "../../test/support/harness.ts";
import { hostileBody, type JsonSchema, valueFor } from "../../test/support/schema-arbitrary.ts";
import { couponTemplate, memberToken, newMember } from "./engagement.test-support.ts";

/**
 * The engagement routes of the OpenAPI document, driven with generated requests under every kind of credential
 * (as test/faults/api-fuzz.test.ts does for the whole API): nothing answers 5xx, errors are problem documents, and
 * successes match the declared schema.
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 25);
const addFormats = addFormatsPlugin as unknown as (ajv: Ajv) => Ajv;
const OURS =
  /^\/v1\/(engagement|trials|trial-applications|me\/(checkins|tasks|referral|trials|trial-applications|member-day)|members\/\{member_id\}\/(checkins|referral))/;

interface Parameter {
  name: string;
  in: "path" | "query" | "header";
  schema: JsonSchema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  responses?: Record<string, { content?: Record<string, { schema: JsonSchema }> }>;
}
interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, JsonSchema> };
}

type Credential = "owner" | "write" | "read" | "member" | "none";

describeEachDatabase("Engagement API fuzzing", (db) => {
  const h = useEnclave(db);
  let doc: OpenApi;
  let tokens: Record<Credential, string | undefined>;
  const ids: Record<string, string[]> = {};
  const ajv = addFormats(new Ajv({ strict: false, allErrors: false }));
  const validators = new Map<string, ValidateFunction>();

  beforeAll(async () => {
    doc = (await h().api<OpenApi>("GET", "/openapi.json")).body;
    ajv.addSchema({ $id: "openapi", components: doc.components });
    const brand = await h().newBrand();
    await couponTemplate(h(), brand, "FUZZ1");
    const member = await newMember(h(), brand);
    const token = await memberToken(h(), brand, member);
    const task = await h().api<{ task_id: string }>("POST", "/v1/engagement/tasks", {
      token: brand.writeKey,
      body: { code: "T1", name: "Share", event_type: "share", period: "daily", reward_points: 1 },
    });
    const trial = await h().api<{ trial_id: string }>("POST", "/v1/trials", {
      token: brand.writeKey,
      body: {
        code: "TR1",
        name: "Trial",
        product_sku: "SKU",
        quota: 2,
        applications_open_at: new Date(Date.now() - 86_400_000).toISOString(),
        applications_close_at: new Date(Date.now() + 86_400_000).toISOString(),
      },
    });
    const application = await h().api<{ application_id: string }>(
      "POST",
      `/v1/me/trials/${trial.body.trial_id}/applications`,
      { token, body: { recipient_name: "Li", phone: "13912345678", address: "1 Main Street" } },
    );
    expect([task.status, trial.status, application.status]).toEqual([201, 201, 201]);
    Object.assign(ids, {
      member_id: [member],
      task_id: [task.body.task_id],
      trial_id: [trial.body.trial_id],
      application_id: [application.body.application_id],
    });
    tokens = {
      owner: brand.ownerToken,
      write: brand.writeKey,
      read: brand.readKey,
      member: token,
      none: undefined,
    };
  });

  const resolve = (ref: string): JsonSchema => {
    const schema = doc.components.schemas[ref.split("/").pop() ?? ""];
    if (!schema) throw new Error(`unresolved ${ref}`);
    return schema;
  };

  function validatorFor(key: string, schema: JsonSchema): ValidateFunction {
    let validate = validators.get(key);
    if (!validate) {
      const text = JSON.stringify(schema).replaceAll('"$ref":"#/', '"$ref":"openapi#/');
      validate = ajv.compile(JSON.parse(text) as object);
      validators.set(key, validate);
    }
    return validate;
  }

  function requestFor(method: string, op: Operation) {
    const pathParams = (op.parameters ?? []).filter((p) => p.in === "path");
    const queryParams = (op.parameters ?? []).filter((p) => p.in === "query");
    const bodySchema = op.requestBody?.content["application/json"]?.schema;
    return fc.record({
      credential: fc.constantFrom<Credential>("owner", "write", "write", "read", "member", "member", "none"),
      path: fc.tuple(
        ...pathParams.map((p) =>
          fc.oneof(
            { weight: 4, arbitrary: fc.constantFrom(...(ids[p.name] ?? [`${p.name}_unknown`])) },
            { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 30 }) },
          ),
        ),
      ),
      query: fc.record(Object.fromEntries(queryParams.map((p) => [p.name, valueFor(p.schema, resolve)])), {
        requiredKeys: [],
      }),
      body: bodySchema
        ? fc.oneof(
            { weight: 4, arbitrary: valueFor(bodySchema, resolve).map((v) => JSON.stringify(v)) },
            { weight: 1, arbitrary: hostileBody() },
          )
        : fc.constant(undefined),
      method: fc.constant(method.toUpperCase()),
    });
  }

  it("answers every engagement route with no 5xx and bodies that match the document", async () => {
    const operations = Object.entries(doc.paths)
      .filter(([path]) => OURS.test(path))
      .flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })));
    expect(operations.length).toBeGreaterThan(30);
    let succeeded = 0;
    for (const { path, method, op } of operations) {
      await fc.assert(
        fc.asyncProperty(requestFor(method, op), async (req) => {
          let index = 0;
          const url =
            path.replace(/\{\w+\}/g, () => encodeURIComponent(req.path[index++] ?? "x")) +
            queryString(req.query);
          const token = tokens[req.credential];
          const response = await h().enclave.http.inject({
            method: req.method as "GET",
            url,
            headers: {
              ...(token ? { authorization: `Bearer ${token}` } : {}),
              ...(req.body !== undefined ? { "content-type": "application/json" } : {}),
            },
            ...(req.body !== undefined ? { payload: req.body } : {}),
          });
          const where = `${req.method} ${url} as ${req.credential} body=${(req.body ?? "").slice(0, 300)}`;
          expect(response.statusCode, `${where} → ${response.body.slice(0, 500)}`).toBeLessThan(500);
          const type = String(response.headers["content-type"] ?? "");
          if (response.statusCode >= 400) {
            expect(type, where).toContain("application/problem+json");
            return;
          }
          succeeded++;
          const schema = op.responses?.[String(response.statusCode)]?.content?.["application/json"]?.schema;
          if (schema && type.includes("json")) {
            const validate = validatorFor(`${method} ${path} ${response.statusCode}`, schema);
            expect(validate(JSON.parse(response.body)), `${where} → ${JSON.stringify(validate.errors)}`).toBe(
              true,
            );
          }
        }),
        { numRuns: RUNS, endOnFailure: true },
      );
    }
    expect(succeeded).toBeGreaterThan(operations.length);
  });
});

function queryString(query: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    params.set(key, typeof value === "string" ? value : JSON.stringify(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}
