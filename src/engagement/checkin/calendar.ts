import { getMember } from "../../members/service.ts";
import type { Executor } from "../../platform/db/database.ts";
import { localDay } from "../../points/expiry.ts";
import { getTenant } from "../../tenants/service.ts";
import { getEngagementSettings } from "../settings.ts";
import type { CheckinKind } from "../tables.ts";
import {
  addDays,
  currentStreak,
  type Day,
  daysOfMonth,
  makeupRefusal,
  monthOf,
  monthStartAt,
} from "./rules.ts";

export interface CheckinCalendar {
  month: string;
  today: Day;
  checked_in_today: boolean;
  current_streak: number;
  next_streak_reward: { days: number; points: number; coupon: string | null; days_to_go: number } | null;
  days: {
    day: Day;
    checked_in: boolean;
    kind: CheckinKind | null;
    streak: number | null;
    can_make_up: boolean;
  }[];
  makeup: { enabled: boolean; cost_points: number; left_this_month: number };
}

/** A month of a member's check-ins (default: this brand-local month), with what may be made up today. */
export async function checkinCalendar(
  db: Executor,
  tenantId: string,
  memberId: string,
  month: string | undefined,
  now: Date,
): Promise<CheckinCalendar> {
  const { checkin: settings } = await getEngagementSettings(db, tenantId);
  const member = await getMember(db, tenantId, memberId);
  const { time_zone } = await getTenant(db, tenantId);
  const today = localDay(now, time_zone);
  const shown = month ?? monthOf(today);
  const monthDays = daysOfMonth(shown);
  const first = monthDays[0] ?? today;
  const last = monthDays[monthDays.length - 1] ?? today;
  const window = addDays(today, -settings.makeup.max_days_back);
  const from = first < window ? first : window;
  const to = last > today ? last : today;
  const rows = await db
    .selectFrom("checkins")
    .select(["day", "kind", "streak", "checked_at"])
    .where("tenant_id", "=", tenantId)
    .where("member_id", "=", memberId)
    .where("day", ">=", from)
    .where("day", "<=", to)
    .orderBy("day")
    .execute();
  const byDay = new Map(rows.map((r) => [r.day, r]));
  const monthStart = monthStartAt(monthOf(today), time_zone);
  const makeupsThisMonth = rows.filter((r) => r.kind === "makeup" && r.checked_at >= monthStart).length;
  const joinedDay = localDay(member.joined_at, time_zone);
  const streak = currentStreak(today, byDay.get(today) ?? byDay.get(addDays(today, -1)));
  const next = settings.streak_rewards.filter((r) => r.days > streak).sort((a, b) => a.days - b.days)[0];
  return {
    month: shown,
    today,
    checked_in_today: byDay.has(today),
    current_streak: streak,
    next_streak_reward: next
      ? { days: next.days, points: next.points, coupon: next.coupon, days_to_go: next.days - streak }
      : null,
    days: monthDays.map((day) => {
      const row = byDay.get(day);
      return {
        day,
        checked_in: row !== undefined,
        kind: row?.kind ?? null,
        streak: row?.streak ?? null,
        can_make_up:
          settings.enabled &&
          makeupRefusal(settings.makeup, {
            day,
            today,
            joinedDay,
            checkedIn: row !== undefined,
            makeupsThisMonth,
          }) === undefined,
      };
    }),
    makeup: {
      enabled: settings.enabled && settings.makeup.enabled,
      cost_points: settings.makeup.cost_points,
      left_this_month: Math.max(0, settings.makeup.max_per_month - makeupsThisMonth),
    },
  };
}
