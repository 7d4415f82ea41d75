import type { RedemptionStatus, RewardKind } from "../tables.ts";

/** The points mall's pure decisions: who may redeem what, and how a redemption's fulfilment may move. */

export interface RewardFacts {
  kind: RewardKind;
  active: boolean;
  price_points: number;
  price_cash_minor: number;
  stock_left: number | null;
  per_member_limit: number | null;
  tiers: string[] | null;
}

export interface RedeemerFacts {
  tier_code: string | null;
  available_points: number;
  /** How many of this reward the member redeemed before (cancelled ones not counted). */
  redeemed: number;
  /** Who asks: a member in the member center cannot pay the cash part; the brand's checkout takes it and calls us. */
  via: "member" | "brand";
}

export type RedeemBlocker =
  "inactive" | "tier" | "cash_through_brand" | "out_of_stock" | "limit_reached" | "not_enough_points";

/**
 * Why a member cannot redeem a reward now, or undefined. Used to show the catalog ("redeemable") and to refuse
 * early; the redemption itself re-checks stock, limit and points under locks.
 */
export function redeemBlocker(reward: RewardFacts, member: RedeemerFacts): RedeemBlocker | undefined {
  if (!reward.active) return "inactive";
  if (reward.tiers !== null && (member.tier_code === null || !reward.tiers.includes(member.tier_code)))
    return "tier";
  if (reward.price_cash_minor > 0 && member.via === "member") return "cash_through_brand";
  if (reward.stock_left !== null && reward.stock_left <= 0) return "out_of_stock";
  if (reward.per_member_limit !== null && member.redeemed >= reward.per_member_limit) return "limit_reached";
  if (member.available_points < reward.price_points) return "not_enough_points";
  return undefined;
}

/** Coupons and vouchers are delivered at once; physical goods wait to be shipped. */
export function initialStatus(kind: RewardKind): RedemptionStatus {
  return kind === "physical" ? "pending_fulfilment" : "fulfilled";
}

const NEXT: Record<RedemptionStatus, RedemptionStatus[]> = {
  pending_fulfilment: ["shipped", "cancelled"],
  shipped: ["delivered"],
  delivered: [],
  fulfilled: [],
  cancelled: [],
};

/** A fulfilment step: allowed, already there (a retry), or refused with the states it could go to. */
export function fulfilmentStep(
  current: RedemptionStatus,
  requested: RedemptionStatus,
): { ok: true; changed: boolean } | { ok: false; allowed: RedemptionStatus[] } {
  if (current === requested) return { ok: true, changed: false };
  const allowed = NEXT[current];
  return allowed.includes(requested) ? { ok: true, changed: true } : { ok: false, allowed };
}
