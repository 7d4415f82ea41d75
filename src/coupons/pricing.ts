import type { EarnOrder } from "../points/earn-rules.ts";
import type { FieldError } from "../platform/http/problems.ts";
import { countsFor, targetedBy } from "./applicability.ts";
import { type Blocker, type Cart, type CouponOffer, type MemberBenefits, STAGE_OF } from "./offers.ts";

/**
 * Prices a cart for one combination of coupons: the decisions as data (an adjustment per line and source),
 * never a database read. The order of evaluation is fixed, so a combination has exactly one price:
 *
 *   1. member price (tier benefit) per unit, where the shop gives one
 *   2. item coupons: exclusive price, then nth item at a discount, then free item
 *   3. the tier's percent discount, on lines without a member or exclusive price
 *   4. order coupons: percent off, then amount off — thresholds measured after steps 1–3
 *   5. shipping: the tier's free shipping, then free-shipping coupons
 *
 * Every adjustment is capped by what is left of its line, so no line and no total can go below zero.
 */

export type AdjustmentSource = "member_price" | "member_discount" | "coupon";

export interface Adjustment {
  source: AdjustmentSource;
  coupon_id: string | null;
  amount_minor: number;
}

export interface PricedLine {
  line_no: number;
  sku: string;
  quantity: number;
  unit_price_minor: number;
  gross_minor: number;
  adjustments: Adjustment[];
  net_minor: number;
}

export interface CouponEffect {
  coupon_id: string;
  code: string;
  name: string;
  kind: CouponOffer["benefit"]["kind"];
  discount_minor: number;
}

export interface Pricing {
  coupon_ids: string[];
  lines: PricedLine[];
  items_gross_minor: number;
  member_price_minor: number;
  member_discount_minor: number;
  member_shipping_minor: number;
  coupon_discount_minor: number;
  shipping_minor: number;
  /** Everything taken off: member price, member discount, coupons, shipping. */
  discount_minor: number;
  /** What is left to pay before points: never negative. */
  total_due_minor: number;
  coupons: CouponEffect[];
}

export interface PricingOutcome {
  pricing: Pricing;
  /** Coupons of the combination that did not apply in it, and why; they took nothing off. */
  blocked: { coupon_id: string; blocker: Blocker }[];
}

interface LineState {
  index: number;
  /** The current price of one unit: the list price, or the member or exclusive price that replaced it. */
  unit_minor: number;
  /** A member or exclusive price is final: the tier's percent discount does not apply on top of it. */
  final_price: boolean;
  adjustments: Adjustment[];
  net: number;
}

const STEP_ORDER: Record<CouponOffer["benefit"]["kind"], number> = {
  fixed_price: 1,
  nth_item: 2,
  free_item: 3,
  percent_off: 4,
  amount_off: 5,
  free_shipping: 6,
};

/** floor(a × b × … / divisor), exactly: products of prices and quantities can pass 2^53. */
export function floorProduct(factors: number[], divisor: number): number {
  const product = factors.reduce((acc, f) => acc * BigInt(f), 1n);
  return Number(product / BigInt(divisor));
}

/** A percent with up to two decimals (12.5) as basis points, so percent arithmetic stays in integers. */
const basisPoints = (percent: number) => Math.round(percent * 100);

