import { beforeAll, expect, it } from "vitest";
import { buildOrg, drain, type Org, staffMember } from "../../src/org/org.test-support.ts";
import { describeEachDatabase } from "../support/databases.ts";
import { type Brand, useEnclave } from "../support/harness.ts";
import {
  bodySchemaOf,
  fillPath,
  loadOpenApi,
  type Method,
  operationsOf,
  resolverOf,
  sampleBodies,
} from "../support/openapi.ts";

/**
 * Every route of the OpenAPI document, called by credentials that must not reach another's data: a staff session
 * that expired (an owner's, so only the expiry stands in the way), a revoked API key (a write key), a member session
 * that was logged out, another member's session, and a guide of another store. Nothing answers 5xx; dead credentials
 * get 401 everywhere; live ones never get a success that shows or changes the member they do not own, and that
 * member's whole data export is the same after the sweep as before. Another brand's credentials, and member ids in
 * queries and bodies, are the scope sweep's (scope-sweep.test.ts).
 */

interface Probe {
  method: Method;
  path: string;
  url: string;
  bodies: unknown[];
}

/** Schema-valid bodies per route (plus `{}`): enough to get past validation to the scope checks. */
const VALID_BODIES_PER_ROUTE = 2;
const SEED = 20_261_123;

describeEachDatabase("Access sweep: dead credentials, other members, guides outside their scope", (db) => {
  const h = useEnclave(db);
  let brand: Brand;
  let org: Org;
  let probes: Probe[];
  /** The member whose data nobody below may reach, and what would identify it in a response. */
  const victim = { member_id: "", phone: "", card_no: "", order_id: "", coupon: "" };
  const tokens = {
    expiredOwner: "",
    revokedKey: "",
    loggedOutMember: "",
    otherMember: "",
    otherGuide: "",
    ownGuide: "",
  };

  const exportOfVictim = async () => {
    const res = await h().api<Record<string, unknown>>("GET", `/v1/members/${victim.member_id}/data-export`, {
      token: brand.ownerToken,
    });
    expect(res.status).toBe(200);
    const { exported_at: _at, ...rest } = res.body;
    return rest;
  };

  beforeAll(async () => {
    brand = await h().newBrand();
    org = await buildOrg(h(), brand);
    const guideA = await staffMember(h(), brand, "guide", org.s1, "Guide A");
    const guideB = await staffMember(h(), brand, "guide", org.s2, "Guide B");
    tokens.otherGuide = guideB.token;
    tokens.ownGuide = guideA.token;

    const open = async (token: string, store: string, phone: string) => {
      const res = await h().api<{ member_id: string; phone: string; card_no: string }>(
        "POST",
        "/v1/members",
        {
          token,
          body: { phone, channel: "store", store_id: store, name: "Sweep", email: `${phone}@sweep.test` },
        },
      );
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body;
    };
    const a = await open(guideA.token, org.s1, "13655500001");
    const b = await open(guideB.token, org.s2, "13655500002");
    Object.assign(victim, { member_id: a.member_id, phone: a.phone, card_no: a.card_no });
    const order = await h().api<{ order_id: string }>("POST", "/v1/orders", {
      token: brand.writeKey,
      body: {
        channel: "pos",
        external_id: "sweep-1",
        member: { member_id: a.member_id },
        store_id: org.s1,
        guide_id: guideA.id,
        currency: "CNY",
        ordered_at: new Date().toISOString(),
        lines: [{ sku: "TEA", quantity: 1, unit_price_minor: 3_000 }],
        paid_minor: 3_000,
      },
    });
    expect(order.status, JSON.stringify(order.body)).toBe(201);
    victim.order_id = order.body.order_id;
    const adjust = await h().api("POST", `/v1/members/${a.member_id}/points/adjustments`, {
      token: brand.ownerToken,
      body: { amount: 500, reason: "sweep balance" },
    });
    expect(adjust.status).toBe(201);

    const template = await h().api("POST", "/v1/coupon-templates", {
      token: brand.ownerToken,
      body: {
        code: "SWEEP10",
        name: "Sweep 10 off",
        benefit: { kind: "amount_off", amount_minor: 1_000 },
        validity: { kind: "relative", days: 30 },
      },
    });
    expect(template.status, JSON.stringify(template.body)).toBe(201);
    const issued = await h().api<{ coupons: { code: string }[] }>(
      "POST",
      `/v1/members/${a.member_id}/coupons`,
      {
        token: brand.ownerToken,
        body: { template_code: "SWEEP10" },
      },
    );
    expect(issued.status, JSON.stringify(issued.body)).toBe(201);
    victim.coupon = issued.body.coupons[0]?.code ?? "";

    // An owner whose session ran out: only the expiry keeps it from every route.
    const lapsed = await staffMember(h(), brand, "owner", brand.hqId, "Lapsed owner");
    const sessionId = lapsed.token.split(".")[2] ?? "";
    await h()
      .enclave.platform.database.db.updateTable("sessions")
      .set({ expires_at: new Date(Date.now() - 1_000) })
      .where("tenant_id", "=", brand.tenantId)
      .where("session_id", "=", sessionId)
      .execute();
    tokens.expiredOwner = lapsed.token;

    const key = await h().api<{ api_key_id: string; key: string }>("POST", "/v1/api-keys", {
      token: brand.ownerToken,
      body: { name: "to revoke", scope: "write" },
    });
    expect(key.status).toBe(201);
    expect(
      (await h().api("DELETE", `/v1/api-keys/${key.body.api_key_id}`, { token: brand.ownerToken })).status,
    ).toBe(200);
    tokens.revokedKey = key.body.key;

    const session = async (memberId: string) => {
      const res = await h().api<{ token: string }>("POST", `/v1/members/${memberId}/sessions`, {
        token: brand.writeKey,
      });
      expect(res.status).toBe(201);
      return res.body.token;
    };
    tokens.loggedOutMember = await session(a.member_id);
    expect((await h().api("POST", "/v1/auth/logout", { token: tokens.loggedOutMember })).status).toBe(204);
    tokens.otherMember = await session(b.member_id);
    await drain(h());

    const doc = await loadOpenApi(h());
    const resolve = resolverOf(doc);
    const ids: Record<string, string> = {
      member_id: a.member_id,
      order_id: victim.order_id,
      org_unit_id: org.s1,
      staff_id: guideA.id,
      tenant_slug: brand.slug,
      coupon: victim.coupon,
    };
    probes = operationsOf(doc).map(({ method, path, op }) => {
      const schema = bodySchemaOf(op);
      return {
        method,
        path,
        url: fillPath(path, (name) => ids[name] ?? `unknown_${name}`),
        bodies: schema ? [{}, ...sampleBodies(schema, resolve, VALID_BODIES_PER_ROUTE, SEED)] : [undefined],
      };
    });
    expect(probes.length).toBeGreaterThan(100);
  });

  const call = (probe: Probe, token: string, body: unknown) =>
    h().api(probe.method, probe.url, { token, ...(body === undefined ? {} : { body }) });

  it("answers every route 401 to an expired staff session, a revoked API key and a logged-out member", async () => {
    for (const token of [tokens.expiredOwner, tokens.revokedKey, tokens.loggedOutMember]) {
      for (const probe of probes) {
        const res = await call(probe, token, probe.bodies[0]);
        expect(res.status, `${probe.method} ${probe.url} with ${token.slice(0, 3)} → ${res.text}`).toBe(401);
      }
    }
  });

  it("never shows or changes another member's data to a member's session", async () => {
    const before = await exportOfVictim();
    let reachedHandlers = 0;
    for (const probe of probes) {
      // Logging out would end the session the sweep uses.
      if (probe.path === "/v1/auth/logout") continue;
      const namesVictim = /\{(member_id|order_id|coupon)\}/.test(probe.path);
      for (const body of probe.bodies) {
        const res = await call(probe, tokens.otherMember, body);
        const where = `${probe.method} ${probe.url} body=${JSON.stringify(body)?.slice(0, 200)} → ${res.status} ${res.text.slice(0, 300)}`;
        expect(res.status, where).toBeLessThan(500);
        if (namesVictim) expect([400, 403, 404, 422], where).toContain(res.status);
        expect(res.text, where).not.toContain(victim.phone);
        expect(res.text, where).not.toContain(victim.card_no);
        if (res.status < 300) {
          reachedHandlers++;
          expect(res.text, where).not.toContain(victim.member_id);
          expect(res.text, where).not.toContain(victim.order_id);
          expect(res.text, where).not.toContain(victim.coupon);
        }
      }
    }
    // The member reached its own routes (the sweep is not all refusals at the door).
    expect(reachedHandlers).toBeGreaterThan(10);
    expect(await exportOfVictim()).toEqual(before);
  });

  it("refuses a guide every route naming another store's member or order", async () => {
    const before = await exportOfVictim();
    const scoped = probes.filter((p) => /\{(member_id|order_id)\}/.test(p.path));
    expect(scoped.length).toBeGreaterThan(15);
    for (const probe of scoped) {
      for (const body of probe.bodies) {
        const res = await call(probe, tokens.otherGuide, body);
        const where = `${probe.method} ${probe.url} body=${JSON.stringify(body)?.slice(0, 200)} → ${res.status} ${res.text.slice(0, 300)}`;
        expect([400, 403, 404, 422], where).toContain(res.status);
        expect(res.text, where).not.toContain(victim.phone);
        expect(res.text, where).not.toContain(victim.card_no);
      }
    }
    expect(await exportOfVictim()).toEqual(before);
    // The member's own guide reads the same routes: the refusals above are the scope, not broken probes.
    let ownReads = 0;
    for (const probe of scoped.filter((p) => p.method === "GET")) {
      if ((await call(probe, tokens.ownGuide, undefined)).status === 200) ownReads++;
    }
    expect(ownReads).toBeGreaterThan(10);
  });
});
