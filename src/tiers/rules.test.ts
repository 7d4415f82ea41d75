import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  applyEvaluation,
  DEFAULT_TIER_PROGRAM,
  distanceToKeep,
  distanceToNext,
  effectiveTier,
  type EvaluationInput,
  evaluateStanding,
  type LadderTier,
  ladderProblem,
  meets,
  type MemberStats,
  metricsUsed,
  nextReview,
  NO_STATS,
  paidTierAt,
  positionOf,
  qualificationWindow,
  type Standing,
  type SubscriptionFacts,
  termEnd,
} from "./rules.ts";
import type { Qualification, TierProgram } from "./schemas.ts";

const TZ = "Asia/Shanghai";
const BENEFITS = {
  points_multiplier: 1,
  discount_percent: 0,
  member_price: false,
  free_shipping: false,
  birthday_gift: null,
  upgrade_gift: null,
};

const tier = (
  code: string,
  rank: number,
  qualification: Qualification = {},
  kind: "free" | "paid" = "free",
): LadderTier => ({
  tier_id: `tier_${code}`,
  code,
  name: code,
  rank,
  kind,
  qualification,
  benefits: BENEFITS,
});
const ORDINARY = tier("ORDINARY", 0);
const VIP = tier("VIP", 10, { reach: { growth: 1000 } });
const BLACK_GOLD = tier("BLACK_GOLD", 20, { reach: { growth: 5000 } });
const LADDER = [ORDINARY, VIP, BLACK_GOLD];
const VIPS = [
  tier("VIP1", 0),
  tier("VIP2", 1, { reach: { growth: 100 } }),
  tier("VIP3", 2, { reach: { growth: 1000 } }),
  tier("VIP4", 3, { reach: { growth: 5000 } }),
];

const stats = (growth: number, spend_minor = 0, orders = 0): MemberStats => ({ growth, spend_minor, orders });
const at = (iso: string) => new Date(iso);
// Brand-local midnight of 1 January 2027 in Shanghai.
const JAN_1_2027 = at("2026-12-31T16:00:00Z");

const standing = (t: LadderTier, over: Partial<Standing> = {}): Standing => ({
  tier_id: t.tier_id,
  achieved_at: at("2025-06-01T00:00:00Z"),
  review_at: JAN_1_2027,
  grace_until: null,
  ...over,
});

const evaluate = (over: Partial<EvaluationInput>) =>
  evaluateStanding({
    ladder: LADDER,
    program: DEFAULT_TIER_PROGRAM,
    timeZone: TZ,
    standing: standing(ORDINARY, { review_at: null }),
    now: at("2026-05-06T04:00:00Z"),
    qualifying: NO_STATS,
    retaining: NO_STATS,
    mode: "full",
    ...over,
  });

describe("qualification windows", () => {
  it("counts the brand-local calendar year, closing at the next local new year", () => {
    // 01:30 on 15 March in Shanghai is still 14 March in UTC.
    const window = qualificationWindow(at("2026-03-14T17:30:00Z"), "calendar_year", TZ);
    expect(window.from.toISOString()).toBe("2025-12-31T16:00:00.000Z");
    expect(window.ends_at?.toISOString()).toBe("2026-12-31T16:00:00.000Z");
  });

  it("counts the last twelve months on a rolling window, which never closes", () => {
    const window = qualificationWindow(at("2026-03-14T17:30:00Z"), "rolling_12_months", TZ);
    expect(window.from.toISOString()).toBe("2025-03-14T17:30:00.000Z");
    expect(window.ends_at).toBeNull();
  });
});

