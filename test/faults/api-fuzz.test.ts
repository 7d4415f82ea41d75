import fc from "fast-check";
import { beforeAll, expect, it } from "vitest";
import { openMemberSession } from "../../src/access/service.ts";
import { describeEachDatabase } from "../support/databases.ts";
import { type Brand, useEnclave } from "../support/harness.ts";
import {
  loadOpenApi,
  type OpenApi,
  type Operation,
  operationsOf,
  queryString,
  resolverOf,
  validatorsOf,
} from "../support/openapi.ts";
import { hostileBody, type JsonSchema, valueFor } from "../support/schema-arbitrary.ts";

/**
 * Every route of the OpenAPI document, driven with generated requests: bodies that follow the schema, bodies that
 * almost do, and anything at all, under every kind of credential. Nothing may answer 5xx, every error is a problem
 * document, and every success matches the schema the document declares for it. `FUZZ_RUNS` sets requests per
 * route (`npm run test:faults` runs many more than `npm test`).
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 12);

type Credential = "owner" | "write" | "read" | "member" | "none" | "bogus";

describeEachDatabase("API fuzzing from the OpenAPI document", (db) => {
  const h = useEnclave(db);
  let doc: OpenApi;
  let brand: Brand;
  let tokens: Record<Credential, string | undefined>;
  const ids: Record<string, string[]> = {};
  let resolve: (ref: string) => JsonSchema;
  let validatorFor: ReturnType<typeof validatorsOf>;

  beforeAll(async () => {
    doc = await loadOpenApi(h());
    resolve = resolverOf(doc);
    validatorFor = validatorsOf(doc);
    brand = await h().newBrand({ demo: false });
    const store = await h().api<{ org_unit_id: string }>("POST", "/v1/org-units", {
      token: brand.ownerToken,
      body: { parent_id: brand.hqId, kind: "store", code: "F1", name: "Fuzz store" },
    });
    const member = await h().api<{ member_id: string; card_no: string }>("POST", "/v1/members", {
      token: brand.writeKey,
      body: { phone: "13900000001", channel: "api", store_id: store.body.org_unit_id },
    });
    const order = await h().api<{ order_id: string }>("POST", "/v1/orders", {
      token: brand.writeKey,
      body: {
        channel: "pos",
        external_id: "fuzz-1",
        member: { member_id: member.body.member_id },
        currency: "CNY",
        ordered_at: new Date().toISOString(),
        lines: [{ sku: "TEA", quantity: 1, unit_price_minor: 2_000 }],
        paid_minor: 2_000,
      },
    });
    expect([store.status, member.status, order.status]).toEqual([201, 201, 201]);
    const session = await openMemberSession(
      h().enclave.platform.database.db,
      brand.tenantId,
      member.body.member_id,
      new Date(),
    );
    // Ids of things deeper routes act on, so generated requests get past "not found" to the rules behind it.
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
      {
        token: session.token,
        body: { recipient_name: "Li", phone: "13912345678", address: "1 Main Street" },
      },
    );
    expect([task.status, trial.status, application.status]).toEqual([201, 201, 201]);
    Object.assign(ids, {
      member_id: [member.body.member_id],
      order_id: [order.body.order_id],
      org_unit_id: [store.body.org_unit_id, brand.hqId],
      tenant_slug: [brand.slug],
      coupon: [member.body.card_no],
      task_id: [task.body.task_id],
      trial_id: [trial.body.trial_id],
      application_id: [application.body.application_id],
    });
    tokens = {
      owner: brand.ownerToken,
      write: brand.writeKey,
      read: brand.readKey,
      member: session.token,
      none: undefined,
      bogus: `ek.${brand.tenantId}.key_00000000000000000000000000.not-a-secret`,
    };
  });

  function requestFor(path: string, method: string, op: Operation) {
    const pathParams = (op.parameters ?? []).filter((p) => p.in === "path");
    const queryParams = (op.parameters ?? []).filter((p) => p.in === "query");
    const bodySchema = op.requestBody?.content["application/json"]?.schema;
    // Logging out would end the session the rest of the run uses; it gets every credential but the owner's.
    const credentials: Credential[] =
      path === "/v1/auth/logout"
        ? ["write", "read", "member", "none", "bogus"]
        : ["owner", "owner", "write", "read", "member", "none", "bogus"];
    return fc.record({
      credential: fc.constantFrom(...credentials),
      path: fc.tuple(
        ...pathParams.map((p) =>
          fc.oneof(
            { weight: 3, arbitrary: fc.constantFrom(...(ids[p.name] ?? [`${p.name}_unknown`])) },
            // "." and ".." are not ids but path segments a URL resolves away (to another route).
            {
              weight: 1,
              arbitrary: fc.string({ minLength: 1, maxLength: 30 }).filter((v) => v !== "." && v !== ".."),
            },
          ),
        ),
      ),
      query: fc.record(Object.fromEntries(queryParams.map((p) => [p.name, valueFor(p.schema, resolve)])), {
        requiredKeys: [],
      }),
      body: bodySchema
        ? fc.oneof(
            { weight: 3, arbitrary: valueFor(bodySchema, resolve).map((v) => JSON.stringify(v)) },
            { weight: 1, arbitrary: hostileBody() },
          )
        : fc.constant(undefined),
      idempotencyKey: fc.option(fc.oneof(fc.uuid(), fc.constant("fuzz-replayed")), { nil: undefined }),
      method: fc.constant(method.toUpperCase()),
    });
  }

  it(
    "answers every route with no 5xx, problem documents for errors and bodies that match the document",
    { timeout: Math.max(60_000, RUNS * 3_000) },
    async () => {
      const operations = operationsOf(doc);
      expect(operations.length).toBeGreaterThan(100);
      let requests = 0;
      const statuses = new Map<number, number>();
      for (const { path, method, op } of operations) {
        await fc.assert(
          fc.asyncProperty(requestFor(path, method, op), async (req) => {
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
                ...(req.idempotencyKey ? { "idempotency-key": req.idempotencyKey } : {}),
              },
              ...(req.body !== undefined ? { payload: req.body } : {}),
            });
            requests++;
            statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
            const where = `${req.method} ${url} as ${req.credential} body=${(req.body ?? "").slice(0, 300)}`;
            expect(response.statusCode, `${where} → ${response.body.slice(0, 500)}`).toBeLessThan(500);
            const type = String(response.headers["content-type"] ?? "");
            if (response.statusCode >= 400) {
              expect(type, where).toContain("application/problem+json");
              const problem = JSON.parse(response.body) as { type?: unknown; status?: unknown };
              expect(typeof problem.type, where).toBe("string");
              expect(problem.status, where).toBe(response.statusCode);
              return;
            }
            const schema = op.responses?.[String(response.statusCode)]?.content?.["application/json"]?.schema;
            if (schema && type.includes("json")) {
              const validate = validatorFor(`${method} ${path} ${response.statusCode}`, schema);
              const body: unknown = JSON.parse(response.body);
              expect(validate(body), `${where} → ${JSON.stringify(validate.errors)}`).toBe(true);
            }
          }),
          { numRuns: RUNS, endOnFailure: true },
        );
      }
      if (process.env.FUZZ_REPORT) console.log(JSON.stringify([...statuses].sort()));
      // The run reached past validation: some requests succeeded and some were refused.
      const succeeded = [...statuses].filter(([s]) => s < 300).reduce((n, [, c]) => n + c, 0);
      expect(requests).toBe(operations.length * RUNS);
      expect(succeeded).toBeGreaterThan(operations.length);
    },
  );
});
