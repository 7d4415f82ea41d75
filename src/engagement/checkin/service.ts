import { getMember } from "../../members/service.ts";
import type { Executor } from "../../platform/db/database.ts";
import { recordEvent } from "../../platform/events.ts";
import { businessRule, Problem } from "../../platform/http/problems.ts";
import { lockBalances } from "../../points/balances.ts";
import { localDay } from "../../points/expiry.ts";
import { getTenant } from "../../tenants/service.ts";
import { chargePoints, payReward } from "../rewards.ts";
import type { CheckinSettings } from "../settings-schema.ts";
import { getEngagementSettings } from "../settings.ts";
import type { CheckinKind } from "../tables.ts";
import {
  addDays,
  type Day,
  makeupRefusal,
  milestonesDue,
  monthOf,
  monthStartAt,
  renumberAfter,
  streakStart,
} from "./rules.ts";

/** Check-ins renumbered after a make-up, at most (a make-up is at most 31 days back; streaks can be long). */
const RENUMBER_MAX = 1_000;

export interface CheckinResult {
  day: Day;
  kind: CheckinKind;
  streak: number;
  points: number;
  cost_points: number;
  streak_rewards: { days: number; points: number; coupon_issue_id: string | null }[];
}

const MAKEUP_REFUSALS = {
  disabled: "make-up check-in is not offered",
  not_in_the_past: "only a past day can be made up",
  too_far_back: "that day is too far back to make up",
  before_joining: "that day is before the member joined",
  already_checked_in: "that day is already checked in",
  monthly_limit: "no make-up check-ins left this month",
} as const;

async function checkinSettings(tx: Executor, tenantId: string): Promise<CheckinSettings> {
  const { checkin } = await getEngagementSettings(tx, tenantId);
  if (!checkin.enabled) throw businessRule("check-in is not offered by this brand");
  return checkin;
}

/** Prospects (known from an order, never joined) and merged or erased cards do not check in. */
async function activeMember(tx: Executor, tenantId: string, memberId: string) {
  const member = await getMember(tx, tenantId, memberId);
  if (member.status !== "active") throw businessRule(`a ${member.status} member cannot check in`);
  return member;
}

/** Today's check-in, in the brand's time zone. A second one the same day is a 409. */
export async function checkIn(
  tx: Executor,
  tenantId: string,
  memberId: string,
  actor: string,
  now: Date,
): Promise<CheckinResult> {
  const settings = await checkinSettings(tx, tenantId);
  await activeMember(tx, tenantId, memberId);
  // The member's balance lock makes one member's check-ins, make-ups and rewards serial.
  await lockBalances(tx, tenantId, [memberId]);
  const { time_zone } = await getTenant(tx, tenantId);
  const today = localDay(now, time_zone);
  const latest = await tx
    .selectFrom("checkins")
    .select(["day", "streak"])
    .where("tenant_id", "=", tenantId)
    .where("member_id", "=", memberId)
    .where("day", "<=", today)
    .orderBy("day", "desc")
    .limit(1)
    .executeTakeFirst();
  if (latest?.day === today)
    throw new Problem("conflict", `already checked in today (${today})`, { extensions: { day: today } });
  const continues = latest !== undefined && latest.day === addDays(today, -1);
  const streak = continues ? latest.streak + 1 : 1;
  if (latest && !continues && latest.streak >= 2) {
    await recordEvent(tx, {
      tenantId,
      type: "checkin.streak_broken",
      subjectId: memberId,
      at: now,
      payload: { member_id: memberId, streak_days: latest.streak, last_day: latest.day, day: today },
    });
  }
  await tx
    .insertInto("checkins")
    .values({
      tenant_id: tenantId,
      member_id: memberId,
      day: today,
      kind: "regular",
      streak,
      points: settings.daily_points,
      checked_at: now,
    })
    .execute();
  const paid = await payReward(
    tx,
    tenantId,
    {
      member_id: memberId,
      points: settings.daily_points,
      coupon: null,
      source_type: "engagement.checkin",
      source_id: today,
      reason: `Check-in ${today}`,
      actor,
    },
    now,
  );
  const streak_rewards = await payStreakRewards(
    tx,
    tenantId,
    memberId,
    settings,
    today,
    streak,
    streak - 1,
    actor,
    now,
  );
  const result: CheckinResult = {
    day: today,
    kind: "regular",
    streak,
    points: paid.points,
    cost_points: 0,
    streak_rewards,
  };
  await recordCheckin(tx, tenantId, memberId, result, now);
  return result;
}

