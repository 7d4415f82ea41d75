import { formatMinor } from "../platform/money.ts";
import type { Executor } from "../platform/db/database.ts";
import { Problem } from "../platform/http/problems.ts";
import { evaluateEarnings } from "../points/earn-rules.ts";
import { localDayBounds, zoneCalendar } from "../points/expiry.ts";
import { pointsFacts } from "../points/movements.ts";
import { activeEarnRules, getProgram } from "../points/program.ts";
import { getTenant } from "../tenants/service.ts";
import { effectiveTierBenefits } from "../tiers/service.ts";
import { describeBlocker, type Missing } from "./applicability.ts";
import type { Cart, MemberBenefits } from "./offers.ts";
import { pointsPaymentLimit, type PointsPaymentLimit } from "./points-payment.ts";
import { checkCart, type Pricing, toEarnOrder } from "./pricing.ts";
import type { CartInput } from "./schemas.ts";
import { priceSelection } from "./selection.ts";
import { getCouponSettings } from "./settings.ts";
import { decideQuote } from "./stacking.ts";
import { couponsByRef, toOffer, usableCoupons } from "./wallet.ts";

/**
 * The checkout quote: what the member's coupons and tier give for a cart, the best combination, the points it
 * will earn and the points that may pay for it. Reads only; a handful of indexed queries and pure rules.
 */

export function toCart(input: CartInput): Cart {
  return {
    currency: input.currency,
    channel: input.channel,
    store_id: input.store_id ?? null,
    shipping_minor: input.shipping_minor ?? 0,
    lines: input.lines.map((l) => ({
      sku: l.sku,
      category: l.category ?? null,
      quantity: l.quantity,
      unit_price_minor: l.unit_price_minor,
      member_unit_price_minor: l.member_unit_price_minor ?? null,
    })),
  };
}

export interface CheckoutContext {
  member: MemberBenefits;
  /** The tier's points multiplier, for the earn estimate. */
  points_multiplier: number;
  time_zone: string;
}

/** The cart checked against the brand, and the member's tier benefits. */
export async function checkoutContext(
  db: Executor,
  tenantId: string,
  memberId: string,
  cart: Cart,
  now: Date,
  /** A quote may read the tier ladder through a brief cache; a commit reads it fresh (and a stale quote is refused). */
  options: { cachedLadder?: boolean } = {},
): Promise<CheckoutContext> {
  const tenant = await getTenant(db, tenantId);
  const errors = checkCart(cart, tenant.currency);
  if (errors.length > 0)
    throw new Problem("validation-failed", `${errors[0]?.field ?? ""}: ${errors[0]?.message ?? ""}`, {
      errors,
    });
  const tier = (await effectiveTierBenefits(db, tenantId, [memberId], now, options)).get(memberId);
  const benefits = tier?.benefits;
  return {
    member: {
      tier_code: tier?.tier_code ?? null,
      discount_percent: benefits?.discount_percent ?? 0,
      member_price: benefits?.member_price ?? false,
      free_shipping: benefits?.free_shipping ?? false,
    },
    points_multiplier: benefits?.points_multiplier ?? 1,
    time_zone: tenant.time_zone,
  };
}

/** What the earn estimate reads: the brand's rules and program, and the member's points facts. */
export interface EarningInputs {
  rules: Awaited<ReturnType<typeof activeEarnRules>>;
  program: Awaited<ReturnType<typeof getProgram>>;
  facts: Awaited<ReturnType<typeof pointsFacts>>;
}

export async function earningInputs(
  db: Executor,
  tenantId: string,
  memberId: string,
  now: Date,
): Promise<EarningInputs> {
  const [rules, program, tenant] = await Promise.all([
    activeEarnRules(db, tenantId),
    getProgram(db, tenantId),
    getTenant(db, tenantId),
  ]);
  const hasDayCap = rules.some(
    (r) => r.definition.kind === "cap" && r.definition.max_points_per_day !== undefined,
  );
  // Points earned today only matter to a daily cap: without one, that query is not made.
  const facts = await pointsFacts(
    db,
    tenantId,
    memberId,
    hasDayCap ? localDayBounds(now, tenant.time_zone) : null,
  );
  return { rules, program, facts };
}

/** What the order will earn, by the brand's own earn rules (the same evaluation the order will get). Pure. */
export function estimateEarnings(
  inputs: EarningInputs,
  context: CheckoutContext,
  cart: Cart,
  pricing: Pricing,
  pointsValueMinor: number,
  now: Date,
): { points: number; growth: number } {
  const local = zoneCalendar(context.time_zone, inputs.program.expiry).facts(now);
  const earned = evaluateEarnings(
    toEarnOrder(cart, pricing, now, pointsValueMinor),
    {
      weekday: local.weekday,
      day_of_month: local.day_of_month,
      tier_code: context.member.tier_code,
      tier_multiplier: context.points_multiplier,
      is_first_purchase: inputs.facts.orders_count === 0,
      points_earned_today: inputs.facts.earned_on_day,
    },
    inputs.rules,
  );
  return { points: earned.points, growth: earned.growth };
}

