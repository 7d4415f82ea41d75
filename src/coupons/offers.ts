import type { Benefit, BenefitKind, Conditions } from "./schemas.ts";
import type { CouponStatus } from "./tables.ts";

/** The plain data the pure coupon rules work on: a cart, the member's tier benefits, and coupons as offers. */

export interface CartLine {
  sku: string;
  category: string | null;
  quantity: number;
  unit_price_minor: number;
  /** The member price of one unit, when the shop has one for this SKU. */
  member_unit_price_minor: number | null;
}

export interface Cart {
  currency: string;
  channel: string;
  store_id: string | null;
  lines: CartLine[];
  shipping_minor: number;
}

/** The member's effective tier and what it gives at checkout. */
export interface MemberBenefits {
  tier_code: string | null;
  /** 10 = 10% off (九折); may carry decimals. */
  discount_percent: number;
  member_price: boolean;
  free_shipping: boolean;
}

export const NO_BENEFITS: MemberBenefits = {
  tier_code: null,
  discount_percent: 0,
  member_price: false,
  free_shipping: false,
};

/** One issued coupon as checkout sees it: the coupon and what its template says. */
export interface CouponOffer {
  coupon_id: string;
  code: string;
  template_id: string;
  template_code: string;
  name: string;
  benefit: Benefit;
  conditions: Conditions;
  group: string;
  exclusive: boolean;
  with_member_discount: boolean;
  status: CouponStatus;
  valid_from: Date;
  valid_until: Date;
  /** What the template's money budget still allows; null when it has none. */
  budget_left_minor: number | null;
}

/** Why a coupon does not apply: data, so the quote can explain it and a near miss can say what is missing. */
export type Blocker =
  | { reason: "used" }
  | { reason: "revoked" }
  | { reason: "expired" }
  | { reason: "not_yet_valid" }
  | { reason: "channel" }
  | { reason: "store" }
  | { reason: "tier" }
  | { reason: "no_eligible_items" }
  | { reason: "min_spend"; missing_minor: number }
  | { reason: "min_quantity"; missing_quantity: number }
  | { reason: "missing_sku"; skus: string[] }
  | { reason: "nothing_to_discount" }
  | { reason: "budget_exhausted" }
  | { reason: "not_combinable"; with_coupon_id: string };

/** Where a coupon acts, which decides when it is evaluated (see pricing.ts) and its default stacking group. */
export const STAGE_OF: Record<BenefitKind, "item" | "order" | "shipping"> = {
  fixed_price: "item",
  nth_item: "item",
  free_item: "item",
  percent_off: "order",
  amount_off: "order",
  free_shipping: "shipping",
};

/** Default stacking groups: one item coupon, one order coupon and one shipping coupon per checkout. */
export function defaultGroup(kind: BenefitKind): string {
  return STAGE_OF[kind];
}
