import { DateTime } from "luxon";
import type { CheckinSettings } from "../settings-schema.ts";

/**
 * Check-in as pure decisions over brand-local calendar days (YYYY-MM-DD strings): no clock, no IO. The service
 * passes today's date in the brand's time zone.
 */

export type Day = string;

const parse = (day: Day) => DateTime.fromISO(day, { zone: "UTC" });

export function addDays(day: Day, n: number): Day {
  return parse(day).plus({ days: n }).toISODate() ?? day;
}

/** Whole days from `a` to `b` (positive when b is later). */
export function daysBetween(a: Day, b: Day): number {
  return Math.round(parse(b).diff(parse(a), "days").days);
}

export function monthOf(day: Day): string {
  return day.slice(0, 7);
}

/** The instant a brand-local month "YYYY-MM" begins. */
export function monthStartAt(month: string, timeZone: string): Date {
  return DateTime.fromISO(`${month}-01`, { zone: timeZone }).startOf("day").toJSDate();
}

/** Every day of a month "YYYY-MM", in order. */
export function daysOfMonth(month: string): Day[] {
  const first = DateTime.fromISO(`${month}-01`, { zone: "UTC" });
  const count = first.daysInMonth ?? 0;
  return Array.from({ length: count }, (_, i) => first.plus({ days: i }).toISODate() ?? "");
}

/** The first day of the streak whose length on `day` is `streak`. */
export function streakStart(day: Day, streak: number): Day {
  return addDays(day, -(streak - 1));
}

/**
 * Streak milestones a run of `streak` days has reached beyond `reachedBefore` days and not yet been paid for,
 * smallest first. A regular check-in reaches only its own day (`reachedBefore` = streak − 1), so a milestone a brand
 * adds later is not paid retroactively; a make-up that joins two runs may reach several at once. `alreadyPaid` holds
 * the milestones paid to any run now part of this one, so joining runs never pays a milestone twice.
 */
export function milestonesDue(
  rewards: CheckinSettings["streak_rewards"],
  streak: number,
  alreadyPaid: ReadonlySet<number>,
  reachedBefore = 0,
): CheckinSettings["streak_rewards"] {
  return rewards
    .filter((r) => r.days <= streak && r.days > reachedBefore && !alreadyPaid.has(r.days))
    .sort((a, b) => a.days - b.days);
}

export type MakeupRefusal =
  "disabled" | "not_in_the_past" | "too_far_back" | "before_joining" | "already_checked_in" | "monthly_limit";

/** Whether a missed `day` may be made up today; the reason when not. */
export function makeupRefusal(
  makeup: CheckinSettings["makeup"],
  input: { day: Day; today: Day; joinedDay: Day; checkedIn: boolean; makeupsThisMonth: number },
): MakeupRefusal | undefined {
  if (!makeup.enabled) return "disabled";
  const back = daysBetween(input.day, input.today);
  if (back < 1) return "not_in_the_past";
  if (back > makeup.max_days_back) return "too_far_back";
  if (input.day < input.joinedDay) return "before_joining";
  if (input.checkedIn) return "already_checked_in";
  if (input.makeupsThisMonth >= makeup.max_per_month) return "monthly_limit";
  return undefined;
}

/**
 * Streak lengths of consecutive days after a filled gap: `following` are the check-ins after `day` in day order;
 * those contiguous with it get their streak renumbered from `streakOnDay`. Returns only the changed ones.
 */
export function renumberAfter(
  day: Day,
  streakOnDay: number,
  following: readonly { day: Day; streak: number }[],
): { day: Day; streak: number }[] {
  const changed: { day: Day; streak: number }[] = [];
  let expected = addDays(day, 1);
  let streak = streakOnDay;
  for (const row of following) {
    if (row.day !== expected) break;
    streak += 1;
    if (row.streak !== streak) changed.push({ day: row.day, streak });
    expected = addDays(expected, 1);
  }
  return changed;
}

/** The member's streak as of today: today's if checked in, else yesterday's (still alive), else none. */
export function currentStreak(today: Day, latest: { day: Day; streak: number } | undefined): number {
  if (!latest) return 0;
  const back = daysBetween(latest.day, today);
  return back === 0 || back === 1 ? latest.streak : 0;
}
