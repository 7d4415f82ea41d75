import { describe, expect, it } from "vitest";
import { fixture, problemOf } from "./fixtures/index.ts";
import { mapShopifyOrder, mapShopifyRefund, type ShopifyOrderEvent } from "./shopify.ts";

function mapped(event: ShopifyOrderEvent) {
  if (event.kind !== "order") throw new Error(`expected an order, got: ${event.reason}`);
  return event;
}

describe("Shopify orders/create and orders/paid", () => {
  it("maps the sample order: lines with their allocated discounts, shipping apart, tax-inclusive total paid", () => {
    const { mapped: m, refunds } = mapped(mapShopifyOrder(fixture("shopify-order")));
    expect(m.order).toEqual({
      channel: "shopify",
      external_id: "5820471230519",
      currency: "CNY",
      ordered_at: new Date("2026-03-09T13:14:03Z"),
      lines: [
        {
          sku: "TEA-JAS-250",
          name: "Jasmine Green Tea - 250 g",
          quantity: 2,
          unit_price_minor: 3990,
          discount_minor: 1067,
        },
        // No SKU in the shop: the variant names the product.
        {
          sku: "variant:46211987194167",
          name: "Lunar Gift Box",
          quantity: 1,
          unit_price_minor: 6900,
          discount_minor: 923,
        },
      ],
      discount_minor: 0,
      shipping_minor: 1200,
      paid_minor: 14090,
    });
    // A Shopify customer without a phone of their own: the billing phone, and the customer id.
    expect(m.customer).toEqual({
      phones: ["+86 138 0013 8000"],
      identity: { kind: "shopify_customer", value: "7012883415095" },
    });
    expect(refunds).toEqual([]);
  });

  it("leaves out tax added on top of prices, and tips", () => {
    const order = {
      ...fixture("shopify-order"),
      taxes_included: false,
      total_tax: "16.21",
      total_price: "162.11",
      total_tip_received: "5.00",
    };
    expect(mapped(mapShopifyOrder(order)).mapped.order.paid_minor).toBe(14090);
  });

  it("takes shipping discounts off shipping, and keeps unallocated discounts as an order discount", () => {
    const freeShipping = {
      ...fixture("shopify-order"),
      shipping_lines: [{ price: "12.00", discount_allocations: [{ amount: "12.00" }] }],
      total_discounts: "31.90",
      total_price: "128.90",
    };
    expect(mapped(mapShopifyOrder(freeShipping)).mapped.order).toMatchObject({
      shipping_minor: 0,
      discount_minor: 0,
      paid_minor: 12890,
    });
    const orderLevel = { ...fixture("shopify-order"), total_discounts: "24.90", total_price: "135.90" };
    expect(mapped(mapShopifyOrder(orderLevel)).mapped.order).toMatchObject({
      discount_minor: 500,
      paid_minor: 13590,
    });
  });

  it("falls back to total_shipping_price_set, created_at, and identity alone as the payload thins out", () => {
    const order = {
      ...fixture("shopify-order"),
      shipping_lines: [],
      processed_at: null,
      billing_address: null,
    };
    const m = mapped(mapShopifyOrder(order)).mapped;
    expect(m.order.shipping_minor).toBe(1200);
    expect(m.order.ordered_at).toEqual(new Date("2026-03-09T13:14:05Z"));
    expect(m.customer).toEqual({
      phones: [],
      identity: { kind: "shopify_customer", value: "7012883415095" },
    });
  });

  it("prefers the customer's own phone to the addresses'", () => {
    const order = { ...fixture("shopify-order"), customer: { id: 42, phone: "+8613912345678" } };
    expect(mapped(mapShopifyOrder(order)).mapped.customer.phones).toEqual([
      "+8613912345678",
      "+86 138 0013 8000",
    ]);
  });

  it("ignores orders not paid yet and cancelled orders, saying why", () => {
    expect(mapShopifyOrder({ ...fixture("shopify-order"), financial_status: "pending" })).toEqual({
      kind: "ignored",
      reason: "the order is pending, not paid yet",
    });
    expect(
      mapShopifyOrder({ ...fixture("shopify-order"), cancelled_at: "2026-03-10T09:00:00+08:00" }).kind,
    ).toBe("ignored");
  });

  it("carries the refunds an order payload already lists", () => {
    const order = {
      ...fixture("shopify-order"),
      financial_status: "partially_refunded",
      refunds: [fixture("shopify-refund")],
    };
    expect(mapped(mapShopifyOrder(order)).refunds).toEqual([
      {
        order_external_id: "5820471230519",
        external_id: "1022889181239",
        amount_minor: 5977,
        currency: "CNY",
        refunded_at: new Date("2026-03-12T02:02:11Z"),
        reason: "Gift box arrived damaged",
      },
    ]);
  });

  it("refuses payloads it cannot map, naming the field in Shopify's terms", () => {
    const lines = fixture("shopify-order").line_items as Record<string, unknown>[];
    const cases: [Record<string, unknown>, string][] = [
      [{ ...fixture("shopify-order"), total_price: "140.905" }, "/total_price"],
      [{ ...fixture("shopify-order"), total_price: undefined }, "/total_price"],
      [{ ...fixture("shopify-order"), total_price: "150.00" }, "/total_price"],
      [{ ...fixture("shopify-order"), currency: "yuan" }, "/currency"],
      [
        { ...fixture("shopify-order"), line_items: [{ ...lines[0], price: 39.9 }, lines[1]] },
        "/line_items/0/price",
      ],
      [
        {
          ...fixture("shopify-order"),
          line_items: [lines[0], { ...lines[1], discount_allocations: [{ amount: "70.00" }] }],
        },
        "/line_items/1/discount_allocations",
      ],
      [{ ...fixture("shopify-order"), created_at: "09/03/2026", processed_at: null }, "/created_at"],
    ];
    for (const [payload, field] of cases)
      expect(problemOf(() => mapShopifyOrder(payload)).errors?.[0]?.field, field).toBe(field);
  });
});

describe("Shopify refunds/create", () => {
  it("refunds the money that went back: successful refund transactions only", () => {
    const refund = fixture("shopify-refund");
    const transactions = refund.transactions as Record<string, unknown>[];
    const withNoise = {
      ...refund,
      transactions: [
        ...transactions,
        { kind: "refund", status: "failure", amount: "10.00", currency: "CNY" },
        { kind: "sale", status: "success", amount: "3.00" },
      ],
    };
    expect(mapShopifyRefund(withNoise, "CNY")).toMatchObject({
      order_external_id: "5820471230519",
      external_id: "1022889181239",
      amount_minor: 5977,
    });
  });

  it("has nothing to do for a refund that returned no money", () => {
    expect(mapShopifyRefund({ ...fixture("shopify-refund"), transactions: [] }, "CNY")).toBeUndefined();
  });

  it("refuses money in another currency than the shop's", () => {
    expect(problemOf(() => mapShopifyRefund(fixture("shopify-refund"), "USD")).errors?.[0]?.field).toBe(
      "/transactions/0/currency",
    );
  });
});
