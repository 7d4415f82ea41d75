import { type Missing, nearMiss, staticBlocker } from "./applicability.ts";
import type { Blocker, Cart, CouponOffer, MemberBenefits } from "./offers.ts";
import { type Pricing, priceCart } from "./pricing.ts";

/**
 * Which coupons may be used together, and the best set for a cart. Stacking rules: an exclusive coupon is used
 * alone; at most one coupon per stacking group (by default one item, one order and one shipping coupon).
 * Pure: a quote and a commit of the same cart and coupons always agree.
 */

/** Best-effort search bounds: the dearest few candidates per group, and a cap on sets priced per quote. */
export const MAX_CANDIDATES_PER_GROUP = 4;
export const MAX_GROUPS_SEARCHED = 6;
export const MAX_COMBINATIONS = 256;
export const MAX_NEAR_MISSES = 10;

export interface OfferEvaluation {
  offer: CouponOffer;
  /** Why it does not apply on its own; undefined when it does. */
  blocker: Blocker | undefined;
  /** What it takes off when used alone. */
  discount_minor: number;
  /** How much less is due with it alone than with no coupon (less than its discount when it turns the tier discount off). */
  saves_minor: number;
}

export interface QuoteDecision {
  baseline: Pricing;
  evaluations: OfferEvaluation[];
  best: Pricing;
  almost: { offer: CouponOffer; missing: Missing }[];
  combinations_evaluated: number;
}

/** The first stacking rule a set of coupons breaks, naming the coupon at fault. */
export function stackingBlocker(offers: CouponOffer[]): { coupon_id: string; blocker: Blocker } | undefined {
  const exclusive = offers.find((o) => o.exclusive);
  const other = offers.find((o) => o !== exclusive);
  if (exclusive && other) {
    return {
      coupon_id: exclusive.coupon_id,
      blocker: { reason: "not_combinable", with_coupon_id: other.coupon_id },
    };
  }
  const byGroup = new Map<string, CouponOffer>();
  for (const offer of offers) {
    const earlier = byGroup.get(offer.group);
    if (earlier)
      return {
        coupon_id: offer.coupon_id,
        blocker: { reason: "not_combinable", with_coupon_id: earlier.coupon_id },
      };
    byGroup.set(offer.group, offer);
  }
  return undefined;
}

/** Evaluates every coupon on its own, then searches the allowed combinations for the lowest total due. */
export function decideQuote(
  cart: Cart,
  member: MemberBenefits,
  offers: CouponOffer[],
  now: Date,
): QuoteDecision {
  const baseline = priceCart(cart, member, []).pricing;
  // A wallet holds many coupons of one template (a pack, a campaign's repeats): they price alike, so each kind
  // is priced alone once.
  const kinds = kindsOf(offers);
  const alone = new Map<string, Omit<OfferEvaluation, "offer">>();
  const evaluations: OfferEvaluation[] = offers.map((offer) => {
    const blocker = staticBlocker(offer, cart, member, now);
    if (blocker) return { offer, blocker, discount_minor: 0, saves_minor: 0 };
    const key = kinds.get(offer) ?? "";
    let result = alone.get(key);
    if (!result) {
      const outcome = priceCart(cart, member, [offer]);
      const failed = outcome.blocked[0];
      result = failed
        ? { blocker: failed.blocker, discount_minor: 0, saves_minor: 0 }
        : {
            blocker: undefined,
            discount_minor: outcome.pricing.coupon_discount_minor,
            saves_minor: baseline.total_due_minor - outcome.pricing.total_due_minor,
          };
      alone.set(key, result);
    }
    return { offer, ...result };
  });

  const { best, evaluated } = searchBest(cart, member, evaluations, baseline, kinds);
  const almost = evaluations
    .flatMap((e) => {
      const missing = e.blocker ? nearMiss(e.blocker) : undefined;
      return missing ? [{ offer: e.offer, missing }] : [];
    })
    .sort(
      (a, b) =>
        missingSize(a.missing) - missingSize(b.missing) || a.offer.coupon_id.localeCompare(b.offer.coupon_id),
    )
    .slice(0, MAX_NEAR_MISSES);
  return { baseline, evaluations, best, almost, combinations_evaluated: evaluated };
}

const missingSize = (m: Missing) =>
  m.kind === "spend" ? m.amount_minor : m.kind === "items" ? m.quantity : 1;

/**
 * Each offer's kind: coupons of one kind take the same off any cart, in any set; only their ids and dates (checked
 * apart, by `staticBlocker`) differ. The kind is what pricing reads of a coupon, all from its template; it is
 * spelled out only for templates with several coupons here (most wallets hold one of each).
 */
