import { describe, expect, it } from "vitest";
import { fixture, problemOf } from "./fixtures/index.ts";
import { mapWooOrder } from "./woocommerce.ts";

const lines = () => fixture("woocommerce-order").line_items as Record<string, unknown>[];

describe("WooCommerce order.created / order.updated", () => {
  it("maps a paid tax-inclusive order at the prices the shop shows: coupon in the line, shipping apart", () => {
    const event = mapWooOrder(fixture("woocommerce-order"));
    expect(event).toMatchObject({
      status: "processing",
      external_id: "4187",
      refunds: [],
      fully_refunded: false,
    });
    expect(event.mapped?.order).toEqual({
      channel: "woocommerce",
      external_id: "4187",
      currency: "CNY",
      // date_created_gmt carries no zone: it is UTC.
      ordered_at: new Date("2026-03-09T13:30:12Z"),
      lines: [
        {
          sku: "OOL-100",
          name: "Oolong Tea - 100 g",
          quantity: 2,
          unit_price_minor: 4000,
          discount_minor: 1000,
        },
        {
          sku: "product:257",
          name: "Porcelain Tea Cup",
          quantity: 1,
          unit_price_minor: 5890,
          discount_minor: 0,
        },
      ],
      discount_minor: 0,
      shipping_minor: 1000,
      paid_minor: 13890,
    });
    expect(event.mapped?.customer).toEqual({
      phones: ["13900139000"],
      identity: { kind: "woocommerce_customer", value: "318" },
    });
  });

  it("maps a shop that adds tax at checkout on its net prices, leaving the tax out", () => {
    const event = mapWooOrder({ ...fixture("woocommerce-order"), prices_include_tax: false });
    expect(event.mapped?.order).toMatchObject({
      lines: [
        { unit_price_minor: 3540, quantity: 2, discount_minor: 885 },
        { unit_price_minor: 5212, quantity: 1, discount_minor: 0 },
      ],
      discount_minor: 0,
      shipping_minor: 885,
      paid_minor: 12292,
    });
  });

  it("books fees as charges and negative fees as discounts", () => {
    const event = mapWooOrder({
      ...fixture("woocommerce-order"),
      fee_lines: [
        { total: "5.00", total_tax: "0.00" },
        { total: "-3.00", total_tax: "0.00" },
      ],
      total: "140.90",
    });
    expect(event.mapped?.order).toMatchObject({
      shipping_minor: 1500,
      discount_minor: 300,
      paid_minor: 14090,
    });
  });

  it("absorbs a cent of tax rounding, but not a real gap", () => {
    const rounded = mapWooOrder({ ...fixture("woocommerce-order"), total: "138.91" });
    expect(rounded.mapped?.order).toMatchObject({ shipping_minor: 1001, paid_minor: 13891 });
    expect(
      problemOf(() => mapWooOrder({ ...fixture("woocommerce-order"), total: "139.90" })).errors?.[0]?.field,
    ).toBe("/total");
  });

  it("earns nothing for unpaid statuses but still reads refunds and the refunded status", () => {
    expect(mapWooOrder({ ...fixture("woocommerce-order"), status: "on-hold" }).mapped).toBeUndefined();
    const refunded = mapWooOrder({
      ...fixture("woocommerce-order"),
      status: "refunded",
      refunds: [
        { id: 4190, reason: "damaged", total: "-58.90" },
        { id: 4191, refund: "", total: "-80.00" },
      ],
    });
    expect(refunded.mapped).toBeUndefined();
    expect(refunded.fully_refunded).toBe(true);
    expect(refunded.refunds).toEqual([
      {
        order_external_id: "4187",
        external_id: "4190",
        amount_minor: 5890,
        currency: "CNY",
        refunded_at: undefined,
        reason: "damaged",
      },
      {
        order_external_id: "4187",
        external_id: "4191",
        amount_minor: 8000,
        currency: "CNY",
        refunded_at: undefined,
        reason: undefined,
      },
    ]);
  });

  it("knows a guest without a phone by nothing", () => {
    const guest = mapWooOrder({ ...fixture("woocommerce-order"), customer_id: 0, billing: { phone: "" } });
    expect(guest.mapped?.customer).toEqual({ phones: [], identity: undefined });
  });

  it("refuses payloads it cannot map, naming the field in WooCommerce's terms", () => {
    const cases: [Record<string, unknown>, string][] = [
      [
        { ...fixture("woocommerce-order"), line_items: [{ ...lines()[0], total: "81.00" }, lines()[1]] },
        "/line_items/0/total",
      ],
      [
        { ...fixture("woocommerce-order"), line_items: [{ ...lines()[0], subtotal: "70.805" }, lines()[1]] },
        "/line_items/0/subtotal",
      ],
      [{ ...fixture("woocommerce-order"), id: "4187" }, "/id"],
      [{ ...fixture("woocommerce-order"), refunds: [{ id: 1, total: "5.00" }] }, "/refunds/0/total"],
      [{ ...fixture("woocommerce-order"), date_created_gmt: "last tuesday" }, "/date_created_gmt"],
    ];
    for (const [payload, field] of cases)
      expect(problemOf(() => mapWooOrder(payload)).errors?.[0]?.field, field).toBe(field);
  });
});