export function priceCart(cart: Cart, member: MemberBenefits, coupons: CouponOffer[]): PricingOutcome {
  const lines: LineState[] = cart.lines.map((line, index) => {
    const gross = line.quantity * line.unit_price_minor;
    const state: LineState = {
      index,
      unit_minor: line.unit_price_minor,
      final_price: false,
      adjustments: [],
      net: gross,
    };
    const memberUnit = line.member_unit_price_minor;
    if (member.member_price && memberUnit !== null && memberUnit < line.unit_price_minor) {
      adjust(state, "member_price", null, (line.unit_price_minor - memberUnit) * line.quantity);
      state.unit_minor = memberUnit;
      state.final_price = true;
    }
    return state;
  });
  const ordered = [...coupons].sort(
    (a, b) =>
      STEP_ORDER[a.benefit.kind] - STEP_ORDER[b.benefit.kind] || a.coupon_id.localeCompare(b.coupon_id),
  );
  const blocked: PricingOutcome["blocked"] = [];
  const effects = new Map<string, number>();
  const memberDiscountAllowed = coupons.every((c) => c.with_member_discount);
  let memberDiscountDone = false;
  let shippingLeft = cart.shipping_minor;
  const memberShipping = member.free_shipping ? cart.shipping_minor : 0;
  shippingLeft -= memberShipping;

  const applyMemberDiscount = () => {
    memberDiscountDone = true;
    const bp = basisPoints(member.discount_percent);
    if (bp <= 0 || !memberDiscountAllowed) return;
    for (const state of lines) {
      if (state.final_price || state.net <= 0) continue;
      adjust(state, "member_discount", null, floorProduct([state.net, bp], 10_000));
    }
  };

  // Thresholds are measured at fixed points, so coupons of one stage never change each other's eligibility:
  // item coupons after member prices, order and shipping coupons after the item coupons and the tier discount.
  const itemThresholds = lines.map((s) => s.net);
  let orderThresholds: number[] | undefined;
  for (const offer of ordered) {
    const itemStage = STAGE_OF[offer.benefit.kind] === "item";
    if (!itemStage && !memberDiscountDone) applyMemberDiscount();
    if (!itemStage) orderThresholds ??= lines.map((s) => s.net);
    const thresholds = itemStage ? itemThresholds : (orderThresholds ?? []);
    const counted = lines.filter((s) => countsFor(offer, lineOf(cart, s)));
    const reached = counted.reduce((sum, s) => sum + (thresholds[s.index] ?? 0), 0);
    const minSpend = offer.conditions.min_spend_minor ?? 0;
    if (reached < minSpend) {
      blocked.push({
        coupon_id: offer.coupon_id,
        blocker: { reason: "min_spend", missing_minor: minSpend - reached },
      });
      continue;
    }
    const decided = decide(offer, cart, lines, counted, shippingLeft);
    if ("blocker" in decided) {
      blocked.push({ coupon_id: offer.coupon_id, blocker: decided.blocker });
      continue;
    }
    const total = decided.lines.reduce((sum, d) => sum + d.amount, 0) + decided.shipping;
    if (total <= 0) {
      blocked.push({ coupon_id: offer.coupon_id, blocker: { reason: "nothing_to_discount" } });
      continue;
    }
    if (offer.budget_left_minor !== null && total > offer.budget_left_minor) {
      blocked.push({ coupon_id: offer.coupon_id, blocker: { reason: "budget_exhausted" } });
      continue;
    }
    for (const d of decided.lines) {
      adjust(d.state, "coupon", offer.coupon_id, d.amount);
      if (d.unit_minor !== undefined) {
        d.state.unit_minor = d.unit_minor;
        d.state.final_price = true;
      }
    }
    shippingLeft -= decided.shipping;
    effects.set(offer.coupon_id, total);
  }
  if (!memberDiscountDone) applyMemberDiscount();

  const priced: PricedLine[] = lines.map((s) => {
    const line = lineOf(cart, s);
    return {
      line_no: s.index + 1,
      sku: line.sku,
      quantity: line.quantity,
      unit_price_minor: line.unit_price_minor,
      gross_minor: line.quantity * line.unit_price_minor,
      adjustments: s.adjustments,
      net_minor: s.net,
    };
  });
  const sumOf = (source: AdjustmentSource) =>
    priced.reduce(
      (sum, l) =>
        sum + l.adjustments.filter((a) => a.source === source).reduce((x, a) => x + a.amount_minor, 0),
      0,
    );
  const itemsGross = priced.reduce((sum, l) => sum + l.gross_minor, 0);
  const itemsNet = priced.reduce((sum, l) => sum + l.net_minor, 0);
  const applied = ordered.filter((o) => effects.has(o.coupon_id));
  const couponDiscount = applied.reduce((sum, o) => sum + (effects.get(o.coupon_id) ?? 0), 0);
  const totalDue = itemsNet + shippingLeft;
  // The invariant the whole pipeline exists to keep: stop loudly rather than quote a negative payable.
  if (totalDue < 0 || shippingLeft < 0 || priced.some((l) => l.net_minor < 0)) {
    throw new Error(`pricing invariant broken: total due ${totalDue}, shipping left ${shippingLeft}`);
  }
  return {
    pricing: {
      coupon_ids: applied.map((o) => o.coupon_id),
      lines: priced,
      items_gross_minor: itemsGross,
      member_price_minor: sumOf("member_price"),
      member_discount_minor: sumOf("member_discount"),
      member_shipping_minor: memberShipping,
      coupon_discount_minor: couponDiscount,
      shipping_minor: cart.shipping_minor,
      discount_minor: itemsGross - itemsNet + (cart.shipping_minor - shippingLeft),
      total_due_minor: totalDue,
      coupons: applied.map((o) => ({
        coupon_id: o.coupon_id,
        code: o.code,
        name: o.name,
        kind: o.benefit.kind,
        discount_minor: effects.get(o.coupon_id) ?? 0,
      })),
    },
    blocked,
  };
}