describe("upgrades", () => {
  it("upgrades at once to the highest tier reached, passing the tiers between", () => {
    const result = evaluate({ qualifying: stats(5200), mode: "upgrade_only" });
    expect(result).toMatchObject({
      kind: "upgrade",
      to: { code: "BLACK_GOLD" },
      reason: "reached BLACK_GOLD: growth 5200 ≥ 5000",
    });
    expect(result.kind === "upgrade" && result.passed.map((t) => t.code)).toEqual(["VIP", "BLACK_GOLD"]);
  });

  it("keeps a tier reached in calendar year N through year N+1", () => {
    const result = evaluate({ qualifying: stats(1000), now: at("2026-12-20T00:00:00Z") });
    expect(result.kind === "upgrade" && result.review_at.toISOString()).toBe("2027-12-31T16:00:00.000Z");
    const rolling = evaluate({
      qualifying: stats(1000),
      now: at("2026-12-20T00:00:00Z"),
      program: { ...DEFAULT_TIER_PROGRAM, window: "rolling_12_months" },
    });
    expect(rolling.kind === "upgrade" && rolling.review_at.toISOString()).toBe("2027-12-20T00:00:00.000Z");
  });

  it("qualifies on any one threshold: growth, spend or order count", () => {
    const ladder = [ORDINARY, tier("VIP", 10, { reach: { growth: 1000, spend_minor: 50_000, orders: 10 } })];
    expect(evaluate({ ladder, qualifying: stats(0, 50_000, 0) }).kind).toBe("upgrade");
    expect(evaluate({ ladder, qualifying: stats(0, 0, 10) }).kind).toBe("upgrade");
    expect(evaluate({ ladder, qualifying: stats(999, 49_999, 9) }).kind).toBe("none");
  });

  it("never moves down after an order, even with a review long overdue and nothing done", () => {
    const result = evaluate({
      standing: standing(BLACK_GOLD, { review_at: at("2020-01-01T00:00:00Z") }),
      mode: "upgrade_only",
      retaining: undefined,
    });
    expect(result).toEqual({ kind: "none" });
  });

  it("treats a tier with no thresholds above the start as unreachable, not as open to all", () => {
    expect(meets(stats(10), {})).toBe(false);
    expect(evaluate({ ladder: [ORDINARY, tier("ODD", 5)], qualifying: stats(10_000) }).kind).toBe("none");
  });
});

