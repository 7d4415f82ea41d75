import { formatMinor } from "../platform/money.ts";
import type { Blocker, Cart, CartLine, CouponOffer, MemberBenefits } from "./offers.ts";

/**
 * Whether a coupon can apply to a cart at all, before any money is counted: its state, validity, channel, store,
 * tier and whether the cart holds anything it covers. Pure; `now` is passed in.
 */
export function staticBlocker(
  offer: CouponOffer,
  cart: Cart,
  member: MemberBenefits,
  now: Date,
): Blocker | undefined {
  if (offer.status === "revoked") return { reason: "revoked" };
  if (offer.status !== "available") return { reason: "used" };
  if (now < offer.valid_from) return { reason: "not_yet_valid" };
  if (now >= offer.valid_until) return { reason: "expired" };
  const c = offer.conditions;
  if (c.channels && !c.channels.includes(cart.channel)) return { reason: "channel" };
  if (c.stores && (cart.store_id === null || !c.stores.includes(cart.store_id))) return { reason: "store" };
  if (c.tiers && (member.tier_code === null || !c.tiers.includes(member.tier_code)))
    return { reason: "tier" };
  if (!cart.lines.some((line) => countsFor(offer, line))) return { reason: "no_eligible_items" };
  if (offer.budget_left_minor !== null && offer.budget_left_minor <= 0) return { reason: "budget_exhausted" };
  return undefined;
}

/** A line counts towards the coupon's threshold and, unless the benefit names SKUs, is what it discounts. */
export function countsFor(offer: CouponOffer, line: CartLine): boolean {
  const c = offer.conditions;
  if (c.skus && !c.skus.includes(line.sku)) return false;
  if (c.categories && (line.category === null || !c.categories.includes(line.category))) return false;
  if (c.exclude_skus?.includes(line.sku)) return false;
  return true;
}

/** A line the benefit acts on: counted, and one of the benefit's SKUs when it names some (gift, exclusive price). */
export function targetedBy(offer: CouponOffer, line: CartLine): boolean {
  if (!countsFor(offer, line)) return false;
  const b = offer.benefit;
  if (b.kind === "free_item" || b.kind === "fixed_price") return b.skus.includes(line.sku);
  return true;
}

/** What a member could do to make a coupon apply: the "12 yuan more for 20 off" of a quote. */
export type Missing =
  | { kind: "spend"; amount_minor: number }
  | { kind: "items"; quantity: number }
  | { kind: "sku"; skus: string[] };

/** A coupon blocked only by something the member can add to the cart is a near miss; others are not. */
export function nearMiss(blocker: Blocker): Missing | undefined {
  switch (blocker.reason) {
    case "min_spend":
      return { kind: "spend", amount_minor: blocker.missing_minor };
    case "min_quantity":
      return { kind: "items", quantity: blocker.missing_quantity };
    case "missing_sku":
      return { kind: "sku", skus: blocker.skus };
    default:
      return undefined;
  }
}

/** A plain sentence for a blocker, shown to people; clients switch on `reason`, never on this text. */
export function describeBlocker(blocker: Blocker, currency: string): string {
  const money = (minor: number) => formatMinor(minor, currency);
  switch (blocker.reason) {
    case "used":
      return "already used or held by a checkout";
    case "revoked":
      return "withdrawn by the brand";
    case "expired":
      return "expired";
    case "not_yet_valid":
      return "not valid yet";
    case "channel":
      return "not valid in this channel";
    case "store":
      return "not valid in this store";
    case "tier":
      return "not for the member's tier";
    case "no_eligible_items":
      return "nothing in the cart qualifies";
    case "min_spend":
      return `${money(blocker.missing_minor)} more to reach the minimum spend`;
    case "min_quantity":
      return `${blocker.missing_quantity} more qualifying item${blocker.missing_quantity === 1 ? "" : "s"} needed`;
    case "missing_sku":
      return `add ${blocker.skus.join(" or ")} to the cart`;
    case "nothing_to_discount":
      return "gives nothing off this cart";
    case "budget_exhausted":
      return "the campaign's budget is used up";
    case "not_combinable":
      return `cannot be combined with ${blocker.with_coupon_id}`;
  }
}
