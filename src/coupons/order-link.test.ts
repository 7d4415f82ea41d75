import { beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "../../test/support/databases.ts";
import { type Brand, useEnclave } from "../../test/support/harness.ts";
import {
  cartOf,
  drainEvents,
  grantPoints,
  ledgerProblems,
  newMember,
  pointsOf,
  templateBody,
  useCouponApi,
  useCouponRelay,
  yuan,
} from "./http.test-support.ts";
import { refundDue } from "./order-link.ts";

interface Checkout {
  status: string;
  refunded_minor: number;
  points_restored: number;
}

describeEachDatabase("A checkout follows its ingested order", (database) => {
  const h = useEnclave(database);
  const api = useCouponApi(h);
  const relay = useCouponRelay(h);
  let brand: Brand;
  let counter = 0;

  beforeAll(async () => {
    brand = await h().newBrand();
    const res = await api()("POST", "/v1/coupon-templates", {
      token: brand.ownerToken,
      body: templateBody(
        "LINK-100",
        { kind: "amount_off", amount_minor: yuan(100) },
        { conditions: { min_spend_minor: yuan(150) } },
      ),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  });

  /** A member pays a 200 order with a 100-off coupon and 3,333 points (33.33): 66.67 in cash. */
  async function paidWithCouponAndPoints() {
    const member = await newMember(h(), brand);
    await grantPoints(h(), brand, member, 3333);
    const issued = await api()<{ coupons: { coupon_id: string }[] }>(
      "POST",
      `/v1/members/${member}/coupons`,
      {
        token: brand.writeKey,
        body: { template_code: "LINK-100" },
      },
    );
    const coupon = issued.body.coupons[0]?.coupon_id ?? "";
    const shopOrder = `shop-${process.pid}-${++counter}`;
    const committed = await api()("POST", "/v1/checkout/commit", {
      token: brand.writeKey,
      body: {
        order_id: shopOrder,
        member_id: member,
        cart: cartOf([{ sku: "NUTS", price: 200 }]),
        coupons: [coupon],
        points: 3333,
        expected_payable_minor: yuan(100) - 3333,
      },
    });
    expect(committed.status, JSON.stringify(committed.body)).toBe(201);
    const order = await api()<{ order_id: string }>("POST", "/v1/orders", {
      token: brand.writeKey,
      body: {
        channel: "mini_program",
        external_id: shopOrder,
        member: { member_id: member },
        currency: "CNY",
        ordered_at: new Date().toISOString(),
        lines: [{ sku: "NUTS", quantity: 1, unit_price_minor: yuan(200) }],
        discount_minor: yuan(100) + 3333,
        paid_minor: yuan(100) - 3333,
      },
    });
    expect(order.status, JSON.stringify(order.body)).toBe(201);
    expect(await pointsOf(h(), brand, member)).toBe(0);
    return { member, coupon, shopOrder, orderId: order.body.order_id };
  }

  const checkoutOf = async (shopOrder: string) =>
    (await api()<Checkout>("GET", `/v1/checkouts/${shopOrder}`, { token: brand.readKey })).body;

  const couponStatus = async (member: string, coupon: string) => {
    const wallet = await api()<{ items: { coupon_id: string; status: string }[] }>(
      "GET",
      `/v1/members/${member}/coupons?status=all`,
      { token: brand.readKey },
    );
    return wallet.body.items.find((c) => c.coupon_id === coupon)?.status;
  };

  it("cancels the checkout when the order is cancelled: the coupon and the points come back, once", async () => {
    const { member, coupon, shopOrder, orderId } = await paidWithCouponAndPoints();
    const cancelled = await api()("POST", `/v1/orders/${orderId}/cancel`, {
      token: brand.writeKey,
      body: { reason: "out of stock" },
    });
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    await drainEvents(relay());
    expect(await checkoutOf(shopOrder)).toMatchObject({ status: "cancelled", points_restored: 3333 });
    expect(await pointsOf(h(), brand, member)).toBe(3333);
    expect(await couponStatus(member, coupon)).toBe("available");
    // The shop cancelling the checkout too (as it had to before) changes nothing.
    const again = await api()<{ replayed: boolean }>("POST", `/v1/checkouts/${shopOrder}/cancel`, {
      token: brand.writeKey,
      body: {},
    });
    expect(again.body.replayed, JSON.stringify(again.body)).toBe(true);
    expect(await pointsOf(h(), brand, member)).toBe(3333);
    expect(await ledgerProblems(h(), brand)).toEqual([]);
  });

  it("refunds the checkout in the order's proportion, the coupon with the last refund, never twice", async () => {
    const { member, coupon, shopOrder, orderId } = await paidWithCouponAndPoints();
    const refund = (external: string, amount: number) =>
      api()("POST", `/v1/orders/${orderId}/refunds`, {
        token: brand.writeKey,
        body: { external_id: external, amount_minor: amount },
      });
    // A third of the cash (22.22 of 66.67) is a third of the checkout's 100 due, and so a third of the points.
    // The shop also refunds that third on the checkout itself, as it had to before: it is not refunded twice.
    expect((await refund("r1", 2222)).status).toBe(201);
    const share = refundDue(
      { total_due_minor: 10_000 },
      { status: "paid", paid_minor: 6667, refunded_minor: 2222 },
    );
    const direct = await api()("POST", `/v1/checkouts/${shopOrder}/refunds`, {
      token: brand.writeKey,
      body: { reference: "shop-r1", amount_minor: share },
    });
    expect(direct.status, JSON.stringify(direct.body)).toBe(200);
    await drainEvents(relay());
    const third = await checkoutOf(shopOrder);
    expect(third).toMatchObject({ status: "committed", refunded_minor: share });
    expect(third.points_restored).toBe(Math.floor((3333 * share) / 10_000));
    expect(await couponStatus(member, coupon)).toBe("redeemed");

    // The rest of the order: the checkout is wholly refunded, the coupon back.
    expect((await refund("r2", 6667 - 2222)).status).toBe(201);
    await drainEvents(relay());
    expect(await checkoutOf(shopOrder)).toMatchObject({
      status: "refunded",
      refunded_minor: 10_000,
      points_restored: 3333,
    });
    expect(await pointsOf(h(), brand, member)).toBe(3333);
    expect(await couponStatus(member, coupon)).toBe("available");
    expect(await ledgerProblems(h(), brand)).toEqual([]);
  });

  it("leaves a checkout alone when another member's order has its order id", async () => {
    const { shopOrder } = await paidWithCouponAndPoints();
    const stranger = await newMember(h(), brand);
    const order = await api()<{ order_id: string }>("POST", "/v1/orders", {
      token: brand.writeKey,
      body: {
        channel: "pos",
        external_id: shopOrder,
        member: { member_id: stranger },
        currency: "CNY",
        ordered_at: new Date().toISOString(),
        lines: [{ sku: "TEA", quantity: 1, unit_price_minor: 1000 }],
        paid_minor: 1000,
      },
    });
    expect(order.status, JSON.stringify(order.body)).toBe(201);
    await api()("POST", `/v1/orders/${order.body.order_id}/cancel`, { token: brand.writeKey });
    await drainEvents(relay());
    expect((await checkoutOf(shopOrder)).status).toBe("committed");
  });
});

it("takes the order's share of the checkout, all of it once the order is wholly refunded", () => {
  const checkout = { total_due_minor: 10_000 };
  expect(refundDue(checkout, { status: "paid", paid_minor: 6667, refunded_minor: 0 })).toBe(0);
  expect(refundDue(checkout, { status: "paid", paid_minor: 6667, refunded_minor: 2222 })).toBe(3332);
  expect(refundDue(checkout, { status: "refunded", paid_minor: 6667, refunded_minor: 6667 })).toBe(10_000);
  expect(refundDue(checkout, { status: "paid", paid_minor: 0, refunded_minor: 0 })).toBe(0);
});