describe("reviews", () => {
  const afterReview = at("2027-01-01T02:00:00Z");

  it("keeps the tier when the year before the review met it, and reviews again a year later", () => {
    const result = evaluate({ standing: standing(VIP), now: afterReview, retaining: stats(1000) });
    expect(result.kind).toBe("retain");
    expect(result.kind === "retain" && result.review_at.toISOString()).toBe("2027-12-31T16:00:00.000Z");
  });

  it("keeps the tier on a lower retention threshold", () => {
    const vip = tier("VIP", 10, { reach: { growth: 1000 }, retain: { growth: 800 } });
    const result = evaluate({
      ladder: [ORDINARY, vip, BLACK_GOLD],
      standing: standing(vip),
      now: afterReview,
      retaining: stats(800),
    });
    expect(result.kind).toBe("retain");
  });

  it("opens a grace period instead of moving down at once, and waits it out", () => {
    const result = evaluate({ standing: standing(VIP), now: afterReview, retaining: stats(300) });
    expect(result).toMatchObject({ kind: "grace", grace_until: at("2027-01-30T16:00:00Z") });
    const during = evaluate({
      standing: standing(VIP, { grace_until: at("2027-01-30T16:00:00Z") }),
      now: at("2027-01-20T00:00:00Z"),
      retaining: stats(300),
    });
    expect(during).toEqual({ kind: "none" });
  });

  it("keeps the tier when the member catches up during the grace period", () => {
    const result = evaluate({
      standing: standing(VIP, { grace_until: at("2027-01-30T16:00:00Z") }),
      now: at("2027-01-20T00:00:00Z"),
      retaining: stats(1000),
    });
    expect(result.kind).toBe("retain");
    expect(
      applyEvaluation(standing(VIP, { grace_until: at("2027-01-30T16:00:00Z") }), result, afterReview)
        .grace_until,
    ).toBeNull();
  });

  it("does not shorten a grace already granted when the brand lowers grace_days", () => {
    const result = evaluate({
      program: { ...DEFAULT_TIER_PROGRAM, grace_days: 0 },
      standing: standing(VIP, { grace_until: at("2027-01-30T16:00:00Z") }),
      now: at("2027-01-20T00:00:00Z"),
      retaining: stats(0),
    });
    expect(result).toEqual({ kind: "none" });
  });

  it("moves down one step after the grace, even with nothing done all year", () => {
    const result = evaluate({
      standing: standing(BLACK_GOLD, { grace_until: at("2027-01-30T16:00:00Z") }),
      now: at("2027-02-01T00:00:00Z"),
      retaining: stats(0),
    });
    expect(result).toMatchObject({ kind: "downgrade", to: { code: "VIP" } });
    expect(result.kind === "downgrade" && result.review_at?.toISOString()).toBe("2027-12-31T16:00:00.000Z");
    expect(result.kind === "downgrade" && result.reason).toContain("at most 1 down per review");
  });

  it("moves down as far as the steps allowed, but no further than the best tier still kept", () => {
    const program: TierProgram = { ...DEFAULT_TIER_PROGRAM, grace_days: 0, max_steps_down: 2 };
    const base = { ladder: VIPS, program, now: afterReview, standing: standing(VIPS[3] ?? ORDINARY) };
    expect(evaluate({ ...base, retaining: stats(0) })).toMatchObject({
      kind: "downgrade",
      to: { code: "VIP2" },
    });
    expect(evaluate({ ...base, retaining: stats(1000) })).toMatchObject({
      kind: "downgrade",
      to: { code: "VIP3" },
    });
    const unlimited = evaluate({ ...base, program: { ...program, max_steps_down: 20 }, retaining: stats(0) });
    // VIP3 is kept at 800 though reached at 1000: a lower tier's retention counts on the way down.
    const vip3 = tier("VIP3", 2, { reach: { growth: 1000 }, retain: { growth: 800 } });
    const ladder = [VIPS[0] ?? ORDINARY, VIPS[1] ?? ORDINARY, vip3, VIPS[3] ?? ORDINARY];
    expect(evaluate({ ...base, ladder, retaining: stats(800) })).toMatchObject({
      kind: "downgrade",
      to: { code: "VIP3" },
    });
    expect(unlimited).toMatchObject({ kind: "downgrade", to: { code: "VIP1" }, review_at: null });
  });

  it("moves down at the review itself when the brand gives no grace", () => {
    const result = evaluate({
      program: { ...DEFAULT_TIER_PROGRAM, grace_days: 0 },
      standing: standing(VIP),
      now: afterReview,
      retaining: stats(0),
    });
    expect(result).toMatchObject({ kind: "downgrade", to: { code: "ORDINARY" }, review_at: null });
  });

  it("upgrades rather than reviews when the member already reached a higher tier", () => {
    const result = evaluate({
      standing: standing(VIP),
      now: afterReview,
      qualifying: stats(6000),
      retaining: stats(0),
    });
    expect(result).toMatchObject({ kind: "upgrade", to: { code: "BLACK_GOLD" } });
  });

  it("schedules the next review ahead of now, however late the review ran", () => {
    expect(nextReview(at("2024-12-31T16:00:00Z"), at("2027-03-01T00:00:00Z"), TZ).toISOString()).toBe(
      "2027-12-31T16:00:00.000Z",
    );
  });
});

