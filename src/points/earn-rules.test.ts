import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type EarnContext,
  type EarnOrder,
  type EarnRule,
  evaluateEarnings,
  lineBases,
} from "./earn-rules.ts";

const rule = (
  rule_id: string,
  definition: EarnRule["definition"],
  extra: Partial<EarnRule> = {},
): EarnRule => ({
  rule_id,
  name: rule_id,
  definition,
  starts_at: null,
  ends_at: null,
  ...extra,
});
const BASE = rule("base", { kind: "base", points_per_unit: 1, growth_per_unit: 1, unit_minor: 100 });
const ctx = (over: Partial<EarnContext> = {}): EarnContext => ({
  weekday: 3,
  day_of_month: 10,
  tier_code: null,
  tier_multiplier: 1,
  is_first_purchase: false,
  points_earned_today: 0,
  ...over,
});
const order = (over: Partial<EarnOrder> = {}): EarnOrder => {
  const lines = over.lines ?? [
    { sku: "TEA", category: "fruit_tea", quantity: 2, unit_price_minor: 2900, discount_minor: 0 },
  ];
  const discount = over.discount_minor ?? 0;
  const items = lines.reduce((a, l) => a + l.quantity * l.unit_price_minor - l.discount_minor, 0);
  return {
    channel: "pos",
    store_id: "ou_1",
    ordered_at: new Date("2026-05-06T04:00:00Z"),
    lines,
    discount_minor: discount,
    basis_minor: items - discount,
    ...over,
  };
};

