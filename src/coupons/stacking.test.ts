import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Cart, type CouponOffer, defaultGroup, type MemberBenefits } from "./offers.ts";
import { pointsPaymentLimit, pointsPaymentValue } from "./points-payment.ts";
import { priceCart } from "./pricing.ts";
import type { Benefit } from "./schemas.ts";
import { decideQuote, stackingBlocker } from "./stacking.ts";
import { cart, line, NO_BENEFITS, NOW, offer, spendGet, tier, yuan } from "./rules-fixtures.test-support.ts";

describe("stacking rules", () => {
  it("allows one coupon per group: two order coupons do not combine, an item and an order coupon do", () => {
    const a = spendGet(148, 20);
    const b = spendGet(178, 30);
    const half = offer({ kind: "nth_item", nth: 2, percent: 50 });
    expect(stackingBlocker([a, b])).toEqual({
      coupon_id: b.coupon_id,
      blocker: { reason: "not_combinable", with_coupon_id: a.coupon_id },
    });
    expect(stackingBlocker([a, half])).toBeUndefined();
  });

  it("uses an exclusive coupon alone", () => {
    const exclusive = offer({ kind: "amount_off", amount_minor: 100 }, { exclusive: true });
    const shipping = offer({ kind: "free_shipping" });
    expect(stackingBlocker([exclusive, shipping])?.coupon_id).toBe(exclusive.coupon_id);
    expect(stackingBlocker([exclusive])).toBeUndefined();
  });

  it("lets a brand put two kinds in one group so they never combine", () => {
    const a = spendGet(100, 20, { group: "campaign" });
    const b = offer({ kind: "free_shipping" }, { group: "campaign" });
    expect(stackingBlocker([a, b])?.coupon_id).toBe(b.coupon_id);
  });
});

describe("the best combination", () => {
  it("picks the newcomer coupon that gives most for the cart: 178−30 over 148−20 at 180 yuan", () => {
    const pack = [spendGet(148, 20), spendGet(178, 30), spendGet(150, 100)];
    const decision = decideQuote(cart([line("SNACK", 180)]), NO_BENEFITS, pack, NOW);
    // 150−100 is best of all at 180 yuan: the pack's big coupon.
    expect(decision.best.coupon_ids).toEqual([pack[2]?.coupon_id]);
    expect(decision.best.total_due_minor).toBe(yuan(80));
    const smaller = decideQuote(cart([line("SNACK", 149)]), NO_BENEFITS, pack, NOW);
    expect(smaller.best.coupon_ids).toEqual([pack[0]?.coupon_id]);
    expect(smaller.almost.map((a) => [a.offer.coupon_id, a.missing])).toEqual([
      [pack[2]?.coupon_id, { kind: "spend", amount_minor: yuan(1) }],
      [pack[1]?.coupon_id, { kind: "spend", amount_minor: yuan(29) }],
    ]);
  });

  it("combines an item coupon, an order coupon and free shipping", () => {
    const half = offer({ kind: "nth_item", nth: 2, percent: 50 });
    // 120 yuan of tea, 90 after half price: the threshold is measured there.
    const off = spendGet(80, 20);
    const ship = offer({ kind: "free_shipping" });
    const decision = decideQuote(
      cart([line("TEA", 60, 2)], { shipping_minor: yuan(10) }),
      NO_BENEFITS,
      [half, off, ship],
      NOW,
    );
    expect([...decision.best.coupon_ids].sort()).toEqual(
      [half.coupon_id, off.coupon_id, ship.coupon_id].sort(),
    );
    expect(decision.best.total_due_minor).toBe(yuan(120 - 30 - 20));
  });

  it("drops an order coupon whose threshold the item coupon pushes the cart under", () => {
    const half = offer({ kind: "nth_item", nth: 2, percent: 50 });
    const off = spendGet(148, 20);
    const decision = decideQuote(cart([line("TEA", 80, 2)]), NO_BENEFITS, [half, off], NOW);
    // Half price brings 160 to 120, under 148: the pair is not allowed; half price alone (40 off) beats 20 off.
    expect(decision.best.coupon_ids).toEqual([half.coupon_id]);
  });

  it("weighs an exclusive coupon against a combination", () => {
    const exclusive = offer({ kind: "amount_off", amount_minor: yuan(50) }, { exclusive: true });
    const a = spendGet(100, 20);
    const ship = offer({ kind: "free_shipping" });
    const small = decideQuote(
      cart([line("A", 200)], { shipping_minor: yuan(40) }),
      NO_BENEFITS,
      [exclusive, a, ship],
      NOW,
    );
    expect([...small.best.coupon_ids].sort()).toEqual([a.coupon_id, ship.coupon_id].sort());
    const large = decideQuote(
      cart([line("A", 200)], { shipping_minor: yuan(10) }),
      NO_BENEFITS,
      [exclusive, a, ship],
      NOW,
    );
    expect(large.best.coupon_ids).toEqual([exclusive.coupon_id]);
  });

  it("keeps the tier discount when that beats a coupon that would switch it off", () => {
    const coupon = spendGet(100, 15, { with_member_discount: false });
    const decision = decideQuote(cart([line("A", 200)]), tier({ discount_percent: 10 }), [coupon], NOW);
    expect(decision.best.coupon_ids).toEqual([]);
    expect(decision.best.total_due_minor).toBe(yuan(180));
    expect(decision.evaluations[0]).toMatchObject({ discount_minor: yuan(15), saves_minor: yuan(-5) });
  });

  it("uses the coupon expiring soonest when two give the same", () => {
    const later = spendGet(100, 20, { valid_until: new Date("2026-12-01T00:00:00Z") });
    const sooner = spendGet(100, 20, { valid_until: new Date("2026-07-01T00:00:00Z") });
    expect(decideQuote(cart([line("A", 120)]), NO_BENEFITS, [later, sooner], NOW).best.coupon_ids).toEqual([
      sooner.coupon_id,
    ]);
  });

  it("weighs many coupons of one kind as one: the soonest to expire, without crowding other kinds out", () => {
    // Five copies of a coupon that switches the tier discount off: alone each takes more off than the other kind,
    // so they rank first; as one kind they leave room for the coupon that keeps the tier discount and wins.
    const template = { template_id: "ctpl_pack", with_member_discount: false };
    const copies = [5, 4, 3, 2, 1].map((day) =>
      spendGet(100, 50, { ...template, valid_until: new Date(`2026-07-0${day}T00:00:00Z`) }),
    );
    const keeps = spendGet(100, 45);
    const member = tier({ discount_percent: 10 });
    const decision = decideQuote(cart([line("A", 1000)]), member, [...copies, keeps], NOW);
    expect(decision.best.coupon_ids).toEqual([keeps.coupon_id]);
    expect(decision.best.total_due_minor).toBe(yuan(855));
    expect(decision.evaluations.map((e) => e.discount_minor)).toEqual([
      ...copies.map(() => yuan(50)),
      yuan(45),
    ]);

    const alone = decideQuote(cart([line("A", 1000)]), NO_BENEFITS, copies, NOW);
    expect(alone.best.coupon_ids).toEqual([copies[4]?.coupon_id]);
  });

  it("offers nothing, and charges the full price, when no coupon applies", () => {
    const decision = decideQuote(cart([line("A", 50)]), NO_BENEFITS, [spendGet(148, 20)], NOW);
    expect(decision.best).toMatchObject({ coupon_ids: [], total_due_minor: yuan(50), discount_minor: 0 });
  });
});