describe("paid tiers and the effective tier", () => {
  const PLUS = tier("PLUS", 15, {}, "paid");
  const tiers = new Map([PLUS, BLACK_GOLD, VIP].map((t) => [t.tier_id, t]));
  const sub = (over: Partial<SubscriptionFacts>): SubscriptionFacts => ({
    subscription_id: "sub_1",
    tier_id: PLUS.tier_id,
    plan_code: "PLUS_YEAR",
    status: "active",
    starts_at: at("2026-01-01T00:00:00Z"),
    ends_at: at("2027-01-01T00:00:00Z"),
    ...over,
  });
  const now = at("2026-06-01T00:00:00Z");

  it("counts live subscriptions only: trial and active, started, not ended", () => {
    expect(paidTierAt([sub({ status: "trial" })], tiers, now)?.tier.code).toBe("PLUS");
    for (const dead of [
      sub({ status: "cancelled" }),
      sub({ status: "expired" }),
      sub({ starts_at: at("2026-07-01T00:00:00Z") }),
      sub({ ends_at: now }),
    ]) {
      expect(paidTierAt([dead], tiers, now)).toBeUndefined();
    }
  });

  it("is the better of free and paid by rank", () => {
    expect(effectiveTier(VIP, PLUS)).toEqual({ tier: PLUS, source: "paid" });
    expect(effectiveTier(BLACK_GOLD, PLUS)).toEqual({ tier: BLACK_GOLD, source: "free" });
    expect(effectiveTier(undefined, undefined)).toBeUndefined();
  });

  it("ends a month-long term on the last day of a shorter month, in the brand's calendar", () => {
    // 31 January, 10:00 in Shanghai.
    const start = at("2026-01-31T02:00:00Z");
    expect(termEnd(start, "month", 1, TZ).toISOString()).toBe("2026-02-28T02:00:00.000Z");
    expect(termEnd(start, "season", 1, TZ).toISOString()).toBe("2026-04-30T02:00:00.000Z");
    expect(termEnd(start, "year", 2, TZ).toISOString()).toBe("2028-01-31T02:00:00.000Z");
  });
});

describe("distance to the next tier", () => {
  it("says how much growth is missing for VIP", () => {
    const distance = distanceToNext(LADDER, 0, stats(680));
    expect(distance).toMatchObject({ tier: { code: "VIP" }, metric: "growth", needed: 320 });
    expect(distanceToNext(LADDER, 2, stats(10_000))).toBeNull();
  });

  it("points at the metric closest to its threshold", () => {
    const ladder = [ORDINARY, tier("VIP", 10, { reach: { growth: 1000, orders: 10 } })];
    // 50 growth is 5% of the way, 8 orders 80%: growth is closer, though 8 is the smaller number.
    const distance = distanceToNext(ladder, 0, stats(950, 0, 2));
    expect(distance).toMatchObject({ metric: "growth", needed: 50 });
    expect(distance?.options).toEqual([
      { metric: "growth", threshold: 1000, current: 950, needed: 50 },
      { metric: "orders", threshold: 10, current: 2, needed: 8 },
    ]);
  });

  it("says what keeps the current tier, and nothing on the starting tier", () => {
    const vip = tier("VIP", 10, { reach: { growth: 1000 }, retain: { growth: 800 } });
    expect(distanceToKeep([ORDINARY, vip], 1, stats(500))).toMatchObject({ metric: "growth", needed: 300 });
    expect(distanceToKeep([ORDINARY, vip], 0, stats(500))).toBeNull();
  });
});

describe("ladder validation", () => {
  const fits = (candidate: LadderTier, touched = { rank: true, qualification: true }) =>
    ladderProblem(
      candidate,
      LADDER.filter((t) => t.tier_id !== candidate.tier_id),
      touched,
    );

  it("accepts the seeds' ladder and a paid tier between its ranks", () => {
    for (const t of LADDER) expect(fits(t)).toBeUndefined();
    expect(fits(tier("PLUS", 15, {}, "paid"))).toBeUndefined();
  });

  it("names the threshold that does not rise with rank", () => {
    expect(fits(tier("GOLD", 15, { reach: { growth: 900 } }))).toEqual({
      field: "/qualification/reach/growth",
      message: "must be above VIP's 1000",
    });
    expect(fits(tier("GOLD", 15, { reach: { growth: 6000 } }))).toEqual({
      field: "/qualification/reach/growth",
      message: "must be below BLACK_GOLD's 5000",
    });
  });

  it("names the rank when only the rank moved", () => {
    expect(fits({ ...VIP, rank: 30 }, { rank: true, qualification: false })?.field).toBe("/rank");
    expect(fits({ ...BLACK_GOLD, rank: 10 })).toEqual({
      field: "/rank",
      message: "rank 10 is already VIP's",
    });
  });

  it("keeps the starting tier free of thresholds and every other free tier with one", () => {
    expect(fits({ ...ORDINARY, qualification: { reach: { growth: 1 } } })?.field).toBe("/qualification");
    expect(fits(tier("SILVER", 5))?.field).toBe("/qualification/reach");
    expect(fits(tier("BASEMENT", -1))).toEqual({
      field: "/rank",
      message: "ORDINARY has no thresholds, so it must stay the lowest free tier",
    });
  });

  it("refuses thresholds on paid tiers and retention harder than reaching", () => {
    expect(fits(tier("PLUS", 15, { reach: { growth: 1 } }, "paid"))?.field).toBe("/qualification");
    expect(
      fits({ ...VIP, qualification: { reach: { growth: 1000 }, retain: { growth: 1200 } } })?.field,
    ).toBe("/qualification/retain/growth");
  });
});

