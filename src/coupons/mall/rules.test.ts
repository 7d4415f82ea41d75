import { describe, expect, it } from "vitest";
import {
  fulfilmentStep,
  initialStatus,
  type RedeemerFacts,
  redeemBlocker,
  type RewardFacts,
} from "./rules.ts";

const reward: RewardFacts = {
  kind: "physical",
  active: true,
  price_points: 500,
  price_cash_minor: 0,
  stock_left: 3,
  per_member_limit: 1,
  tiers: null,
};
const member: RedeemerFacts = { tier_code: "VIP", available_points: 800, redeemed: 0, via: "member" };

describe("who may redeem a reward", () => {
  it("lets a member with the points redeem a reward in stock", () => {
    expect(redeemBlocker(reward, member)).toBeUndefined();
  });

  it.each<[string, Partial<RewardFacts>, Partial<RedeemerFacts>]>([
    ["inactive", { active: false }, {}],
    ["tier", { tiers: ["BLACK_GOLD"] }, {}],
    ["cash_through_brand", { price_cash_minor: 990 }, {}],
    ["out_of_stock", { stock_left: 0 }, {}],
    ["limit_reached", {}, { redeemed: 1 }],
    ["not_enough_points", {}, { available_points: 499 }],
  ])("refuses: %s", (blocker, r, m) => {
    expect(redeemBlocker({ ...reward, ...r }, { ...member, ...m })).toBe(blocker);
  });

  it("lets the brand's checkout redeem points + cash rewards, after taking the cash", () => {
    expect(redeemBlocker({ ...reward, price_cash_minor: 990 }, { ...member, via: "brand" })).toBeUndefined();
  });

  it("has no stock limit when stock is null, and tier-only items open to their tiers", () => {
    expect(redeemBlocker({ ...reward, stock_left: null, tiers: ["VIP"] }, member)).toBeUndefined();
  });
});

describe("fulfilment", () => {
  it("delivers coupons and vouchers at once, ships physical goods", () => {
    expect(initialStatus("coupon")).toBe("fulfilled");
    expect(initialStatus("voucher")).toBe("fulfilled");
    expect(initialStatus("physical")).toBe("pending_fulfilment");
  });

  it("moves pending → shipped → delivered, or pending → cancelled, and nothing else", () => {
    expect(fulfilmentStep("pending_fulfilment", "shipped")).toEqual({ ok: true, changed: true });
    expect(fulfilmentStep("shipped", "delivered")).toEqual({ ok: true, changed: true });
    expect(fulfilmentStep("pending_fulfilment", "cancelled")).toEqual({ ok: true, changed: true });
    expect(fulfilmentStep("shipped", "cancelled")).toEqual({ ok: false, allowed: ["delivered"] });
    expect(fulfilmentStep("fulfilled", "cancelled")).toEqual({ ok: false, allowed: [] });
    expect(fulfilmentStep("shipped", "shipped")).toEqual({ ok: true, changed: false });
  });
});
