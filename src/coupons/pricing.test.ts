import { describe, expect, it } from "vitest";
import { describeBlocker, staticBlocker } from "./applicability.ts";
import { priceCart, toEarnOrder } from "./pricing.ts";
import { cart, line, NO_BENEFITS, NOW, offer, spendGet, tier, yuan } from "./rules-fixtures.test-support.ts";

const couponOff = (couponId: string, result: ReturnType<typeof priceCart>) =>
  result.pricing.coupons.find((c) => c.coupon_id === couponId)?.discount_minor ?? 0;

describe("amount off with a spend threshold (满减)", () => {
  it("takes 20 off a 150-yuan cart with 'spend 148 get 20 off'", () => {
    const coupon = spendGet(148, 20);
    const result = priceCart(cart([line("SNACK", 150)]), NO_BENEFITS, [coupon]);
    expect(result.blocked).toEqual([]);
    expect(result.pricing.total_due_minor).toBe(yuan(130));
    expect(couponOff(coupon.coupon_id, result)).toBe(yuan(20));
  });

  it("says how far a cart is from the threshold: 12 yuan more for 20 off", () => {
    const coupon = spendGet(148, 20);
    const result = priceCart(cart([line("SNACK", 136)]), NO_BENEFITS, [coupon]);
    expect(result.blocked).toEqual([
      { coupon_id: coupon.coupon_id, blocker: { reason: "min_spend", missing_minor: yuan(12) } },
    ]);
    expect(result.pricing.total_due_minor).toBe(yuan(136));
    expect(describeBlocker({ reason: "min_spend", missing_minor: yuan(12) }, "CNY")).toBe(
      "12.00 more to reach the minimum spend",
    );
    // Yen have no minor unit: 1,200 yen short reads as 1200, not 12.00.
    expect(describeBlocker({ reason: "min_spend", missing_minor: 1200 }, "JPY")).toBe(
      "1200 more to reach the minimum spend",
    );
  });

  it("never takes more than the eligible items cost: 'spend 150 get 100 off' on a cart of exactly 150", () => {
    const coupon = spendGet(150, 100);
    const result = priceCart(cart([line("SNACK", 150)]), NO_BENEFITS, [coupon]);
    expect(result.pricing.total_due_minor).toBe(yuan(50));
  });

  it("counts and discounts only the SKUs and categories it names", () => {
    const coupon = offer(
      { kind: "amount_off", amount_minor: yuan(30) },
      { conditions: { categories: ["nuts"], min_spend_minor: yuan(100) } },
    );
    const nuts = line("PECAN", 80, 1, { category: "nuts" });
    const tea = line("TEA", 50, 1, { category: "tea" });
    expect(priceCart(cart([nuts, tea]), NO_BENEFITS, [coupon]).blocked[0]?.blocker).toEqual({
      reason: "min_spend",
      missing_minor: yuan(20),
    });
    const result = priceCart(cart([nuts, line("PECAN", 40, 1, { category: "nuts" }), tea]), NO_BENEFITS, [
      coupon,
    ]);
    expect(result.pricing.lines.map((l) => l.net_minor)).toEqual([yuan(60), yuan(30), yuan(50)]);
  });

  it("spreads an order discount over the lines in proportion, to the fen, summing exactly", () => {
    const coupon = offer({ kind: "amount_off", amount_minor: 100 });
    const result = priceCart(cart([line("A", 1), line("B", 1), line("C", 1)]), NO_BENEFITS, [coupon]);
    const offs = result.pricing.lines.map((l) => l.gross_minor - l.net_minor);
    expect(offs.reduce((a, b) => a + b, 0)).toBe(100);
    expect(offs.sort()).toEqual([33, 33, 34]);
  });
});

describe("percent off with a cap", () => {
  it("takes 15% off, at most 30 yuan", () => {
    const coupon = offer({ kind: "percent_off", percent: 15, max_discount_minor: yuan(30) });
    expect(couponOff(coupon.coupon_id, priceCart(cart([line("A", 100)]), NO_BENEFITS, [coupon]))).toBe(
      yuan(15),
    );
    expect(couponOff(coupon.coupon_id, priceCart(cart([line("A", 300)]), NO_BENEFITS, [coupon]))).toBe(
      yuan(30),
    );
  });

  it("rounds down to the fen, in the member's favour never the other way", () => {
    const coupon = offer({ kind: "percent_off", percent: 15 });
    expect(couponOff(coupon.coupon_id, priceCart(cart([line("A", 0.99)]), NO_BENEFITS, [coupon]))).toBe(14);
  });
});

