import { DateTime } from "luxon";
import { beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "../../test/support/databases.ts";
import { type Brand, useEnclave } from "../../test/support/harness.ts";
import { cartOf } from "../coupons/http.test-support.ts";
import { buildOrg, drain, openCard, type Org, staffMember } from "./org.test-support.ts";

interface Result {
  staff_id: string;
  recruits: number;
  orders: number;
  sales_minor: number;
  redemptions: number;
  tasks_assigned: number;
  tasks_completed: number;
  rank_in_store: number;
  rank_in_region: number | null;
}

let orders = 0;

describeEachDatabase("Guide results", (database) => {
  const h = useEnclave(database);
  let brand: Brand;
  let org: Org;
  let bigOrder = "";
  const g = {} as Record<"a" | "b" | "c" | "d", { id: string; token: string }>;

  const order = async (memberId: string, paidMinor: number) => {
    const res = await h().api<{ order_id: string }>("POST", "/v1/orders", {
      token: brand.writeKey,
      body: {
        channel: "pos",
        external_id: `gr-${process.pid}-${++orders}`,
        member: { member_id: memberId },
        currency: "CNY",
        ordered_at: new Date().toISOString(),
        lines: [{ sku: "TEA", quantity: 1, unit_price_minor: paidMinor }],
        paid_minor: paidMinor,
      },
    });
    expect([200, 201], JSON.stringify(res.body)).toContain(res.status);
    return res.body.order_id;
  };
  const results = async (token: string, query = "") => {
    const res = await h().api<{ items: Result[] }>("GET", `/v1/guide-results${query}`, { token });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return new Map(res.body.items.map((r) => [r.staff_id, r]));
  };

  beforeAll(async () => {
    brand = await h().newBrand();
    org = await buildOrg(h(), brand);
    g.a = await staffMember(h(), brand, "guide", org.s1, "A");
    g.b = await staffMember(h(), brand, "guide", org.s1, "B");
    g.c = await staffMember(h(), brand, "guide", org.s2, "C");
    g.d = await staffMember(h(), brand, "guide", org.s3, "D");
    const a1 = await openCard(h(), g.a.token, { store_id: org.s1 });
    const a2 = await openCard(h(), g.a.token, { store_id: org.s1 });
    const b1 = await openCard(h(), g.b.token, { store_id: org.s1 });
    const c1 = await openCard(h(), g.c.token, { store_id: org.s2 });
    await order(a1.member_id, 5_000);
    await order(a2.member_id, 3_000);
    bigOrder = await order(b1.member_id, 10_000);
    await order(c1.member_id, 2_000);

    const template = await h().api("POST", "/v1/coupon-templates", {
      token: brand.ownerToken,
      body: {
        code: "TEN-OFF",
        name: "10 off",
        benefit: { kind: "amount_off", amount_minor: 1_000 },
        validity: { kind: "relative", days: 30 },
      },
    });
    expect(template.status, JSON.stringify(template.body)).toBe(201);
    const issued = await h().api<{ coupons: { coupon_id: string }[] }>(
      "POST",
      `/v1/members/${c1.member_id}/coupons`,
      { token: brand.writeKey, body: { template_code: "TEN-OFF" } },
    );
    const cart = cartOf([{ sku: "TEA", price: 50 }]);
    const commit = await h().api("POST", "/v1/checkout/commit", {
      token: brand.writeKey,
      body: {
        order_id: `gr-checkout-${process.pid}-${++orders}`,
        member_id: c1.member_id,
        cart,
        coupons: issued.body.coupons.map((c) => c.coupon_id),
        expected_payable_minor: 4_000,
      },
    });
    expect(commit.status, JSON.stringify(commit.body)).toBe(201);
    await drain(h());
  });

  it("counts recruits, sales and redemptions per guide, ranked within store and region", async () => {
    const all = await results(brand.ownerToken);
    expect(all.get(g.a.id)).toMatchObject({
      recruits: 2,
      orders: 2,
      sales_minor: 8_000,
      redemptions: 0,
      rank_in_store: 2,
      rank_in_region: 2,
    });
    expect(all.get(g.b.id)).toMatchObject({
      recruits: 1,
      sales_minor: 10_000,
      rank_in_store: 1,
      rank_in_region: 1,
    });
    expect(all.get(g.c.id)).toMatchObject({
      recruits: 1,
      sales_minor: 2_000,
      redemptions: 1,
      rank_in_store: 1,
    });
    expect(all.get(g.c.id)?.rank_in_region).toBe(3);
    // S3 hangs off HQ directly: it has no region.
    expect(all.get(g.d.id)).toMatchObject({ recruits: 0, rank_in_store: 1, rank_in_region: null });

    const byRecruits = await h().api<{ items: Result[] }>("GET", "/v1/guide-results?rank_by=recruits", {
      token: brand.ownerToken,
    });
    expect(byRecruits.body.items[0]?.staff_id).toBe(g.a.id);
  });

  it("takes refunds off the guide's sales, which can change the ranking", async () => {
    expect((await results(brand.ownerToken)).get(g.b.id)?.sales_minor).toBe(10_000);
    const refund = await h().api("POST", `/v1/orders/${bigOrder}/refunds`, {
      token: brand.writeKey,
      body: { external_id: "rf-1", amount_minor: 4_000 },
    });
    expect(refund.status, JSON.stringify(refund.body)).toBe(201);
    await drain(h());
    const after = await results(brand.ownerToken);
    expect(after.get(g.b.id)).toMatchObject({ sales_minor: 6_000, rank_in_store: 2 });
    expect(after.get(g.a.id)).toMatchObject({ sales_minor: 8_000, rank_in_store: 1 });
  });

  it("shows a guide the ranking of their own store, and nothing of other stores", async () => {
    const mine = await results(g.a.token);
    expect([...mine.keys()].sort()).toEqual([g.a.id, g.b.id].sort());
    const other = await h().api("GET", `/v1/guide-results?org_unit_id=${org.s2}`, { token: g.a.token });
    expect(other.status).toBe(404);
  });

  it("reads brand-local days and refuses a window backwards", async () => {
    const today = DateTime.now().setZone("Asia/Shanghai").toISODate() ?? "";
    const yesterday = DateTime.now().setZone("Asia/Shanghai").minus({ days: 1 }).toISODate() ?? "";
    expect((await results(brand.ownerToken, `?from=${today}&to=${today}`)).get(g.b.id)?.sales_minor).toBe(
      6_000,
    );
    expect(
      (await results(brand.ownerToken, `?from=${yesterday}&to=${yesterday}`)).get(g.b.id)?.sales_minor,
    ).toBe(0);
    const backwards = await h().api("GET", `/v1/guide-results?from=${today}&to=${yesterday}`, {
      token: brand.ownerToken,
    });
    expect(backwards.body).toMatchObject({ status: 400, field: "/from" });
  });
});