// ——— properties ———

const ladderArb = fc
  .record({
    steps: fc.array(
      fc.record({ growth: fc.integer({ min: 1, max: 5000 }), orders: fc.integer({ min: 1, max: 20 }) }),
      {
        minLength: 1,
        maxLength: 5,
      },
    ),
    retainPercent: fc.integer({ min: 50, max: 100 }),
  })
  .map(({ steps, retainPercent }) => {
    let growth = 0;
    let orders = 0;
    const tiers = [tier("T0", 0)];
    steps.forEach((step, i) => {
      growth += step.growth;
      orders += step.orders;
      const retain = { growth: Math.floor((growth * retainPercent) / 100) || 1 };
      tiers.push(tier(`T${i + 1}`, (i + 1) * 10, { reach: { growth, orders }, retain }));
    });
    return tiers;
  });
const statsArb = fc.record({
  growth: fc.integer({ min: 0, max: 30_000 }),
  spend_minor: fc.constant(0),
  orders: fc.integer({ min: 0, max: 120 }),
});
const programArb = fc.record({
  window: fc.constantFrom("calendar_year" as const, "rolling_12_months" as const),
  grace_days: fc.integer({ min: 0, max: 60 }),
  max_steps_down: fc.integer({ min: 1, max: 4 }),
});
const NOW = at("2027-02-15T00:00:00Z");
const scenarioArb = fc
  .record({
    ladder: ladderArb,
    program: programArb,
    position: fc.nat(),
    reviewOffsetDays: fc.integer({ min: -400, max: 400 }),
    graceOffsetDays: fc.option(fc.integer({ min: -30, max: 30 })),
    qualifying: statsArb,
    extra: statsArb,
    mode: fc.constantFrom("full" as const, "upgrade_only" as const),
  })
  .map((s) => {
    const position = s.position % s.ladder.length;
    const day = 86_400_000;
    const input: EvaluationInput = {
      ladder: s.ladder,
      program: s.program,
      timeZone: TZ,
      standing: {
        tier_id: s.ladder[position]?.tier_id ?? null,
        achieved_at: at("2025-01-01T00:00:00Z"),
        review_at: position === 0 ? null : new Date(NOW.getTime() + s.reviewOffsetDays * day),
        grace_until: s.graceOffsetDays === null ? null : new Date(NOW.getTime() + s.graceOffsetDays * day),
      },
      now: NOW,
      qualifying: s.qualifying,
      // The retention window always contains the qualification window, so it never counts less.
      retaining: {
        growth: s.qualifying.growth + s.extra.growth,
        spend_minor: 0,
        orders: s.qualifying.orders + s.extra.orders,
      },
      mode: s.mode,
    };
    return { input, position };
  });

