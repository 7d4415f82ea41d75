import { expect, it } from "vitest";
import { describeEachDatabase } from "../../test/support/databases.ts";
import { type Brand, type Harness, useEnclave } from "../../test/support/harness.ts";
import { fixedClock } from "../platform/clock.ts";
import {
  cartOf,
  grantPoints,
  ledgerProblems,
  memberToken,
  newMember,
  pointsOf,
  templateBody,
  useCouponApi,
  yuan,
} from "./http.test-support.ts";
import { releaseExpiredReservations } from "./release.ts";

const START = new Date("2026-05-06T04:00:00Z");
const MINUTE = 60_000;

interface Quote {
  best: {
    coupon_ids: string[];
    total_due_minor: number;
    discount_minor: number;
    member_discount_minor: number;
    member_shipping_minor: number;
    points_to_earn: number;
  };
  selected: { coupon_ids: string[]; total_due_minor: number } | null;
  coupons: {
    coupon_id: string;
    template_code: string;
    applicable: boolean;
    reason: string | null;
    discount_minor: number;
  }[];
  almost: { code: string; missing: { kind: string; amount_minor?: number }; message: string }[];
  points_payment: { max_points: number; max_value_minor: number; available_points: number };
  payable_minor: number;
  tier: { code: string | null; discount_percent: number };
}

interface Checkout {
  status: string;
  payable_minor: number;
  discount_minor: number;
  points_used: number;
  replayed: boolean;
  coupons: { coupon_id: string; discount_minor: number }[];
  hold_until: string | null;
  points_restored: number;
}