describe("nth item at a discount (second item half price)", () => {
  const half = () => offer({ kind: "nth_item", nth: 2, percent: 50 });

  it("halves the cheaper of two items", () => {
    const coupon = half();
    const result = priceCart(cart([line("LATTE", 30), line("TEA", 20)]), NO_BENEFITS, [coupon]);
    expect(couponOff(coupon.coupon_id, result)).toBe(yuan(10));
    expect(result.pricing.lines[1]?.net_minor).toBe(yuan(10));
  });

  it("applies once per pair: four units, two halved; max_applications limits it", () => {
    const coupon = half();
    expect(couponOff(coupon.coupon_id, priceCart(cart([line("TEA", 20, 4)]), NO_BENEFITS, [coupon]))).toBe(
      yuan(20),
    );
    expect(couponOff(coupon.coupon_id, priceCart(cart([line("TEA", 20, 3)]), NO_BENEFITS, [coupon]))).toBe(
      yuan(10),
    );
    const once = offer({ kind: "nth_item", nth: 2, percent: 50, max_applications: 1 });
    expect(couponOff(once.coupon_id, priceCart(cart([line("TEA", 20, 4)]), NO_BENEFITS, [once]))).toBe(
      yuan(10),
    );
  });

  it("needs n qualifying units, and says how many are missing", () => {
    const coupon = half();
    expect(priceCart(cart([line("TEA", 20)]), NO_BENEFITS, [coupon]).blocked[0]?.blocker).toEqual({
      reason: "min_quantity",
      missing_quantity: 1,
    });
  });
});

describe("free item (gift SKU)", () => {
  it("makes the gift SKU's dearest unit free when the cart carries it", () => {
    const coupon = offer({ kind: "free_item", skus: ["CUP"], quantity: 1 });
    const result = priceCart(cart([line("TEA", 25), line("CUP", 18, 2)]), NO_BENEFITS, [coupon]);
    expect(couponOff(coupon.coupon_id, result)).toBe(yuan(18));
    expect(result.pricing.total_due_minor).toBe(yuan(25 + 18));
  });

  it("asks for the gift SKU when the cart lacks it", () => {
    const coupon = offer({ kind: "free_item", skus: ["CUP"], quantity: 1 });
    expect(priceCart(cart([line("TEA", 25)]), NO_BENEFITS, [coupon]).blocked[0]?.blocker).toEqual({
      reason: "missing_sku",
      skus: ["CUP"],
    });
  });

  it("gives at most max_value per free unit", () => {
    const coupon = offer({ kind: "free_item", skus: ["CAKE"], quantity: 1, max_value_minor: yuan(20) });
    expect(couponOff(coupon.coupon_id, priceCart(cart([line("CAKE", 35)]), NO_BENEFITS, [coupon]))).toBe(
      yuan(20),
    );
  });
});

describe("free shipping", () => {
  it("takes the shipping off, up to its cap", () => {
    const coupon = offer({ kind: "free_shipping", max_minor: yuan(8) });
    const result = priceCart(cart([line("A", 50)], { shipping_minor: yuan(10) }), NO_BENEFITS, [coupon]);
    expect(couponOff(coupon.coupon_id, result)).toBe(yuan(8));
    expect(result.pricing.total_due_minor).toBe(yuan(52));
  });

  it("gives nothing when there is no shipping, or the tier already ships free", () => {
    const coupon = offer({ kind: "free_shipping" });
    expect(priceCart(cart([line("A", 50)]), NO_BENEFITS, [coupon]).blocked[0]?.blocker).toEqual({
      reason: "nothing_to_discount",
    });
    const freeShipping = tier({ free_shipping: true });
    const result = priceCart(cart([line("A", 50)], { shipping_minor: 800 }), freeShipping, [coupon]);
    expect(result.blocked[0]?.blocker).toEqual({ reason: "nothing_to_discount" });
    expect(result.pricing.member_shipping_minor).toBe(800);
    expect(result.pricing.total_due_minor).toBe(yuan(50));
  });
});