function lineOf(cart: Cart, state: LineState) {
  const line = cart.lines[state.index];
  if (!line) throw new Error(`no cart line ${state.index}`);
  return line;
}

function adjust(state: LineState, source: AdjustmentSource, couponId: string | null, amount: number): void {
  const capped = Math.min(amount, state.net);
  if (capped <= 0) return;
  state.adjustments.push({ source, coupon_id: couponId, amount_minor: capped });
  state.net -= capped;
}

interface LineDecision {
  state: LineState;
  amount: number;
  /** The new unit price when the whole line now sells at an exclusive price. */
  unit_minor?: number;
}

type Decision = { lines: LineDecision[]; shipping: number } | { blocker: Blocker };

/** What one coupon takes off, given the cart as earlier steps left it. */
function decide(
  offer: CouponOffer,
  cart: Cart,
  lines: LineState[],
  counted: LineState[],
  shippingLeft: number,
): Decision {
  const base = counted.reduce((sum, s) => sum + s.net, 0);
  const targets = lines.filter((s) => targetedBy(offer, lineOf(cart, s)));
  const dearestFirst = (a: LineState, b: LineState) => b.unit_minor - a.unit_minor || a.index - b.index;
  const b = offer.benefit;
  switch (b.kind) {
    case "fixed_price": {
      if (targets.length === 0) return { blocker: { reason: "missing_sku", skus: b.skus } };
      let unitsLeft = b.max_units ?? Number.POSITIVE_INFINITY;
      const decisions: LineDecision[] = [];
      for (const state of [...targets].sort(dearestFirst)) {
        if (unitsLeft <= 0 || state.unit_minor <= b.price_minor) continue;
        const quantity = lineOf(cart, state).quantity;
        const units = Math.min(quantity, unitsLeft);
        unitsLeft -= units;
        const amount = Math.min(floorProduct([state.unit_minor - b.price_minor, units], 1), state.net);
        decisions.push({ state, amount, ...(units === quantity ? { unit_minor: b.price_minor } : {}) });
      }
      return { lines: decisions, shipping: 0 };
    }
    case "nth_item": {
      const units = targets.reduce((sum, s) => sum + lineOf(cart, s).quantity, 0);
      if (units < b.nth) return { blocker: { reason: "min_quantity", missing_quantity: b.nth - units } };
      // Units ranked dearest first: the 2nd, 4th, … units are the cheaper of each pair (common practice).
      let seen = 0;
      let applicationsLeft = b.max_applications ?? Number.POSITIVE_INFINITY;
      const decisions: LineDecision[] = [];
      for (const state of [...targets].sort(dearestFirst)) {
        const quantity = lineOf(cart, state).quantity;
        const hits = Math.min(
          Math.floor((seen + quantity) / b.nth) - Math.floor(seen / b.nth),
          applicationsLeft,
        );
        seen += quantity;
        if (hits <= 0) continue;
        applicationsLeft -= hits;
        decisions.push({
          state,
          amount: Math.min(floorProduct([hits, state.unit_minor, b.percent], 100), state.net),
        });
      }
      return { lines: decisions, shipping: 0 };
    }
    case "free_item": {
      if (targets.length === 0) return { blocker: { reason: "missing_sku", skus: b.skus } };
      let unitsLeft = b.quantity;
      const decisions: LineDecision[] = [];
      for (const state of [...targets].sort(dearestFirst)) {
        if (unitsLeft <= 0) break;
        const units = Math.min(lineOf(cart, state).quantity, unitsLeft);
        unitsLeft -= units;
        const perUnit = Math.min(state.unit_minor, b.max_value_minor ?? Number.POSITIVE_INFINITY);
        decisions.push({ state, amount: Math.min(floorProduct([perUnit, units], 1), state.net) });
      }
      return { lines: decisions, shipping: 0 };
    }
    case "percent_off": {
      const off = Math.min(
        floorProduct([base, b.percent], 100),
        b.max_discount_minor ?? Number.POSITIVE_INFINITY,
      );
      return { lines: allocate(off, counted), shipping: 0 };
    }
    case "amount_off":
      return { lines: allocate(Math.min(b.amount_minor, base), counted), shipping: 0 };
    case "free_shipping":
      if (shippingLeft <= 0) return { blocker: { reason: "nothing_to_discount" } };
      return { lines: [], shipping: Math.min(shippingLeft, b.max_minor ?? Number.POSITIVE_INFINITY) };
  }
}