describeEachDatabase("Checkout: quote and commit", (database) => {
  const clock = fixedClock(START);
  const h = useEnclave(database, { clock });
  const api = useCouponApi(h);
  let brand: Brand;
  let orderCounter = 0;
  const orderId = () => `order-${process.pid}-${++orderCounter}`;

  async function template(
    b: Brand,
    code: string,
    benefit: Record<string, unknown>,
    extra: Record<string, unknown> = {},
  ) {
    const res = await api()("POST", "/v1/coupon-templates", {
      token: b.ownerToken,
      body: templateBody(code, benefit, extra),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }

  /** Issues templates to a member; returns coupon ids by template code. */
  async function give(b: Brand, memberId: string, ...codes: string[]): Promise<Record<string, string>> {
    const ids: Record<string, string> = {};
    for (const code of codes) {
      const res = await api()<{ coupons: { coupon_id: string }[] }>(
        "POST",
        `/v1/members/${memberId}/coupons`,
        { token: b.writeKey, body: { template_code: code } },
      );
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      ids[code] = res.body.coupons[0]?.coupon_id ?? "";
    }
    return ids;
  }

  const quote = (memberId: string, cart: unknown, coupons?: string[]) =>
    api()<Quote>("POST", "/v1/checkout/quote", {
      token: brand.writeKey,
      body: { member_id: memberId, cart, ...(coupons ? { coupons } : {}) },
    });

  const commit = (body: Record<string, unknown>) =>
    api()<Checkout>("POST", "/v1/checkout/commit", { token: brand.writeKey, body });

  async function memberWithPack(points = 0): Promise<{ member: string; coupons: Record<string, string> }> {
    const member = await newMember(h(), brand);
    if (points > 0) await grantPoints(h(), brand, member, points);
    return { member, coupons: await give(brand, member, "N148-20", "N178-30", "N150-100") };
  }

  it("quotes the newcomer pack: the best coupon, the near misses, points to earn and points usable", async () => {
    clock.set(START);
    brand = await h().newBrand();
    await template(
      brand,
      "N148-20",
      { kind: "amount_off", amount_minor: yuan(20) },
      { conditions: { min_spend_minor: yuan(148) } },
    );
    await template(
      brand,
      "N178-30",
      { kind: "amount_off", amount_minor: yuan(30) },
      { conditions: { min_spend_minor: yuan(178) } },
    );
    await template(
      brand,
      "N150-100",
      { kind: "amount_off", amount_minor: yuan(100) },
      { conditions: { min_spend_minor: yuan(150) } },
    );
    const { member, coupons } = await memberWithPack(10_000);

    const res = await quote(member, cartOf([{ sku: "NUTS", price: 136 }]));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.best).toMatchObject({ coupon_ids: [], total_due_minor: yuan(136) });
    // "12 yuan more for 20 off", then the others, nearest first.
    expect(res.body.almost.map((a) => [a.code.length > 0, a.missing])).toEqual([
      [true, { kind: "spend", amount_minor: yuan(12) }],
      [true, { kind: "spend", amount_minor: yuan(14) }],
      [true, { kind: "spend", amount_minor: yuan(42) }],
    ]);
    expect(res.body.almost[0]?.message).toBe("12.00 more for N148-20");

    const bigger = await quote(member, cartOf([{ sku: "NUTS", price: 180 }]));
    expect(bigger.body.best).toMatchObject({
      coupon_ids: [coupons["N150-100"]],
      total_due_minor: yuan(80),
      points_to_earn: 80,
    });
    expect(
      bigger.body.coupons
        .filter((c) => c.applicable)
        .map((c) => c.template_code)
        .sort(),
    ).toEqual(["N148-20", "N150-100", "N178-30"]);
    // 100 points = 1 yuan, at most half of the 80 due.
    expect(bigger.body.points_payment).toMatchObject({
      available_points: 10_000,
      max_points: 4000,
      max_value_minor: yuan(40),
    });
  });

  it("commits exactly what the quote showed, once per order id", async () => {
    const { member } = await memberWithPack(10_000);
    const cart = cartOf([{ sku: "NUTS", price: 180 }]);
    const q = (await quote(member, cart)).body;
    const order = orderId();
    const body = {
      order_id: order,
      member_id: member,
      cart,
      coupons: q.best.coupon_ids,
      points: 2000,
      expected_payable_minor: q.best.total_due_minor - yuan(20),
    };
    const first = await commit(body);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({
      status: "committed",
      payable_minor: yuan(60),
      discount_minor: yuan(100),
      points_used: 2000,
      replayed: false,
    });
    expect(await pointsOf(h(), brand, member)).toBe(8000);

    const again = await commit(body);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: "committed", replayed: true, payable_minor: yuan(60) });
    expect(await pointsOf(h(), brand, member)).toBe(8000);

    const different = await commit({ ...body, points: 0, expected_payable_minor: yuan(80) });
    expect(different.body).toMatchObject({ status: 409, code: "conflict", field: "/order_id" });
    const wallet = await api()<{ items: { status: string }[] }>(
      "GET",
      `/v1/members/${member}/coupons?status=used`,
      { token: brand.readKey },
    );
    expect(wallet.body.items.map((c) => c.status)).toEqual(["redeemed"]);
    expect(await ledgerProblems(h(), brand)).toEqual([]);
  });

  it("refuses a commit that differs from what the cart and coupons now come to", async () => {
    const { member, coupons } = await memberWithPack();
    const res = await commit({
      order_id: orderId(),
      member_id: member,
      cart: cartOf([{ sku: "NUTS", price: 180 }]),
      coupons: [coupons["N178-30"]],
      expected_payable_minor: yuan(140),
    });
    expect(res.body).toMatchObject({
      status: 409,
      code: "quote-mismatch",
      field: "/expected_payable_minor",
      expected_payable_minor: yuan(140),
      payable_minor: yuan(150),
    });
    const wallet = await api()<{ items: unknown[] }>("GET", `/v1/members/${member}/coupons`, {
      token: brand.readKey,
    });
    expect(wallet.body.items).toHaveLength(3);
  });

  it("names each bad coupon with a stable problem type: unknown, another member's, another brand's, used, expired, not applicable, not combinable", async () => {
    const { member, coupons } = await memberWithPack();
    const other = await memberWithPack();
    const otherBrand = await h().newBrand();
    await template(otherBrand, "ELSEWHERE", { kind: "amount_off", amount_minor: 100 });
    const foreignBrand = await give(otherBrand, await newMember(h(), otherBrand), "ELSEWHERE");
    const cart = cartOf([{ sku: "NUTS", price: 200 }]);
    const attempt = (refs: (string | undefined)[], over: Record<string, unknown> = {}) =>
      commit({
        order_id: orderId(),
        member_id: member,
        cart,
        coupons: refs.map((r) => r ?? ""),
        expected_payable_minor: 0,
        ...over,
      });

    expect((await attempt(["cpn_01jd7x4qz8f3s9v2k6m1n0p5r7"])).body).toMatchObject({
      status: 422,
      code: "coupon-not-found",
      field: "/coupons/0",
    });
    expect((await attempt([coupons["N148-20"], other.coupons["N148-20"]])).body).toMatchObject({
      code: "coupon-not-found",
      field: "/coupons/1",
    });
    expect((await attempt([foreignBrand.ELSEWHERE])).body).toMatchObject({ code: "coupon-not-found" });
    expect((await attempt([coupons["N148-20"], coupons["N178-30"]])).body).toMatchObject({
      status: 422,
      code: "coupon-not-applicable",
      reason: "not_combinable",
      field: "/coupons/1",
    });
    const small = await commit({
      order_id: orderId(),
      member_id: member,
      cart: cartOf([{ sku: "NUTS", price: 100 }]),
      coupons: [coupons["N148-20"]],
      expected_payable_minor: 0,
    });
    expect(small.body).toMatchObject({
      code: "coupon-not-applicable",
      reason: "min_spend",
      blocker: { missing_minor: yuan(48) },
    });

    const used = await commit({
      order_id: orderId(),
      member_id: member,
      cart,
      coupons: [coupons["N150-100"]],
      expected_payable_minor: yuan(100),
    });
    expect(used.status).toBe(201);
    expect((await attempt([coupons["N150-100"]])).body).toMatchObject({
      status: 409,
      code: "coupon-already-used",
    });

    clock.advance(31 * 24 * 60 * MINUTE);
    expect((await attempt([coupons["N148-20"]])).body).toMatchObject({ status: 422, code: "coupon-expired" });
    clock.set(START);
  });

  it("refuses carts with negative quantities or prices, and another currency, naming the field", async () => {
    const member = await newMember(h(), brand);
    const cases: [unknown, string][] = [
      [
        { ...cartOf([{ sku: "A", price: 10 }]), lines: [{ sku: "A", quantity: -1, unit_price_minor: 100 }] },
        "/cart/lines/0/quantity",
      ],
      [
        { ...cartOf([{ sku: "A", price: 10 }]), lines: [{ sku: "A", quantity: 1, unit_price_minor: -100 }] },
        "/cart/lines/0/unit_price_minor",
      ],
      [{ ...cartOf([{ sku: "A", price: 10 }]), shipping_minor: -1 }, "/cart/shipping_minor"],
      [{ ...cartOf([{ sku: "A", price: 10 }]), currency: "USD" }, "/cart/currency"],
    ];
    for (const [cart, field] of cases) {
      const q = await quote(member, cart);
      expect(q.body, JSON.stringify(q.body)).toMatchObject({ status: 400, code: "validation-failed", field });
      const c = await commit({
        order_id: orderId(),
        member_id: member,
        cart,
        coupons: [],
        expected_payable_minor: 0,
      });
      expect(c.body).toMatchObject({ status: 400, field });
    }
  });

  it("holds coupons and points during payment, then confirms", async () => {
    const { member, coupons } = await memberWithPack(5000);
    const order = orderId();
    const res = await commit({
      order_id: order,
      member_id: member,
      cart: cartOf([{ sku: "NUTS", price: 150 }]),
      coupons: [coupons["N148-20"]],
      points: 1000,
      expected_payable_minor: yuan(120),
      hold: true,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({
      status: "held",
      hold_until: new Date(START.getTime() + 15 * MINUTE).toISOString(),
    });
    expect(await pointsOf(h(), brand, member)).toBe(4000);
    // Held for this order: another checkout cannot take it.
    const clash = await commit({
      order_id: orderId(),
      member_id: member,
      cart: cartOf([{ sku: "NUTS", price: 150 }]),
      coupons: [coupons["N148-20"]],
      expected_payable_minor: yuan(130),
    });
    expect(clash.body).toMatchObject({ status: 409, code: "coupon-already-used" });

    const confirmed = await api()<Checkout>("POST", `/v1/checkouts/${order}/confirm`, {
      token: brand.writeKey,
    });
    expect(confirmed.body).toMatchObject({ status: "committed", hold_until: null });
    const again = await api()<Checkout>("POST", `/v1/checkouts/${order}/confirm`, { token: brand.writeKey });
    expect(again.body).toMatchObject({ status: "committed", replayed: true });
  });

  it("releases a hold when its time is up: coupons and points come back, and a late confirm is refused", async () => {
    const { member, coupons } = await memberWithPack(5000);
    const order = orderId();
    const held = await commit({
      order_id: order,
      member_id: member,
      cart: cartOf([{ sku: "NUTS", price: 150 }]),
      coupons: [coupons["N148-20"]],
      points: 1000,
      expected_payable_minor: yuan(120),
      hold: true,
    });
    expect(held.status).toBe(201);
    clock.advance(15 * MINUTE);
    const late = await api()("POST", `/v1/checkouts/${order}/confirm`, { token: brand.writeKey });
    expect(late.body).toMatchObject({ status: 409, code: "reservation-expired" });

    const db = h().enclave.platform.database.db;
    let released = 0;
    for (let n = -1; n !== 0;) {
      n = await db.transaction().execute((tx) => releaseExpiredReservations(tx, clock.now()));
      released += n;
    }
    expect(released).toBeGreaterThanOrEqual(1);
    const after = await api()<Checkout>("GET", `/v1/checkouts/${order}`, { token: brand.readKey });
    expect(after.body).toMatchObject({ status: "released", points_restored: 1000 });
    expect(await pointsOf(h(), brand, member)).toBe(5000);
    const q = await quote(member, cartOf([{ sku: "NUTS", price: 150 }]));
    expect(q.body.coupons.find((c) => c.coupon_id === coupons["N148-20"])).toMatchObject({
      applicable: true,
    });
    expect(await ledgerProblems(h(), brand)).toEqual([]);
    clock.set(START);
  });

  it("gives back coupons and points when a committed order is cancelled, per the brand's policy", async () => {
    const { member, coupons } = await memberWithPack(5000);
    const order = orderId();
    await commit({
      order_id: order,
      member_id: member,
      cart: cartOf([{ sku: "NUTS", price: 200 }]),
      coupons: [coupons["N150-100"]],
      points: 5000,
      expected_payable_minor: yuan(50),
    });
    expect(await pointsOf(h(), brand, member)).toBe(0);
    const cancelled = await api()<Checkout>("POST", `/v1/checkouts/${order}/cancel`, {
      token: brand.writeKey,
      body: { reason: "customer changed their mind" },
    });
    expect(cancelled.body).toMatchObject({ status: "cancelled", points_restored: 5000 });
    expect(await pointsOf(h(), brand, member)).toBe(5000);
    const wallet = await api()<{ items: { coupon_id: string }[] }>("GET", `/v1/members/${member}/coupons`, {
      token: brand.readKey,
    });
    expect(wallet.body.items.map((c) => c.coupon_id)).toContain(coupons["N150-100"]);

    // A brand that keeps used coupons on cancellation.
    await api()("PATCH", "/v1/coupon-settings", {
      token: brand.ownerToken,
      body: { cancel_restores_coupons: false },
    });
    const second = orderId();
    await commit({
      order_id: second,
      member_id: member,
      cart: cartOf([{ sku: "NUTS", price: 200 }]),
      coupons: [coupons["N150-100"]],
      expected_payable_minor: yuan(100),
    });
    await api()("POST", `/v1/checkouts/${second}/cancel`, { token: brand.writeKey });
    const after = await api()<{ items: { coupon_id: string; status: string }[] }>(
      "GET",
      `/v1/members/${member}/coupons?status=used`,
      { token: brand.readKey },
    );
    expect(after.body.items.find((c) => c.coupon_id === coupons["N150-100"])?.status).toBe("redeemed");
    await api()("PATCH", "/v1/coupon-settings", {
      token: brand.ownerToken,
      body: { cancel_restores_coupons: true },
    });
    expect(await ledgerProblems(h(), brand)).toEqual([]);
  });

  it("refunds points in proportion, exactly over several refunds, and the coupon with the last one", async () => {
    const { member, coupons } = await memberWithPack(3333);
    const order = orderId();
    // 200 − 100 = 100 due; 3333 points pay 33.33, 66.67 in cash.
    const done = await commit({
      order_id: order,
      member_id: member,
      cart: cartOf([{ sku: "NUTS", price: 200 }]),
      coupons: [coupons["N150-100"]],
      points: 3333,
      expected_payable_minor: yuan(100) - 3333,
    });
    expect(done.status, JSON.stringify(done.body)).toBe(201);
    const refund = (reference: string, amount: number) =>
      api()<Checkout>("POST", `/v1/checkouts/${order}/refunds`, {
        token: brand.writeKey,
        body: { reference, amount_minor: amount },
      });
    expect((await refund("r1", yuan(30))).body).toMatchObject({ status: "committed", points_restored: 999 });
    expect((await refund("r1", yuan(30))).body).toMatchObject({ replayed: true, points_restored: 999 });
    expect((await refund("r2", yuan(30))).body).toMatchObject({ points_restored: 1999 });
    expect((await refund("r3", yuan(50))).body).toMatchObject({ status: 422, field: "/amount_minor" });
    expect((await refund("r3", yuan(40))).body).toMatchObject({ status: "refunded", points_restored: 3333 });
    expect(await pointsOf(h(), brand, member)).toBe(3333);
    const q = await quote(member, cartOf([{ sku: "NUTS", price: 200 }]));
    expect(q.body.coupons.find((c) => c.coupon_id === coupons["N150-100"])?.applicable).toBe(true);
    expect(await ledgerProblems(h(), brand)).toEqual([]);
  });

  it("applies the tier's member discount and free shipping (Black Gold: 10% off)", async () => {
    const member = await newMember(h(), brand);
    await h().api("POST", "/v1/orders", {
      token: brand.writeKey,
      body: {
        channel: "pos",
        external_id: `bg-${member}`,
        member: { member_id: member },
        currency: "CNY",
        ordered_at: clock.now().toISOString(),
        lines: [{ sku: "GIFT", quantity: 1, unit_price_minor: yuan(5000) }],
        paid_minor: yuan(5000),
      },
    });
    const res = await quote(member, cartOf([{ sku: "TEA", price: 100 }], { shipping_minor: 800 }));
    expect(res.body.tier).toMatchObject({ code: "BLACK_GOLD", discount_percent: 10 });
    expect(res.body.best).toMatchObject({
      member_discount_minor: yuan(10),
      member_shipping_minor: 800,
      total_due_minor: yuan(90),
    });
  });

  it("lets a member quote for themselves only", async () => {
    const { member } = await memberWithPack();
    const someoneElse = await newMember(h(), brand);
    const token = await memberToken(h(), brand, member);
    const own = await api()("POST", "/v1/checkout/quote", {
      token,
      body: { member_id: member, cart: cartOf([{ sku: "A", price: 10 }]) },
    });
    expect(own.status).toBe(200);
    const other = await api()("POST", "/v1/checkout/quote", {
      token,
      body: { member_id: someoneElse, cart: cartOf([{ sku: "A", price: 10 }]) },
    });
    expect(other.status).toBe(404);
    const commitAsMember = await api()("POST", "/v1/checkout/commit", {
      token,
      body: {
        order_id: orderId(),
        member_id: member,
        cart: cartOf([{ sku: "A", price: 10 }]),
        coupons: [],
        expected_payable_minor: 1000,
      },
    });
    expect(commitAsMember.status).toBe(403);
  });

  it("revokes an unused coupon by hand: audited, out of the quote, refused at commit, and not a used one", async () => {
    clock.set(START);
    const { member, coupons } = await memberWithPack();
    const big = coupons["N150-100"] ?? "";
    const revoke = (coupon: string, token = brand.ownerToken) =>
      api()<{ status: string; coupon_id: string }>("POST", `/v1/coupons/${coupon}/revoke`, {
        token,
        body: { reason: "issued by mistake" },
      });

    const revoked = await revoke(big);
    expect(revoked.status, JSON.stringify(revoked.body)).toBe(200);
    expect(revoked.body).toMatchObject({ coupon_id: big, status: "revoked" });
    // Again: nothing changes, still revoked.
    expect((await revoke(big)).body).toMatchObject({ status: "revoked" });
    const audit = await h()
      .enclave.platform.database.db.selectFrom("audit_log")
      .select(["action", "detail"])
      .where("tenant_id", "=", brand.tenantId)
      .where("action", "=", "coupon.revoke")
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]?.detail).toMatchObject({ coupon_id: big, reason: "issued by mistake" });

    const cart = cartOf([{ sku: "NUTS", price: 180 }]);
    const q = await quote(member, cart);
    // The wallet the quote reads holds usable coupons only.
    expect(q.status).toBe(200);
    expect(q.body.coupons.map((c) => c.coupon_id)).not.toContain(big);
    expect(q.body.best.coupon_ids).not.toContain(big);
    const refused = await commit({
      order_id: orderId(),
      member_id: member,
      cart,
      coupons: [big],
      expected_payable_minor: yuan(80),
    });
    expect(refused.body).toMatchObject({ status: 422, code: "coupon-revoked", field: "/coupons/0" });

    // A redeemed coupon is not revoked: its checkout gives it back first.
    const used = coupons["N178-30"] ?? "";
    const order = orderId();
    const paid = await commit({
      order_id: order,
      member_id: member,
      cart,
      coupons: [used],
      expected_payable_minor: yuan(150),
    });
    expect(paid.status, JSON.stringify(paid.body)).toBe(201);
    expect((await revoke(used)).body).toMatchObject({ status: 409, code: "coupon-already-used" });
    // Only HQ may revoke; an unknown coupon is 404.
    expect((await revoke(coupons["N148-20"] ?? "", brand.readKey)).status).toBe(403);
    expect((await revoke("no-such-coupon")).status).toBe(404);
  });
});

export type { Harness };