describe("tier evaluation properties", () => {
  it("never lowers a tier after an order, and never by more than max_steps_down at a review", () => {
    fc.assert(
      fc.property(scenarioArb, ({ input, position }) => {
        const result = evaluateStanding(input);
        const after = positionOf(input.ladder, applyEvaluation(input.standing, result, input.now).tier_id);
        if (input.mode === "upgrade_only") expect(after).toBeGreaterThanOrEqual(position);
        expect(position - after).toBeLessThanOrEqual(input.program.max_steps_down);
      }),
    );
  });

  it("upgrades to a tier the member reached, and to none above it", () => {
    fc.assert(
      fc.property(scenarioArb, ({ input }) => {
        const result = evaluateStanding(input);
        if (result.kind !== "upgrade") return;
        const index = input.ladder.indexOf(result.to);
        expect(meets(input.qualifying, result.to.qualification.reach)).toBe(true);
        for (const higher of input.ladder.slice(index + 1)) {
          expect(meets(input.qualifying, higher.qualification.reach)).toBe(false);
        }
      }),
    );
  });

  it("is settled: evaluating again at the same moment with the same facts changes nothing", () => {
    fc.assert(
      fc.property(scenarioArb, ({ input }) => {
        const first = evaluateStanding(input);
        const standing = applyEvaluation(input.standing, first, input.now);
        expect(evaluateStanding({ ...input, standing })).toEqual({ kind: "none" });
      }),
    );
  });

  it("never leaves a member who did more on a lower tier than one who did less", () => {
    fc.assert(
      fc.property(scenarioArb, statsArb, ({ input }, more) => {
        const better = {
          ...input,
          qualifying: { ...input.qualifying, growth: input.qualifying.growth + more.growth },
          retaining: input.retaining && { ...input.retaining, growth: input.retaining.growth + more.growth },
        };
        const tierAfter = (i: EvaluationInput) =>
          positionOf(i.ladder, applyEvaluation(i.standing, evaluateStanding(i), i.now).tier_id);
        expect(tierAfter(better)).toBeGreaterThanOrEqual(tierAfter(input));
      }),
    );
  });

  it("needs exactly the distance it names to reach the next tier", () => {
    fc.assert(
      fc.property(ladderArb, statsArb, fc.nat(), (ladder, current, p) => {
        const position = p % ladder.length;
        const distance = distanceToNext(ladder, position, current);
        if (!distance) {
          expect(position).toBe(ladder.length - 1);
          return;
        }
        const reach = distance.tier.qualification.reach;
        const plus = (n: number) => ({ ...current, [distance.metric]: current[distance.metric] + n });
        expect(meets(plus(distance.needed), reach)).toBe(true);
        if (distance.needed > 0) expect(meets(plus(distance.needed - 1), reach)).toBe(false);
      }),
    );
  });

  it("accepts every ladder whose thresholds rise, and names the field when two are swapped", () => {
    fc.assert(
      fc.property(ladderArb, fc.nat(), (ladder, p) => {
        for (const t of ladder) {
          expect(
            ladderProblem(
              t,
              ladder.filter((o) => o !== t),
              { rank: true, qualification: true },
            ),
          ).toBeUndefined();
        }
        if (ladder.length < 3) return;
        const i = 1 + (p % (ladder.length - 2));
        const [lower, upper] = [ladder[i], ladder[i + 1]];
        if (!lower || !upper) return;
        const swapped = { ...upper, qualification: { reach: lower.qualification.reach } };
        const problem = ladderProblem(
          swapped,
          ladder.filter((o) => o !== upper),
          { rank: false, qualification: true },
        );
        expect(problem?.field).toMatch(/^\/qualification\/reach\/(growth|orders)$/);
      }),
    );
  });
});

describe("the stats a ladder needs", () => {
  it("reads orders only when a threshold counts spend or orders, retention included", () => {
    expect(metricsUsed(LADDER)).toEqual({ growth: true, orders: false });
    expect(
      metricsUsed([ORDINARY, tier("VIP", 10, { reach: { growth: 1000 }, retain: { orders: 3 } })]),
    ).toEqual({
      growth: true,
      orders: true,
    });
    expect(metricsUsed([ORDINARY, tier("VIP", 10, { reach: { spend_minor: 100_000 } })])).toEqual({
      growth: false,
      orders: true,
    });
  });
});