describe("fixed price for a SKU (fan exclusive price)", () => {
  it("sells the SKU at the exclusive price, up to max_units", () => {
    const coupon = offer({ kind: "fixed_price", skus: ["GIFTBOX"], price_minor: yuan(39) });
    expect(
      couponOff(coupon.coupon_id, priceCart(cart([line("GIFTBOX", 59, 2)]), NO_BENEFITS, [coupon])),
    ).toBe(yuan(40));
    const one = offer({ kind: "fixed_price", skus: ["GIFTBOX"], price_minor: yuan(39), max_units: 1 });
    expect(couponOff(one.coupon_id, priceCart(cart([line("GIFTBOX", 59, 2)]), NO_BENEFITS, [one]))).toBe(
      yuan(20),
    );
  });

  it("gives nothing when the price is already lower", () => {
    const coupon = offer({ kind: "fixed_price", skus: ["GIFTBOX"], price_minor: yuan(39) });
    expect(priceCart(cart([line("GIFTBOX", 35)]), NO_BENEFITS, [coupon]).blocked[0]?.blocker).toEqual({
      reason: "nothing_to_discount",
    });
  });

  it("is final: the tier's percent discount does not apply on top of it", () => {
    const coupon = offer({ kind: "fixed_price", skus: ["GIFTBOX"], price_minor: yuan(39) });
    const result = priceCart(cart([line("GIFTBOX", 59), line("TEA", 20)]), tier({ discount_percent: 10 }), [
      coupon,
    ]);
    expect(result.pricing.lines.map((l) => l.net_minor)).toEqual([yuan(39), yuan(18)]);
  });
});

describe("tier benefits: member price and member discount", () => {
  it("uses the member price when the tier has member prices and the shop gives one", () => {
    const cartWithPrice = cart([line("TEA", 20, 2, { member_unit_price_minor: yuan(17) })]);
    expect(priceCart(cartWithPrice, tier({ member_price: true }), []).pricing).toMatchObject({
      member_price_minor: yuan(6),
      total_due_minor: yuan(34),
    });
    expect(priceCart(cartWithPrice, NO_BENEFITS, []).pricing.total_due_minor).toBe(yuan(40));
  });

  it("takes the tier's 10% off lines without a member price (九折), not on top of one", () => {
    const c = cart([line("TEA", 20, 1, { member_unit_price_minor: yuan(17) }), line("CAKE", 30)]);
    const result = priceCart(c, tier({ member_price: true, discount_percent: 10 }), []);
    expect(result.pricing).toMatchObject({
      member_price_minor: yuan(3),
      member_discount_minor: yuan(3),
      total_due_minor: yuan(17 + 27),
    });
  });

  it("measures order thresholds after the tier discount: 160 at 10% off is 144, short of 148", () => {
    const coupon = spendGet(148, 20);
    const result = priceCart(cart([line("A", 160)]), tier({ discount_percent: 10 }), [coupon]);
    expect(result.blocked[0]?.blocker).toEqual({ reason: "min_spend", missing_minor: yuan(4) });
  });

  it("drops the tier discount when a coupon says it does not combine with it", () => {
    const coupon = spendGet(100, 20, { with_member_discount: false });
    const result = priceCart(cart([line("A", 200)]), tier({ discount_percent: 20 }), [coupon]);
    expect(result.pricing).toMatchObject({
      member_discount_minor: 0,
      coupon_discount_minor: yuan(20),
      total_due_minor: yuan(180),
    });
  });
});

describe("what blocks a coupon before any money is counted", () => {
  const c = cart([line("TEA", 50)], { channel: "pos", store_id: "ou_store1" });
  it.each([
    ["used", { status: "redeemed" as const }],
    ["expired", { valid_until: new Date(NOW.getTime() - 1) }],
    ["not_yet_valid", { valid_from: new Date(NOW.getTime() + 1) }],
    ["channel", { conditions: { channels: ["mini_program"] } }],
    ["store", { conditions: { stores: ["ou_store2"] } }],
    ["tier", { conditions: { tiers: ["BLACK_GOLD"] } }],
    ["no_eligible_items", { conditions: { skus: ["CAKE"] } }],
    ["budget_exhausted", { budget_left_minor: 0 }],
  ])("%s", (reason, extra) => {
    expect(staticBlocker(offer({ kind: "amount_off", amount_minor: 100 }, extra), c, tier({}), NOW)).toEqual({
      reason,
    });
  });

  it("blocks a coupon whose discount would pass the campaign's money budget", () => {
    const coupon = offer({ kind: "amount_off", amount_minor: yuan(20) }, { budget_left_minor: yuan(19) });
    expect(priceCart(cart([line("A", 50)]), NO_BENEFITS, [coupon]).blocked[0]?.blocker).toEqual({
      reason: "budget_exhausted",
    });
  });
});

describe("the order the points rules see", () => {
  it("carries each line's discounts and leaves points paid and shipping out of the basis", () => {
    const coupon = spendGet(100, 20);
    const c = cart([line("A", 60), line("B", 60)], { shipping_minor: 800 });
    const { pricing } = priceCart(c, NO_BENEFITS, [coupon]);
    const order = toEarnOrder(c, pricing, NOW, yuan(10));
    expect(order.lines.map((l) => l.discount_minor)).toEqual([yuan(10), yuan(10)]);
    expect(order).toMatchObject({ discount_minor: yuan(10), basis_minor: yuan(90) });
  });
});
