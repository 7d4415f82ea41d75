import { expect, it } from "vitest";
import { describeEachDatabase } from "../../test/support/databases.ts";
import { type Brand, useEnclave } from "../../test/support/harness.ts";
import { openMemberSession } from "../access/service.ts";
import { importMembers } from "../members/service.ts";
import {
  cartOf,
  grantPoints,
  ledgerProblems,
  newMember,
  pointsOf,
  templateBody,
  useCouponApi,
  yuan,
} from "./http.test-support.ts";

/**
 * Races, over HTTP. On PostgreSQL the requests run in parallel transactions (a pool of 10 connections); on the
 * embedded database they interleave on one connection. Either way the counts must be exact.
 */
describeEachDatabase("Coupons under concurrency", (database) => {
  const h = useEnclave(database);
  const api = useCouponApi(h);
  let brand: Brand;

  async function template(
    code: string,
    benefit: Record<string, unknown>,
    extra: Record<string, unknown> = {},
  ) {
    const res = await api()("POST", "/v1/coupon-templates", {
      token: brand.ownerToken,
      body: templateBody(code, benefit, extra),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }

  async function importedMembers(count: number, prefix: string): Promise<string[]> {
    const db = h().enclave.platform.database.db;
    const now = new Date();
    const created = await db.transaction().execute((tx) =>
      importMembers(
        tx,
        brand.tenantId,
        Array.from({ length: count }, (_, i) => ({
          phone: `+86${prefix}${String(i).padStart(11 - prefix.length, "0")}`,
          name: null,
          gender: "unknown" as const,
          birthday: null,
          region: null,
          consent: {},
          channel: "import",
          store_id: null,
          guide_id: null,
          scene_key: null,
          joined_at: now,
        })),
        now,
      ),
    );
    return created.map((m) => m.member_id);
  }

  const tally = (statuses: number[]) =>
    statuses.reduce<Record<number, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {});

  it("redeems one coupon exactly once out of 50 parallel checkouts", async () => {
    brand = await h().newBrand();
    await template("RACE-20", { kind: "amount_off", amount_minor: yuan(20) });
    const member = await newMember(h(), brand);
    const issued = await api()<{ coupons: { coupon_id: string }[] }>(
      "POST",
      `/v1/members/${member}/coupons`,
      { token: brand.writeKey, body: { template_code: "RACE-20" } },
    );
    const coupon = issued.body.coupons[0]?.coupon_id ?? "";
    const cart = cartOf([{ sku: "TEA", price: 50 }]);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        api()("POST", "/v1/checkout/commit", {
          token: brand.writeKey,
          body: {
            order_id: `race-${i}`,
            member_id: member,
            cart,
            coupons: [coupon],
            expected_payable_minor: yuan(30),
          },
        }),
      ),
    );
    expect(tally(results.map((r) => r.status))).toEqual({ 201: 1, 409: 49 });
    for (const r of results.filter((x) => x.status === 409))
      expect(r.body).toMatchObject({ code: "coupon-already-used" });
    const checkouts = await h()
      .enclave.platform.database.db.selectFrom("checkouts")
      .select("order_id")
      .where("tenant_id", "=", brand.tenantId)
      .execute();
    expect(checkouts).toHaveLength(1);
  });

  it("takes a coupon and points once when the same order is committed 20 times at once", async () => {
    await template("SAME-10", { kind: "amount_off", amount_minor: yuan(10) });
    const member = await newMember(h(), brand);
    await grantPoints(h(), brand, member, 1000);
    const issued = await api()<{ coupons: { coupon_id: string }[] }>(
      "POST",
      `/v1/members/${member}/coupons`,
      { token: brand.writeKey, body: { template_code: "SAME-10" } },
    );
    const body = {
      order_id: "same-order",
      member_id: member,
      cart: cartOf([{ sku: "TEA", price: 50 }]),
      coupons: [issued.body.coupons[0]?.coupon_id],
      points: 1000,
      expected_payable_minor: yuan(30),
    };
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        api()<{ replayed: boolean }>("POST", "/v1/checkout/commit", { token: brand.writeKey, body }),
      ),
    );
    expect(tally(results.map((r) => r.status))).toEqual({ 201: 1, 200: 19 });
    expect(await pointsOf(h(), brand, member)).toBe(0);
    expect(await ledgerProblems(h(), brand)).toEqual([]);
  });

  it("issues exactly K coupons from a budget of K to 1,000 parallel claimers", async () => {
    const K = 25;
    await template(
      "ARTICLE-50",
      { kind: "amount_off", amount_minor: yuan(50) },
      { claimable: true, max_issued: K, per_member_limit: 1 },
    );
    const members = await importedMembers(1000, "136");
    const db = h().enclave.platform.database.db;
    const tokens: string[] = [];
    for (const m of members) tokens.push((await openMemberSession(db, brand.tenantId, m, new Date())).token);
    const results = await Promise.all(
      tokens.map((token) =>
        api()("POST", "/v1/me/coupons/claim", { token, body: { template_code: "ARTICLE-50" } }),
      ),
    );
    expect(tally(results.map((r) => r.status))).toEqual({ 201: K, 409: 1000 - K });
    for (const r of results.filter((x) => x.status === 409))
      expect(r.body).toMatchObject({ code: "insufficient-stock" });
    const coupons = await db
      .selectFrom("coupons as c")
      .innerJoin("coupon_templates as t", (j) =>
        j.onRef("t.tenant_id", "=", "c.tenant_id").onRef("t.template_id", "=", "c.template_id"),
      )
      .select(["c.member_id", "t.issued_count"])
      .where("t.code", "=", "ARTICLE-50")
      .where("c.tenant_id", "=", brand.tenantId)
      .execute();
    expect(coupons).toHaveLength(K);
    expect(new Set(coupons.map((c) => c.member_id)).size).toBe(K);
    expect(coupons[0]?.issued_count).toBe(K);
  });

  it("gives one member one coupon however many times they tap claim at once", async () => {
    await template(
      "ONE-EACH",
      { kind: "amount_off", amount_minor: 500 },
      { claimable: true, per_member_limit: 1 },
    );
    const member = await newMember(h(), brand);
    const token = (
      await openMemberSession(h().enclave.platform.database.db, brand.tenantId, member, new Date())
    ).token;
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        api()("POST", "/v1/me/coupons/claim", { token, body: { template_code: "ONE-EACH" } }),
      ),
    );
    expect(tally(results.map((r) => r.status))).toEqual({ 201: 1, 422: 19 });
  });

  it("never overruns a coupon template's money budget under parallel checkouts", async () => {
    // Budget for three 20-yuan discounts; ten members with one coupon each check out at once.
    await template("BUDGET-20", { kind: "amount_off", amount_minor: yuan(20) }, { budget_minor: yuan(60) });
    const members = await importedMembers(10, "134");
    const issued = await api()<{ coupons: { coupon_id: string; member_id: string }[] }>(
      "POST",
      "/v1/coupon-issues",
      {
        token: brand.ownerToken,
        body: { template_code: "BUDGET-20", audience: { member_ids: members }, reference: "budget" },
      },
    );
    const results = await Promise.all(
      issued.body.coupons.map((c, i) =>
        api()("POST", "/v1/checkout/commit", {
          token: brand.writeKey,
          body: {
            order_id: `budget-${i}`,
            member_id: c.member_id,
            cart: cartOf([{ sku: "TEA", price: 50 }]),
            coupons: [c.coupon_id],
            expected_payable_minor: yuan(30),
          },
        }),
      ),
    );
    expect(tally(results.map((r) => r.status))).toEqual({ 201: 3, 409: 7 });
    for (const r of results.filter((x) => x.status === 409))
      expect(r.body).toMatchObject({ code: "insufficient-stock" });
  });

  it("redeems exactly the stock of a mall reward among parallel members", async () => {
    const reward = await api()("POST", "/v1/mall/rewards", {
      token: brand.ownerToken,
      body: { code: "MUG", name: "Mug", kind: "voucher", price_points: 100, stock: 5 },
    });
    expect(reward.status, JSON.stringify(reward.body)).toBe(201);
    const members = await importedMembers(30, "133");
    for (const m of members) await grantPoints(h(), brand, m, 100);
    const results = await Promise.all(
      members.map((m) =>
        api()("POST", `/v1/members/${m}/mall/redemptions`, {
          token: brand.writeKey,
          body: { reward_code: "MUG", reference: "mug-1" },
        }),
      ),
    );
    expect(tally(results.map((r) => r.status))).toEqual({ 201: 5, 409: 25 });
    const spent = await Promise.all(members.map((m) => pointsOf(h(), brand, m)));
    expect(spent.filter((p) => p === 0)).toHaveLength(5);
    expect(await ledgerProblems(h(), brand)).toEqual([]);
  });
});