function kindsOf(offers: CouponOffer[]): Map<CouponOffer, string> {
  const perTemplate = new Map<string, number>();
  for (const o of offers) perTemplate.set(o.template_id, (perTemplate.get(o.template_id) ?? 0) + 1);
  return new Map(
    offers.map((o, i) => [
      o,
      perTemplate.get(o.template_id) === 1
        ? String(i)
        : JSON.stringify([
            o.template_id,
            o.benefit,
            o.conditions,
            o.group,
            o.exclusive,
            o.with_member_discount,
            o.budget_left_minor,
          ]),
    ]),
  );
}

/** The first of each kind of coupon: more of the same can only price the same sets again. */
function distinctKinds(evaluations: OfferEvaluation[], kinds: Map<CouponOffer, string>): OfferEvaluation[] {
  const seen = new Set<string>();
  return evaluations.filter((e) => {
    const key = kinds.get(e.offer) ?? "";
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Better coupons first within a group: more off, then the one expiring soonest (use it before it is lost). */
function byPreference(a: OfferEvaluation, b: OfferEvaluation): number {
  return (
    b.discount_minor - a.discount_minor ||
    a.offer.valid_until.getTime() - b.offer.valid_until.getTime() ||
    a.offer.coupon_id.localeCompare(b.offer.coupon_id)
  );
}

function searchBest(
  cart: Cart,
  member: MemberBenefits,
  evaluations: OfferEvaluation[],
  baseline: Pricing,
  kinds: Map<CouponOffer, string>,
): { best: Pricing; evaluated: number } {
  // Of several coupons of a kind, the preferred one (expiring soonest) stands for them all: the search's tie-break
  // would choose it anyway, and the candidate places left go to other kinds.
  const usable = distinctKinds(
    evaluations.filter((e) => !e.blocker && e.discount_minor > 0).sort(byPreference),
    kinds,
  );
  const groups = new Map<string, OfferEvaluation[]>();
  for (const e of usable) {
    if (e.offer.exclusive) continue;
    const list = groups.get(e.offer.group) ?? [];
    list.push(e);
    groups.set(e.offer.group, list);
  }
  // The groups whose best coupon gives the most are searched; the rest cannot beat them by much and would
  // multiply the sets to price.
  const searched = [...groups.values()]
    .sort((a, b) => (b[0]?.discount_minor ?? 0) - (a[0]?.discount_minor ?? 0))
    .slice(0, MAX_GROUPS_SEARCHED);
  let perGroup = MAX_CANDIDATES_PER_GROUP;
  const count = (k: number) => searched.reduce((n, g) => n * (Math.min(k, g.length) + 1), 1);
  while (perGroup > 1 && count(perGroup) > MAX_COMBINATIONS) perGroup--;

  const sets: CouponOffer[][] = [[]];
  for (const group of searched) {
    const options = group.slice(0, perGroup).map((e) => e.offer);
    const grown: CouponOffer[][] = [];
    for (const set of sets) {
      grown.push(set);
      for (const offer of options) grown.push([...set, offer]);
    }
    sets.splice(0, sets.length, ...grown);
  }
  for (const e of usable) if (e.offer.exclusive) sets.push([e.offer]);

  let best: { pricing: Pricing; offers: CouponOffer[] } = { pricing: baseline, offers: [] };
  let evaluated = 0;
  for (const set of sets) {
    if (set.length === 0) continue;
    evaluated++;
    const outcome = priceCart(cart, member, set);
    // A set in which some coupon gives nothing is not offered: that coupon would be spent for nothing.
    if (outcome.blocked.length > 0) continue;
    if (isBetter(outcome.pricing, set, best.pricing, best.offers))
      best = { pricing: outcome.pricing, offers: set };
  }
  return { best: best.pricing, evaluated };
}

/** Lowest total due; then fewer coupons; then the soonest-expiring coupons; then coupon ids, for one answer. */
function isBetter(a: Pricing, aOffers: CouponOffer[], b: Pricing, bOffers: CouponOffer[]): boolean {
  if (a.total_due_minor !== b.total_due_minor) return a.total_due_minor < b.total_due_minor;
  if (aOffers.length !== bOffers.length) return aOffers.length < bOffers.length;
  const expiries = (offers: CouponOffer[]) =>
    offers.map((o) => o.valid_until.getTime()).sort((x, y) => x - y);
  const ea = expiries(aOffers);
  const eb = expiries(bOffers);
  for (let i = 0; i < ea.length; i++) {
    const x = ea[i] ?? 0;
    const y = eb[i] ?? 0;
    if (x !== y) return x < y;
  }
  return [...a.coupon_ids].sort().join() < [...b.coupon_ids].sort().join();
}