/**
 * Spreads an order-level discount over lines in proportion to what is left of each, to the fen (largest
 * remainder), so a refund of one line can give back its share and no line goes below zero.
 */
function allocate(amount: number, states: LineState[]): LineDecision[] {
  const total = states.reduce((sum, s) => sum + s.net, 0);
  if (amount <= 0 || total <= 0) return [];
  const take = BigInt(Math.min(amount, total));
  const exact = states.map((s) => take * BigInt(s.net));
  const floors = exact.map((e) => e / BigInt(total));
  let left = take - floors.reduce((a, f) => a + f, 0n);
  const byRemainder = exact
    .map((e, i) => ({ i, remainder: e % BigInt(total) }))
    .sort((a, b) => (a.remainder === b.remainder ? a.i - b.i : a.remainder > b.remainder ? -1 : 1));
  for (const { i } of byRemainder) {
    if (left <= 0n) break;
    floors[i] = (floors[i] ?? 0n) + 1n;
    left -= 1n;
  }
  return states.map((state, i) => ({ state, amount: Number(floors[i] ?? 0n) }));
}

/** Checks a cart the schema cannot: line totals that fit, member prices that make sense. */
export function checkCart(cart: Cart, brandCurrency: string, path = "/cart"): FieldError[] {
  const errors: FieldError[] = [];
  if (cart.currency !== brandCurrency) {
    errors.push({
      in: "body",
      field: `${path}/currency`,
      message: `the brand's currency is ${brandCurrency}, not ${cart.currency}`,
    });
  }
  let total = cart.shipping_minor;
  cart.lines.forEach((line, i) => {
    if (!Number.isSafeInteger(line.quantity) || line.quantity <= 0) {
      errors.push({
        in: "body",
        field: `${path}/lines/${i}/quantity`,
        message: "must be a positive whole number",
      });
    }
    if (!Number.isSafeInteger(line.unit_price_minor) || line.unit_price_minor < 0) {
      errors.push({
        in: "body",
        field: `${path}/lines/${i}/unit_price_minor`,
        message: "must be zero or more, in minor units",
      });
    }
    if (
      line.member_unit_price_minor !== null &&
      (!Number.isSafeInteger(line.member_unit_price_minor) || line.member_unit_price_minor < 0)
    ) {
      errors.push({
        in: "body",
        field: `${path}/lines/${i}/member_unit_price_minor`,
        message: "must be zero or more, in minor units",
      });
    }
    total += line.quantity * line.unit_price_minor;
  });
  if (!Number.isSafeInteger(cart.shipping_minor) || cart.shipping_minor < 0) {
    errors.push({
      in: "body",
      field: `${path}/shipping_minor`,
      message: "must be zero or more, in minor units",
    });
  }
  if (errors.length === 0 && !Number.isSafeInteger(total)) {
    errors.push({ in: "body", field: `${path}/lines`, message: "the cart's total is too large" });
  }
  return errors;
}

/**
 * The order as the points rules will see it when the shop reports it: each line's discounts as line discounts,
 * points paid as an order discount (points paid with points earn nothing), shipping left out.
 */
export function toEarnOrder(
  cart: Cart,
  pricing: Pricing,
  orderedAt: Date,
  pointsValueMinor: number,
): EarnOrder {
  const itemsNet = pricing.lines.reduce((sum, l) => sum + l.net_minor, 0);
  const pointsOnItems = Math.min(pointsValueMinor, itemsNet);
  return {
    channel: cart.channel,
    store_id: cart.store_id,
    ordered_at: orderedAt,
    lines: pricing.lines.map((l, i) => ({
      sku: l.sku,
      category: cart.lines[i]?.category ?? null,
      quantity: l.quantity,
      unit_price_minor: l.unit_price_minor,
      discount_minor: l.gross_minor - l.net_minor,
    })),
    discount_minor: pointsOnItems,
    basis_minor: itemsNet - pointsOnItems,
  };
}
