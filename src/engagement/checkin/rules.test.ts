import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_ENGAGEMENT_SETTINGS } from "../settings.ts";
import {
  addDays,
  currentStreak,
  daysOfMonth,
  makeupRefusal,
  milestonesDue,
  monthStartAt,
  renumberAfter,
  streakStart,
} from "./rules.ts";

const BASE = "2026-01-01";

/** Streak lengths computed from scratch: the run of consecutive days ending on each day. */
function streaksOf(days: Set<number>): Map<number, number> {
  const result = new Map<number, number>();
  for (const d of [...days].sort((a, b) => a - b)) result.set(d, (result.get(d - 1) ?? 0) + 1);
  return result;
}

describe("check-in rules", () => {
  it("renumbering after a filled gap gives every day the streak a fresh count would", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 60 }), { maxLength: 40 }),
        fc.integer({ min: 0, max: 60 }),
        (offsets, fill) => {
          const days = new Set(offsets.filter((d) => d !== fill));
          const before = streaksOf(days);
          const streakOnFill = (before.get(fill - 1) ?? 0) + 1;
          const following = [...days]
            .filter((d) => d > fill)
            .sort((a, b) => a - b)
            .map((d) => ({ day: addDays(BASE, d), streak: before.get(d) ?? 0 }));
          const changed = new Map(
            renumberAfter(addDays(BASE, fill), streakOnFill, following).map((c) => [c.day, c.streak]),
          );
          const after = streaksOf(new Set([...days, fill]));
          expect(after.get(fill)).toBe(streakOnFill);
          for (const d of days) expect(changed.get(addDays(BASE, d)) ?? before.get(d)).toBe(after.get(d));
        },
      ),
    );
  });

  it("pays each reached milestone once, smallest first", () => {
    const rewards = DEFAULT_ENGAGEMENT_SETTINGS.checkin.streak_rewards;
    expect(milestonesDue(rewards, 2, new Set()).map((r) => r.days)).toEqual([]);
    expect(milestonesDue(rewards, 7, new Set([3])).map((r) => r.days)).toEqual([7]);
    expect(milestonesDue(rewards, 30, new Set()).map((r) => r.days)).toEqual([3, 7, 30]);
    expect(streakStart("2026-03-02", 3)).toBe("2026-02-28");
  });

  it("keeps a streak alive until a whole day is missed", () => {
    expect(currentStreak("2026-11-05", { day: "2026-11-05", streak: 4 })).toBe(4);
    expect(currentStreak("2026-11-05", { day: "2026-11-04", streak: 4 })).toBe(4);
    expect(currentStreak("2026-11-05", { day: "2026-11-03", streak: 4 })).toBe(0);
    expect(currentStreak("2026-11-05", undefined)).toBe(0);
  });

  it("allows a make-up only for a recent, missed day after joining, within the month's allowance", () => {
    const makeup = { enabled: true, cost_points: 20, max_days_back: 7, max_per_month: 2 };
    const ok = {
      day: "2026-11-08",
      today: "2026-11-10",
      joinedDay: "2026-11-01",
      checkedIn: false,
      makeupsThisMonth: 0,
    };
    expect(makeupRefusal(makeup, ok)).toBeUndefined();
    expect(makeupRefusal({ ...makeup, enabled: false }, ok)).toBe("disabled");
    expect(makeupRefusal(makeup, { ...ok, day: "2026-11-10" })).toBe("not_in_the_past");
    expect(makeupRefusal(makeup, { ...ok, day: "2026-11-02" })).toBe("too_far_back");
    expect(makeupRefusal(makeup, { ...ok, joinedDay: "2026-11-09" })).toBe("before_joining");
    expect(makeupRefusal(makeup, { ...ok, checkedIn: true })).toBe("already_checked_in");
    expect(makeupRefusal(makeup, { ...ok, makeupsThisMonth: 2 })).toBe("monthly_limit");
  });

  it("knows months and their local beginnings", () => {
    expect(daysOfMonth("2028-02")).toHaveLength(29);
    expect(daysOfMonth("2026-11")[29]).toBe("2026-11-30");
    expect(monthStartAt("2026-11", "Asia/Shanghai").toISOString()).toBe("2026-10-31T16:00:00.000Z");
  });
});