describe("earn rules", () => {
  it("earns 1 point and 1 growth per yuan paid, rounding down", () => {
    const result = evaluateEarnings(order(), ctx(), [BASE]);
    expect(result).toMatchObject({ points: 58, growth: 58 });
    expect(result.decisions).toEqual([
      { rule_id: "base", rule_name: "base", kind: "base", points: 58, growth: 58 },
    ]);
  });

  it("earns on what was paid: discounts lower the basis", () => {
    expect(evaluateEarnings(order({ discount_minor: 2000 }), ctx(), [BASE]).points).toBe(38);
  });

  it("doubles points for Black Gold through the tier multiplier, naming the tier", () => {
    const result = evaluateEarnings(order(), ctx({ tier_code: "BLACK_GOLD", tier_multiplier: 2 }), [BASE]);
    expect(result.points).toBe(116);
    expect(result.growth).toBe(58);
    expect(result.decisions.map((d) => d.rule_id)).toEqual(["base", "tier:BLACK_GOLD"]);
  });

  it("adds multipliers rather than compounding them: 2× day and 2× tier make 3×", () => {
    const day = rule("double-day", { kind: "multiplier", factor: 2, when: { days_of_month: [10] } });
    expect(evaluateEarnings(order(), ctx({ tier_code: "VIP", tier_multiplier: 2 }), [BASE, day]).points).toBe(
      174,
    );
    expect(evaluateEarnings(order(), ctx({ day_of_month: 11 }), [BASE, day]).points).toBe(58);
  });

  it("applies a category multiplier to that category's lines only", () => {
    const bakery = rule("bakery3x", { kind: "multiplier", factor: 3, when: { categories: ["bakery"] } });
    const o = order({
      lines: [
        { sku: "TEA", category: "fruit_tea", quantity: 1, unit_price_minor: 3000, discount_minor: 0 },
        { sku: "TART", category: "bakery", quantity: 1, unit_price_minor: 1000, discount_minor: 0 },
      ],
    });
    expect(evaluateEarnings(o, ctx(), [BASE, bakery]).points).toBe(40 + 20);
  });

  describe("channel and store conditions", () => {
    const POS_2X = rule(
      "pos2x",
      { kind: "multiplier", factor: 2, when: { channels: ["pos"] } },
      { name: "2× in channel pos" },
    );
    const STORE_X = rule(
      "storeX",
      { kind: "multiplier", factor: 1.5, when: { stores: ["ou_x"] } },
      { name: "+50% at store X" },
    );
    const baseOnly = { rule_id: "base", rule_name: "base", kind: "base", points: 58, growth: 58 };
    // The default order: 2 × ¥29.00 = ¥58.00 paid, so 58 base points.

    it("doubles points on orders from channel pos, naming the rule, and on no other channel", () => {
      expect(evaluateEarnings(order({ channel: "pos" }), ctx(), [BASE, POS_2X])).toEqual({
        points: 116,
        growth: 58,
        decisions: [
          baseOnly,
          { rule_id: "pos2x", rule_name: "2× in channel pos", kind: "multiplier", points: 58, growth: 0 },
        ],
      });
      for (const channel of ["mini_program", "tmall", "pos_legacy"]) {
        expect(evaluateEarnings(order({ channel }), ctx(), [BASE, POS_2X]), channel).toEqual({
          points: 58,
          growth: 58,
          decisions: [baseOnly],
        });
      }
    });

    it("adds 50% at store X only, rounding the extra down", () => {
      expect(evaluateEarnings(order({ store_id: "ou_x" }), ctx(), [BASE, STORE_X])).toEqual({
        points: 87,
        growth: 58,
        decisions: [
          baseOnly,
          { rule_id: "storeX", rule_name: "+50% at store X", kind: "multiplier", points: 29, growth: 0 },
        ],
      });
      // ¥57.90: 57 base points; the extra is ⌊57.9 × 0.5⌋ = ⌊28.95⌋ = 28.
      const odd = order({
        store_id: "ou_x",
        lines: [
          { sku: "TEA", category: "fruit_tea", quantity: 1, unit_price_minor: 5790, discount_minor: 0 },
        ],
      });
      expect(evaluateEarnings(odd, ctx(), [BASE, STORE_X]).points).toBe(57 + 28);
      // Another store, or an order with no store at all (online), earns the base only.
      expect(evaluateEarnings(order({ store_id: "ou_1" }), ctx(), [BASE, STORE_X]).decisions).toEqual([
        baseOnly,
      ]);
      expect(evaluateEarnings(order({ store_id: null }), ctx(), [BASE, STORE_X]).decisions).toEqual([
        baseOnly,
      ]);
    });

    it("adds both when a pos order is at store X: 1 + 1 + 0.5 of the base, not 2 × 1.5", () => {
      const rules = [BASE, POS_2X, STORE_X];
      const at = (channel: string, store_id: string | null) =>
        evaluateEarnings(order({ channel, store_id }), ctx(), rules).points;
      expect(at("pos", "ou_x")).toBe(58 + 58 + 29);
      expect(at("pos", "ou_1")).toBe(58 + 58);
      expect(at("mini_program", "ou_x")).toBe(58 + 29);
      expect(at("mini_program", null)).toBe(58);
    });

    it("needs every condition of one rule to match: channel pos and store X together", () => {
      const both = rule("posAtX", {
        kind: "bonus",
        points: 100,
        when: { channels: ["pos"], stores: ["ou_x", "ou_y"] },
      });
      const at = (channel: string, store_id: string | null) =>
        evaluateEarnings(order({ channel, store_id }), ctx(), [BASE, both]).points;
      expect(at("pos", "ou_x")).toBe(158);
      expect(at("pos", "ou_y")).toBe(158);
      expect(at("pos", "ou_1")).toBe(58);
      expect(at("pos", null)).toBe(58);
      expect(at("mini_program", "ou_x")).toBe(58);
    });

    it("lets a channel's own base rule replace the default base for that channel's orders", () => {
      const tmallBase = rule("tmall-base", {
        kind: "base",
        points_per_unit: 1,
        growth_per_unit: 1,
        unit_minor: 200,
        priority: 10,
        when: { channels: ["tmall"] },
      });
      expect(evaluateEarnings(order({ channel: "tmall" }), ctx(), [BASE, tmallBase])).toMatchObject({
        points: 29,
        growth: 29,
        decisions: [{ rule_id: "tmall-base", points: 29 }],
      });
      expect(evaluateEarnings(order({ channel: "pos" }), ctx(), [BASE, tmallBase]).decisions).toEqual([
        baseOnly,
      ]);
    });
  });

  it("gives the first-purchase bonus only on the first purchase", () => {
    const first = rule("welcome", { kind: "bonus", points: 200, first_purchase_only: true });
    expect(evaluateEarnings(order(), ctx({ is_first_purchase: true }), [BASE, first]).points).toBe(258);
    expect(evaluateEarnings(order(), ctx(), [BASE, first]).points).toBe(58);
  });

  it("respects a rule's time box", () => {
    const promo = rule(
      "may-double",
      { kind: "multiplier", factor: 2 },
      { starts_at: new Date("2026-05-01T00:00:00Z"), ends_at: new Date("2026-05-06T00:00:00Z") },
    );
    expect(evaluateEarnings(order(), ctx(), [BASE, promo]).points).toBe(58);
    expect(
      evaluateEarnings(order({ ordered_at: new Date("2026-05-05T23:00:00Z") }), ctx(), [BASE, promo]).points,
    ).toBe(116);
  });

  it("caps per order and per day, trimming bonuses before base points", () => {
    const bonus = rule("b", { kind: "bonus", points: 100 });
    const cap = rule("cap", { kind: "cap", max_points_per_order: 120, max_points_per_day: 500 });
    const result = evaluateEarnings(order(), ctx(), [BASE, bonus, cap]);
    expect(result.points).toBe(120);
    expect(result.decisions.find((d) => d.kind === "base")?.points).toBe(58);
    expect(evaluateEarnings(order(), ctx({ points_earned_today: 480 }), [BASE, bonus, cap]).points).toBe(20);
    expect(evaluateEarnings(order(), ctx({ points_earned_today: 600 }), [BASE, bonus, cap]).points).toBe(0);
  });

  it("computes points from the exact paid total, not a floating-point sum of line fractions", () => {
    const prices = [
      [5, 99995],
      [8, 50777],
      [7, 43494],
      [3, 10],
      [2, 33707],
      [3, 53569],
    ] as const;
    const lines = prices.map(([quantity, unit_price_minor], i) => ({
      sku: `S${i}`,
      category: null,
      quantity,
      unit_price_minor,
      discount_minor: 0,
    }));
    expect(evaluateEarnings(order({ lines }), ctx(), [BASE]).points).toBe(14388);
  });

  it("earns nothing without a base rule, and nothing on a free order", () => {
    expect(evaluateEarnings(order(), ctx(), []).points).toBe(0);
    const free = order({
      lines: [{ sku: "GIFT", category: null, quantity: 1, unit_price_minor: 0, discount_minor: 0 }],
    });
    expect(evaluateEarnings(free, ctx(), [BASE]).points).toBe(0);
  });

  it("spreads an order discount over lines to the fen", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            quantity: fc.integer({ min: 1, max: 5 }),
            unit_price_minor: fc.integer({ min: 0, max: 50_000 }),
          }),
          { minLength: 1, maxLength: 8 },
        ),
        fc.integer({ min: 0, max: 100_000 }),
        (raw, discount) => {
          const lines = raw.map((l, i) => ({ sku: `S${i}`, category: null, discount_minor: 0, ...l }));
          const items = lines.reduce((a, l) => a + l.quantity * l.unit_price_minor, 0);
          const d = Math.min(discount, items);
          const bases = lineBases({
            channel: "pos",
            store_id: null,
            ordered_at: new Date(),
            lines,
            discount_minor: d,
            basis_minor: items - d,
          });
          expect(bases.reduce((a, b) => a + b, 0)).toBe(items - d);
          expect(bases.every((b) => b >= 0)).toBe(true);
        },
      ),
    );
  });

  it("never earns more base points than the paid amount allows, whatever the lines", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            quantity: fc.integer({ min: 1, max: 9 }),
            unit_price_minor: fc.integer({ min: 0, max: 99_999 }),
          }),
          { minLength: 1, maxLength: 10 },
        ),
        (raw) => {
          const lines = raw.map((l, i) => ({ sku: `S${i}`, category: null, discount_minor: 0, ...l }));
          const o = order({ lines });
          const result = evaluateEarnings(o, ctx(), [BASE]);
          expect(result.points).toBe(Math.floor(o.basis_minor / 100));
        },
      ),
    );
  });
});
