import { DateTime } from "luxon";
import type { EarnRuleDefinition } from "../../points/earn-rules.ts";
import type { MemberDaySettings } from "../settings-schema.ts";

/**
 * The member day as the points capability's own rule language: a multiplier on one day of the month. Orders on
 * that brand-local day earn `points_multiplier` × base (multipliers add: 2× member day + 2× tier = 3×).
 */
export function memberDayEarnRule(
  settings: Pick<MemberDaySettings, "day_of_month" | "points_multiplier">,
): EarnRuleDefinition {
  return {
    kind: "multiplier",
    factor: settings.points_multiplier,
    when: { days_of_month: [settings.day_of_month] },
  };
}

/** Whether the brand needs an active earn rule for this configuration (a 1× multiplier adds nothing). */
export function needsEarnRule(settings: Pick<MemberDaySettings, "enabled" | "points_multiplier">): boolean {
  return settings.enabled && settings.points_multiplier > 1;
}

/** Today's date and the next member day on or after it, both brand-local (YYYY-MM-DD). */
export function nextMemberDay(
  dayOfMonth: number,
  now: Date,
  timeZone: string,
): { today: string; next: string } {
  const local = DateTime.fromJSDate(now, { zone: timeZone }).startOf("day");
  const thisMonth = local.set({ day: dayOfMonth });
  const next = thisMonth < local ? thisMonth.plus({ months: 1 }) : thisMonth;
  return { today: local.toISODate() ?? "", next: next.toISODate() ?? "" };
}