/** Fills a missed day for points; the streak through it is renumbered and milestones it reaches are paid. */
export async function makeUp(
  tx: Executor,
  tenantId: string,
  memberId: string,
  day: Day,
  actor: string,
  now: Date,
): Promise<CheckinResult> {
  const settings = await checkinSettings(tx, tenantId);
  const member = await activeMember(tx, tenantId, memberId);
  const balance = (await lockBalances(tx, tenantId, [memberId])).get(memberId);
  const { time_zone } = await getTenant(tx, tenantId);
  const today = localDay(now, time_zone);
  const facts = { day, today, joinedDay: localDay(member.joined_at, time_zone) };
  // Decided from the calendar alone first: a day outside the window never reaches a query.
  const early = makeupRefusal(settings.makeup, { ...facts, checkedIn: false, makeupsThisMonth: 0 });
  if (early) throw businessRule(MAKEUP_REFUSALS[early], "/day");
  const monthStart = monthStartAt(monthOf(today), time_zone);
  const [existing, makeups] = await Promise.all([
    tx
      .selectFrom("checkins")
      .select("day")
      .where("tenant_id", "=", tenantId)
      .where("member_id", "=", memberId)
      .where("day", "=", day)
      .executeTakeFirst(),
    tx
      .selectFrom("checkins")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .where("tenant_id", "=", tenantId)
      .where("member_id", "=", memberId)
      .where("kind", "=", "makeup")
      .where("checked_at", ">=", monthStart)
      .executeTakeFirstOrThrow(),
  ]);
  const refusal = makeupRefusal(settings.makeup, {
    ...facts,
    checkedIn: existing !== undefined,
    makeupsThisMonth: Number(makeups.n),
  });
  if (refusal === "already_checked_in")
    throw new Problem("conflict", MAKEUP_REFUSALS[refusal], { extensions: { day } });
  if (refusal) throw businessRule(MAKEUP_REFUSALS[refusal], "/day");
  const cost = settings.makeup.cost_points;
  if ((balance?.available ?? 0) < cost)
    throw new Problem("insufficient-points", `a make-up check-in costs ${cost} points`, {
      extensions: { cost_points: cost, available: Math.max(0, balance?.available ?? 0) },
    });
  await chargePoints(
    tx,
    tenantId,
    {
      member_id: memberId,
      points: cost,
      source_type: "engagement.checkin_makeup",
      source_id: day,
      reason: `Make-up check-in for ${day}`,
      actor,
    },
    now,
  );
  const before = await tx
    .selectFrom("checkins")
    .select("streak")
    .where("tenant_id", "=", tenantId)
    .where("member_id", "=", memberId)
    .where("day", "=", addDays(day, -1))
    .executeTakeFirst();
  const streak = (before?.streak ?? 0) + 1;
  await tx
    .insertInto("checkins")
    .values({
      tenant_id: tenantId,
      member_id: memberId,
      day,
      kind: "makeup",
      streak,
      cost_points: cost,
      checked_at: now,
    })
    .execute();
  const following = await tx
    .selectFrom("checkins")
    .select(["day", "streak"])
    .where("tenant_id", "=", tenantId)
    .where("member_id", "=", memberId)
    .where("day", ">", day)
    .orderBy("day")
    .limit(RENUMBER_MAX)
    .execute();
  const changed = renumberAfter(day, streak, following);
  for (const row of changed) {
    await tx
      .updateTable("checkins")
      .set({ streak: row.streak })
      .where("tenant_id", "=", tenantId)
      .where("member_id", "=", memberId)
      .where("day", "=", row.day)
      .execute();
  }
  const runEnd = changed[changed.length - 1] ?? { day, streak };
  const streak_rewards = await payStreakRewards(
    tx,
    tenantId,
    memberId,
    settings,
    runEnd.day,
    runEnd.streak,
    0,
    actor,
    now,
  );
  const result: CheckinResult = { day, kind: "makeup", streak, points: 0, cost_points: cost, streak_rewards };
  await recordCheckin(tx, tenantId, memberId, { ...result }, now, runEnd.streak);
  return result;
}

/** Pays each milestone the streak ending on `day` has reached, once per streak (named by its first day). */
async function payStreakRewards(
  tx: Executor,
  tenantId: string,
  memberId: string,
  settings: CheckinSettings,
  day: Day,
  streak: number,
  reachedBefore: number,
  actor: string,
  now: Date,
): Promise<CheckinResult["streak_rewards"]> {
  const start = streakStart(day, streak);
  // Runs that started inside this one were joined into it by a make-up: what they were paid counts as paid.
  const paidRows = await tx
    .selectFrom("checkin_streak_rewards")
    .select("milestone_days")
    .where("tenant_id", "=", tenantId)
    .where("member_id", "=", memberId)
    .where("streak_start", ">=", start)
    .where("streak_start", "<=", day)
    .execute();
  const paidMilestones = new Set(paidRows.map((r) => r.milestone_days));
  const due = milestonesDue(settings.streak_rewards, streak, paidMilestones, reachedBefore);
  const paid: CheckinResult["streak_rewards"] = [];
  for (const milestone of due) {
    const reward = await payReward(
      tx,
      tenantId,
      {
        member_id: memberId,
        points: milestone.points,
        coupon: milestone.coupon,
        source_type: "engagement.checkin_streak",
        source_id: `${start}:${milestone.days}`,
        reason: `${milestone.days}-day check-in streak`,
        actor,
      },
      now,
    );
    await tx
      .insertInto("checkin_streak_rewards")
      .values({
        tenant_id: tenantId,
        member_id: memberId,
        streak_start: start,
        milestone_days: milestone.days,
        points: reward.points,
        coupon_issue_id: reward.coupon_issue_id,
        rewarded_at: now,
      })
      .execute();
    paid.push({ days: milestone.days, points: reward.points, coupon_issue_id: reward.coupon_issue_id });
  }
  return paid;
}

async function recordCheckin(
  tx: Executor,
  tenantId: string,
  memberId: string,
  result: CheckinResult,
  now: Date,
  currentRun = result.streak,
): Promise<void> {
  await recordEvent(tx, {
    tenantId,
    type: "checkin.recorded",
    subjectId: memberId,
    at: now,
    payload: {
      member_id: memberId,
      day: result.day,
      kind: result.kind,
      streak_days: currentRun,
      points: result.points,
      cost_points: result.cost_points,
      streak_rewards: result.streak_rewards,
    },
  });
}
