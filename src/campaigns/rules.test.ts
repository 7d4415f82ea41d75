import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cronMatches, latestDueMinute, parseCron, type Cron } from "./cron.ts";
import {
  conversionUplift,
  costOf,
  couponFaceValue,
  fitsBudget,
  inHoldout,
  payloadMatches,
  transition,
} from "./rules.ts";

const cron = (expression: string): Cron => {
  const parsed = parseCron(expression);
  if (typeof parsed === "string") throw new Error(parsed);
  return parsed;
};
const at = (minute: number, hour: number, day: number, month: number, weekday: number) => ({
  minute,
  hour,
  day,
  month,
  weekday,
});

describe("cron in the brand's time zone", () => {
  it("reads numbers, lists, ranges and steps", () => {
    const c = cron("*/15 9-18 * * 1-5");
    expect(cronMatches(c, at(30, 9, 3, 6, 1))).toBe(true);
    expect(cronMatches(c, at(31, 9, 3, 6, 1))).toBe(false);
    expect(cronMatches(c, at(0, 19, 3, 6, 1))).toBe(false);
    expect(cronMatches(c, at(0, 10, 3, 6, 0))).toBe(false);
    expect(cronMatches(cron("0 10 * * 2,5"), at(0, 10, 7, 1, 5))).toBe(true);
    expect(cronMatches(cron("5/20 * * * *"), at(45, 0, 1, 1, 0))).toBe(true);
  });

  it("treats 7 as Sunday and either day field as enough when both are restricted", () => {
    expect(cronMatches(cron("0 0 * * 7"), at(0, 0, 2, 3, 0))).toBe(true);
    const both = cron("0 0 1 * 1");
    expect(cronMatches(both, at(0, 0, 1, 3, 4))).toBe(true);
    expect(cronMatches(both, at(0, 0, 9, 3, 1))).toBe(true);
    expect(cronMatches(both, at(0, 0, 9, 3, 2))).toBe(false);
  });

  it("says what is wrong with a bad cron", () => {
    expect(parseCron("0 10 * *")).toMatch(/five fields/);
    expect(parseCron("61 * * * *")).toMatch(/minute/);
    expect(parseCron("0 10 * * mon")).toMatch(/day of week/);
    expect(parseCron("0 10-8 * * *")).toMatch(/hour/);
  });

  it("finds the latest due minute in Shanghai time, once however long the scheduler was away", () => {
    const c = cron("0 10 * * *");
    // 10:00 Shanghai is 02:00 UTC.
    const due = latestDueMinute(
      c,
      new Date("2026-03-01T00:00:00Z"),
      new Date("2026-03-03T05:00:00Z"),
      "Asia/Shanghai",
    );
    expect(due?.toISOString()).toBe("2026-03-03T02:00:00.000Z");
    expect(
      latestDueMinute(c, new Date("2026-03-03T02:00:00Z"), new Date("2026-03-03T05:00:00Z"), "Asia/Shanghai"),
    ).toBeUndefined();
    expect(
      latestDueMinute(
        c,
        new Date("2026-03-03T01:59:00Z"),
        new Date("2026-03-03T02:00:30Z"),
        "Asia/Shanghai",
      )?.toISOString(),
    ).toBe("2026-03-03T02:00:00.000Z");
  });
});

describe("holdout", () => {
  it("is deterministic per campaign and member", () => {
    expect(inHoldout("cmp_a", "mem_1", 50)).toBe(inHoldout("cmp_a", "mem_1", 50));
    expect(inHoldout("cmp_a", "mem_1", 0)).toBe(false);
  });

  it("holds out close to the percent asked for", () => {
    const members = Array.from({ length: 20_000 }, (_, i) => `mem_${i}`);
    const held = members.filter((m) => inHoldout("cmp_x", m, 10)).length;
    expect(held / members.length).toBeGreaterThan(0.09);
    expect(held / members.length).toBeLessThan(0.11);
  });

  it("keeps every member held out at a lower percent held out at a higher one", () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.integer({ min: 0, max: 90 }),
        fc.integer({ min: 0, max: 90 }),
        (m, a, b) => {
          const [low, high] = a <= b ? [a, b] : [b, a];
          return !inHoldout("cmp_p", m, low) || inHoldout("cmp_p", m, high);
        },
      ),
    );
  });
});