describe("points as payment", () => {
  const policy = { enabled: true, points_per_unit: 100, unit_minor: 100, max_percent: 50 };

  it("lets 100 points pay 1 yuan, for at most half of what is due", () => {
    expect(pointsPaymentLimit(policy, yuan(80), 10_000)).toMatchObject({
      max_points: 4000,
      max_value_minor: yuan(40),
    });
    expect(pointsPaymentLimit(policy, yuan(80), 1234)).toMatchObject({
      max_points: 1234,
      max_value_minor: 1234,
    });
  });

  it("spends in whole steps of the rate", () => {
    const coarse = { ...policy, points_per_unit: 300, unit_minor: 200 };
    expect(pointsPaymentLimit(coarse, yuan(10), 1000)).toMatchObject({
      step_points: 3,
      step_minor: 2,
      max_points: 750,
      max_value_minor: 500,
    });
    expect(pointsPaymentValue(coarse, yuan(10), 301)).toEqual({ problem: "points are used in steps of 3" });
    expect(pointsPaymentValue(coarse, yuan(10), 300)).toEqual({ value_minor: 200 });
  });

  it("refuses more than the cap, and any points when the brand takes none", () => {
    expect(pointsPaymentValue(policy, yuan(80), 4001)).toHaveProperty("problem");
    expect(pointsPaymentValue({ ...policy, enabled: false }, yuan(80), 100)).toHaveProperty("problem");
    expect(pointsPaymentLimit({ ...policy, enabled: false }, yuan(80), 10_000).max_points).toBe(0);
  });
});

// ——— properties: random carts, coupons and tiers ———

const benefitArb: fc.Arbitrary<Benefit> = fc.oneof(
  fc.record({ kind: fc.constant("amount_off" as const), amount_minor: fc.integer({ min: 1, max: 50_000 }) }),
  fc.record(
    {
      kind: fc.constant("percent_off" as const),
      percent: fc.integer({ min: 1, max: 100 }),
      max_discount_minor: fc.integer({ min: 0, max: 20_000 }),
    },
    { requiredKeys: ["kind", "percent"] },
  ),
  fc.record(
    {
      kind: fc.constant("nth_item" as const),
      nth: fc.integer({ min: 2, max: 4 }),
      percent: fc.integer({ min: 1, max: 100 }),
      max_applications: fc.integer({ min: 1, max: 3 }),
    },
    { requiredKeys: ["kind", "nth", "percent"] },
  ),
  fc.record(
    {
      kind: fc.constant("free_item" as const),
      skus: fc.subarray(["A", "B", "C"], { minLength: 1 }),
      quantity: fc.integer({ min: 1, max: 3 }),
      max_value_minor: fc.integer({ min: 0, max: 5_000 }),
    },
    { requiredKeys: ["kind", "skus", "quantity"] },
  ),
  fc.record(
    { kind: fc.constant("free_shipping" as const), max_minor: fc.integer({ min: 0, max: 2_000 }) },
    { requiredKeys: ["kind"] },
  ),
  fc.record(
    {
      kind: fc.constant("fixed_price" as const),
      skus: fc.subarray(["A", "B", "C"], { minLength: 1 }),
      price_minor: fc.integer({ min: 0, max: 10_000 }),
      max_units: fc.integer({ min: 1, max: 5 }),
    },
    { requiredKeys: ["kind", "skus", "price_minor"] },
  ),
);

