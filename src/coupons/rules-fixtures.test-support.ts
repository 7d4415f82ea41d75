import {
  type Cart,
  type CartLine,
  type CouponOffer,
  defaultGroup,
  type MemberBenefits,
  NO_BENEFITS,
} from "./offers.ts";
import type { Benefit } from "./schemas.ts";

/** Builders for the pure rules' specs: a cart in yuan-sized fen, coupons as offers, tier benefits. */

export const NOW = new Date("2026-06-01T04:00:00Z");
export const yuan = (n: number) => Math.round(n * 100);

export function line(sku: string, unitYuan: number, quantity = 1, extra: Partial<CartLine> = {}): CartLine {
  return {
    sku,
    category: null,
    quantity,
    unit_price_minor: yuan(unitYuan),
    member_unit_price_minor: null,
    ...extra,
  };
}

export function cart(lines: CartLine[], extra: Partial<Cart> = {}): Cart {
  return { currency: "CNY", channel: "mini_program", store_id: null, lines, shipping_minor: 0, ...extra };
}

let sequence = 0;
export function offer(benefit: Benefit, extra: Partial<CouponOffer> = {}): CouponOffer {
  const n = String(++sequence).padStart(4, "0");
  return {
    coupon_id: `cpn_${n}`,
    code: `CODE${n}`,
    template_id: `ctpl_${n}`,
    template_code: `T${n}`,
    name: benefit.kind,
    benefit,
    conditions: {},
    group: defaultGroup(benefit.kind),
    exclusive: false,
    with_member_discount: true,
    status: "available",
    valid_from: new Date("2026-01-01T00:00:00Z"),
    valid_until: new Date("2026-12-31T16:00:00Z"),
    budget_left_minor: null,
    ...extra,
  };
}

/** Spend `threshold` get `off` off (满减), amounts in yuan. */
export const spendGet = (threshold: number, off: number, extra: Partial<CouponOffer> = {}) =>
  offer(
    { kind: "amount_off", amount_minor: yuan(off) },
    { conditions: { min_spend_minor: yuan(threshold) }, ...extra },
  );

export const tier = (extra: Partial<MemberBenefits>): MemberBenefits => ({
  ...NO_BENEFITS,
  tier_code: "VIP",
  ...extra,
});
export { NO_BENEFITS };