describe("uplift", () => {
  it("is the difference of conversion rates with a 95% normal interval", () => {
    const u = conversionUplift({ members: 1000, converters: 300 }, { members: 1000, converters: 200 });
    expect(u?.difference).toBeCloseTo(0.1, 6);
    // se = sqrt(.3*.7/1000 + .2*.8/1000) = 0.019235
    expect(u?.ci95_low).toBeCloseTo(0.1 - 1.96 * 0.019235, 3);
    expect(u?.ci95_high).toBeCloseTo(0.1 + 1.96 * 0.019235, 3);
    expect(u?.significant).toBe(true);
  });

  it("is not significant when the interval spans zero, and absent without a holdout", () => {
    expect(
      conversionUplift({ members: 50, converters: 11 }, { members: 50, converters: 10 })?.significant,
    ).toBe(false);
    expect(conversionUplift({ members: 50, converters: 11 }, { members: 0, converters: 0 })).toBeUndefined();
  });

  it("covers the true difference about 95% of the time", () => {
    // A simulation with a fixed seed: 400 experiments of 400 + 400 members at 30% and 20%.
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const draw = (n: number, p: number) => Array.from({ length: n }, random).filter((x) => x < p).length;
    let covered = 0;
    for (let i = 0; i < 400; i++) {
      const u = conversionUplift(
        { members: 400, converters: draw(400, 0.3) },
        { members: 400, converters: draw(400, 0.2) },
      );
      if (u && u.ci95_low <= 0.1 && 0.1 <= u.ci95_high) covered++;
    }
    expect(covered / 400).toBeGreaterThan(0.91);
    expect(covered / 400).toBeLessThan(0.99);
  });
});

describe("budget and cost", () => {
  const actions = [
    { kind: "issue_coupon" as const, template_id: "ctpl_1" },
    { kind: "issue_pack" as const, pack_id: "cpk_1" },
    { kind: "grant_points" as const, points: 100 },
    { kind: "send_message" as const, template_code: "hi", channel: "sms" as const },
  ];

  it("counts a pack by its coupons", () => {
    expect(costOf(actions, new Map([["cpk_1", 3]]))).toEqual({ coupons: 4, points: 100, messages: 1 });
  });

  it("fits while every cap holds, and ignores caps on what the campaign does not give", () => {
    const cost = { coupons: 1, points: 100, messages: 0 };
    expect(fitsBudget({ max_points: 300 }, { coupons: 0, points: 200, messages: 0 }, cost)).toBe(true);
    expect(fitsBudget({ max_points: 300 }, { coupons: 0, points: 201, messages: 0 }, cost)).toBe(false);
    expect(fitsBudget({ max_messages: 0 + 1 }, { coupons: 0, points: 0, messages: 5 }, cost)).toBe(true);
  });

  it("values a coupon by what its benefit bounds", () => {
    expect(couponFaceValue({ kind: "amount_off", amount_minor: 2000 })).toBe(2000);
    expect(couponFaceValue({ kind: "percent_off", percent: 15 })).toBeUndefined();
    expect(couponFaceValue({ kind: "percent_off", percent: 15, max_discount_minor: 3000 })).toBe(3000);
  });
});

describe("lifecycle", () => {
  const now = new Date("2026-05-01T00:00:00Z");
  const open = { starts_at: null, ends_at: null };

  it("launches a draft to active, or scheduled before its start", () => {
    expect(transition("draft", "launch", open, now)).toEqual({ ok: true, status: "active" });
    expect(
      transition("draft", "launch", { starts_at: new Date("2026-05-02T00:00:00Z"), ends_at: null }, now),
    ).toEqual({
      ok: true,
      status: "scheduled",
    });
  });

  it("refuses what the state does not allow", () => {
    expect(transition("active", "launch", open, now).ok).toBe(false);
    expect(transition("draft", "pause", open, now).ok).toBe(false);
    expect(transition("ended", "end", open, now).ok).toBe(false);
    expect(
      transition("draft", "launch", { starts_at: null, ends_at: new Date("2026-04-01T00:00:00Z") }, now).ok,
    ).toBe(false);
  });

  it("pauses and resumes", () => {
    expect(transition("active", "pause", open, now)).toEqual({ ok: true, status: "paused" });
    expect(transition("paused", "resume", open, now)).toEqual({ ok: true, status: "active" });
  });
});

describe("event matching", () => {
  it("needs every field, a list meaning any of its values", () => {
    expect(payloadMatches({ to: "silent" }, { to: "silent", from: "active" })).toBe(true);
    expect(payloadMatches({ to: ["silent", "lost"] }, { to: "lost" })).toBe(true);
    expect(payloadMatches({ to: "silent" }, { to: "lost" })).toBe(false);
    expect(payloadMatches(undefined, {})).toBe(true);
    expect(payloadMatches({ important: true }, { important: false })).toBe(false);
  });
});