const offerArb: fc.Arbitrary<CouponOffer> = fc
  .record({
    benefit: benefitArb,
    min_spend: fc.option(fc.integer({ min: 0, max: 40_000 }), { nil: undefined }),
    skus: fc.option(fc.subarray(["A", "B", "C"], { minLength: 1 }), { nil: undefined }),
    group: fc.option(fc.constantFrom("g1", "g2"), { nil: undefined }),
    exclusive: fc.boolean(),
    with_member_discount: fc.boolean(),
    budget: fc.option(fc.integer({ min: 0, max: 30_000 }), { nil: null }),
  })
  .map((r) =>
    offer(r.benefit, {
      conditions: {
        ...(r.min_spend !== undefined ? { min_spend_minor: r.min_spend } : {}),
        ...(r.skus ? { skus: r.skus } : {}),
      },
      group: r.group ?? defaultGroup(r.benefit.kind),
      exclusive: r.exclusive,
      with_member_discount: r.with_member_discount,
      budget_left_minor: r.budget,
    }),
  );

const cartArb: fc.Arbitrary<Cart> = fc
  .record({
    lines: fc.array(
      fc.record({
        sku: fc.constantFrom("A", "B", "C", "D"),
        quantity: fc.integer({ min: 1, max: 6 }),
        unit: fc.integer({ min: 0, max: 20_000 }),
        member: fc.option(fc.integer({ min: 0, max: 20_000 }), { nil: null }),
      }),
      { minLength: 1, maxLength: 5 },
    ),
    shipping: fc.integer({ min: 0, max: 2_000 }),
  })
  .map((r) =>
    cart(
      r.lines.map((l) => ({
        sku: l.sku,
        category: null,
        quantity: l.quantity,
        unit_price_minor: l.unit,
        member_unit_price_minor: l.member,
      })),
      { shipping_minor: r.shipping },
    ),
  );

const memberArb: fc.Arbitrary<MemberBenefits> = fc.record({
  tier_code: fc.constant("VIP"),
  discount_percent: fc.constantFrom(0, 5, 10, 12.5, 20),
  member_price: fc.boolean(),
  free_shipping: fc.boolean(),
});

describe("properties of every quote", () => {
  it("never has a negative payable, a negative line, or discounts that do not add up", () => {
    fc.assert(
      fc.property(cartArb, memberArb, fc.array(offerArb, { maxLength: 6 }), (c, member, offers) => {
        const decision = decideQuote(c, member, offers, NOW);
        for (const pricing of [decision.baseline, decision.best]) {
          expect(pricing.total_due_minor).toBeGreaterThanOrEqual(0);
          for (const l of pricing.lines) expect(l.net_minor).toBeGreaterThanOrEqual(0);
          expect(pricing.discount_minor).toBe(
            pricing.items_gross_minor + c.shipping_minor - pricing.total_due_minor,
          );
        }
        const points = pointsPaymentLimit(
          { enabled: true, points_per_unit: 100, unit_minor: 100, max_percent: 100 },
          decision.best.total_due_minor,
          1e9,
        );
        expect(decision.best.total_due_minor - points.max_value_minor).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 400 },
    );
  });

  it("prices the chosen set again to the same fen (what commit re-checks), within the stacking rules", () => {
    fc.assert(
      fc.property(cartArb, memberArb, fc.array(offerArb, { maxLength: 6 }), (c, member, offers) => {
        const decision = decideQuote(c, member, offers, NOW);
        const chosen = offers.filter((o) => decision.best.coupon_ids.includes(o.coupon_id));
        expect(stackingBlocker(chosen)).toBeUndefined();
        const again = priceCart(c, member, chosen);
        expect(again.blocked).toEqual([]);
        expect(again.pricing).toEqual(decision.best);
      }),
      { numRuns: 400 },
    );
  });

  it("is never worse than no coupon or than any usable coupon alone", () => {
    fc.assert(
      fc.property(cartArb, memberArb, fc.array(offerArb, { maxLength: 6 }), (c, member, offers) => {
        const decision = decideQuote(c, member, offers, NOW);
        expect(decision.best.total_due_minor).toBeLessThanOrEqual(decision.baseline.total_due_minor);
        for (const e of decision.evaluations) {
          if (e.blocker) continue;
          expect(decision.best.total_due_minor).toBeLessThanOrEqual(
            decision.baseline.total_due_minor - e.saves_minor,
          );
        }
      }),
      { numRuns: 400 },
    );
  });
});