export interface PricingView extends Pricing {
  points_to_earn: number;
  growth_to_earn: number;
}

export interface QuoteCoupon {
  coupon_id: string;
  code: string;
  template_code: string;
  name: string;
  kind: string;
  group: string;
  exclusive: boolean;
  valid_until: Date;
  applicable: boolean;
  discount_minor: number;
  saves_minor: number;
  reason: string | null;
  message: string | null;
}

export interface Quote {
  member_id: string;
  currency: string;
  tier: { code: string | null; discount_percent: number; member_price: boolean; free_shipping: boolean };
  best: PricingView;
  selected: PricingView | null;
  coupons: QuoteCoupon[];
  almost: { coupon_id: string; code: string; name: string; missing: Missing; message: string }[];
  points_payment: PointsPaymentLimit & { available_points: number };
  payable_minor: number;
}

export async function quoteCheckout(
  db: Executor,
  tenantId: string,
  input: { member_id: string; cart: Cart; coupons?: string[] | undefined },
  now: Date,
): Promise<Quote> {
  // Independent reads, concurrently: on PostgreSQL they overlap on the pool; the embedded database runs them in turn.
  const [context, coupons, settings, earning] = await Promise.all([
    checkoutContext(db, tenantId, input.member_id, input.cart, now, { cachedLadder: true }),
    usableCoupons(db, tenantId, input.member_id, now),
    getCouponSettings(db, tenantId),
    earningInputs(db, tenantId, input.member_id, now),
  ]);
  const decision = decideQuote(input.cart, context.member, coupons.map(toOffer), now);
  let selected: Pricing | null = null;
  if (input.coupons) {
    const found = await couponsByRef(db, tenantId, input.coupons);
    const named = input.coupons.map((ref) => {
      const coupon = found.get(ref);
      return { ref, offer: coupon ? toOffer(coupon) : undefined, member_id: coupon?.member_id };
    });
    selected = priceSelection(named, input.member_id, input.cart, context.member, now).pricing;
  }
  const shown = selected ?? decision.best;
  const earnings = estimateEarnings(earning, context, input.cart, shown, 0, now);
  const view = (pricing: Pricing, earned: { points: number; growth: number }): PricingView => ({
    ...pricing,
    points_to_earn: earned.points,
    growth_to_earn: earned.growth,
  });
  const bestEarnings = selected
    ? estimateEarnings(earning, context, input.cart, decision.best, 0, now)
    : earnings;
  return {
    member_id: input.member_id,
    currency: input.cart.currency,
    tier: {
      code: context.member.tier_code,
      discount_percent: context.member.discount_percent,
      member_price: context.member.member_price,
      free_shipping: context.member.free_shipping,
    },
    best: view(decision.best, bestEarnings),
    selected: selected ? view(selected, earnings) : null,
    coupons: decision.evaluations.map((e) => ({
      coupon_id: e.offer.coupon_id,
      code: e.offer.code,
      template_code: e.offer.template_code,
      name: e.offer.name,
      kind: e.offer.benefit.kind,
      group: e.offer.group,
      exclusive: e.offer.exclusive,
      valid_until: e.offer.valid_until,
      applicable: e.blocker === undefined,
      discount_minor: e.discount_minor,
      saves_minor: e.saves_minor,
      reason: e.blocker?.reason ?? null,
      message: e.blocker ? describeBlocker(e.blocker, input.cart.currency) : null,
    })),
    almost: decision.almost.map((a) => ({
      coupon_id: a.offer.coupon_id,
      code: a.offer.code,
      name: a.offer.name,
      missing: a.missing,
      message: `${describeMissing(a.missing, input.cart.currency)} for ${a.offer.name}`,
    })),
    points_payment: {
      ...pointsPaymentLimit(settings.points_payment, shown.total_due_minor, earning.facts.available),
      available_points: earning.facts.available,
    },
    payable_minor: shown.total_due_minor,
  };
}

function describeMissing(missing: Missing, currency: string): string {
  switch (missing.kind) {
    case "spend":
      return `${formatMinor(missing.amount_minor, currency)} more`;
    case "items":
      return `${missing.quantity} more item${missing.quantity === 1 ? "" : "s"}`;
    case "sku":
      return `add ${missing.skus.join(" or ")}`;
  }
}
