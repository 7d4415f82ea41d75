import { type FieldError, Problem, type ProblemCode } from "../platform/http/problems.ts";
import { describeBlocker, staticBlocker } from "./applicability.ts";
import type { Blocker, Cart, CouponOffer, MemberBenefits } from "./offers.ts";
import { type PricingOutcome, priceCart } from "./pricing.ts";
import { stackingBlocker } from "./stacking.ts";

/**
 * The coupons a checkout names, checked the same way by quote and commit, so a commit accepts exactly what its
 * quote showed. Pure: the coupons are loaded (and, for a commit, locked) by the caller.
 */

/** Each named coupon, as found: undefined when no coupon of this brand has that id or code. */
export interface NamedCoupon {
  ref: string;
  offer: CouponOffer | undefined;
  member_id: string | undefined;
}

const PROBLEM_OF: Partial<Record<Blocker["reason"], ProblemCode>> = {
  used: "coupon-already-used",
  revoked: "coupon-revoked",
  expired: "coupon-expired",
  not_yet_valid: "coupon-expired",
  // The same answer whether the budget was seen used up when reading or lost in the race to take it.
  budget_exhausted: "insufficient-stock",
};

function couponProblem(index: number, couponId: string, blocker: Blocker, currency: string): Problem {
  const field = `/coupons/${index}`;
  const message = describeBlocker(blocker, currency);
  const code = PROBLEM_OF[blocker.reason] ?? "coupon-not-applicable";
  return new Problem(code, `coupon ${couponId}: ${message}`, {
    errors: [{ in: "body", field, message }],
    extensions: { coupon_id: couponId, reason: blocker.reason, blocker },
  });
}

export function priceSelection(
  named: NamedCoupon[],
  memberId: string,
  cart: Cart,
  member: MemberBenefits,
  now: Date,
): PricingOutcome {
  const seen = new Set<string>();
  const offers: CouponOffer[] = [];
  const errors: FieldError[] = [];
  named.forEach((n, i) => {
    // Another member's coupon and another brand's read as no coupon at all: a code reveals nothing.
    if (!n.offer || n.member_id !== memberId) {
      errors.push({ in: "body", field: `/coupons/${i}`, message: `no coupon ${n.ref} for this member` });
      return;
    }
    if (seen.has(n.offer.coupon_id)) {
      throw new Problem("validation-failed", `coupon ${n.ref} is named twice`, {
        errors: [{ in: "body", field: `/coupons/${i}`, message: "named twice" }],
      });
    }
    seen.add(n.offer.coupon_id);
    offers.push(n.offer);
  });
  if (errors.length > 0) throw new Problem("coupon-not-found", errors[0]?.message, { errors });

  const indexOf = (couponId: string) => named.findIndex((n) => n.offer?.coupon_id === couponId);
  for (const offer of offers) {
    const blocker = staticBlocker(offer, cart, member, now);
    if (blocker) throw couponProblem(indexOf(offer.coupon_id), offer.coupon_id, blocker, cart.currency);
  }
  const stacking = stackingBlocker(offers);
  if (stacking)
    throw couponProblem(indexOf(stacking.coupon_id), stacking.coupon_id, stacking.blocker, cart.currency);
  const outcome = priceCart(cart, member, offers);
  const failed = outcome.blocked[0];
  if (failed) throw couponProblem(indexOf(failed.coupon_id), failed.coupon_id, failed.blocker, cart.currency);
  return outcome;
}
