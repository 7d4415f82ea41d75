import type { Executor } from "../platform/db/database.ts";

/**
 * Engagement's part of a member's data export and erasure (for the privacy capability to register). Check-ins,
 * task progress and rewards are counts and dates; the personal data here is what trial applicants typed (name,
 * phone, address, reason, review) and the device identifier given with a referral.
 */

/** Rows per section in an export: far beyond any real member (a daily check-in for 27 years). */
const EXPORT_ROWS_MAX = 10_000;

export async function memberEngagementData(db: Executor, tenantId: string, memberId: string) {
  const [
    checkins,
    streak_rewards,
    task_completions,
    events,
    referrals,
    trial_applications,
    member_day_claims,
  ] = await Promise.all([
    db
      .selectFrom("checkins")
      .select(["day", "kind", "streak", "points", "cost_points", "checked_at"])
      .where("tenant_id", "=", tenantId)
      .where("member_id", "=", memberId)
      .orderBy("day")
      .limit(EXPORT_ROWS_MAX)
      .execute(),
    db
      .selectFrom("checkin_streak_rewards")
      .select(["streak_start", "milestone_days", "points", "coupon_issue_id", "rewarded_at"])
      .where("tenant_id", "=", tenantId)
      .where("member_id", "=", memberId)
      .orderBy("rewarded_at")
      .limit(EXPORT_ROWS_MAX)
      .execute(),
    db
      .selectFrom("task_completions")
      .select([
        "completion_id",
        "task_id",
        "period_key",
        "seq",
        "event_ref",
        "points",
        "coupon_issue_id",
        "completed_at",
      ])
      .where("tenant_id", "=", tenantId)
      .where("member_id", "=", memberId)
      .orderBy("completed_at")
      .limit(EXPORT_ROWS_MAX)
      .execute(),
    db
      .selectFrom("engagement_events")
      .select(["ref", "type", "occurred_at", "received_at"])
      .where("tenant_id", "=", tenantId)
      .where("member_id", "=", memberId)
      .orderBy("occurred_at")
      .limit(EXPORT_ROWS_MAX)
      .execute(),
    db
      .selectFrom("referrals")
      .select([
        "referral_id",
        "inviter_id",
        "invitee_id",
        "code",
        "device_id",
        "status",
        "reject_reason",
        "join_reward",
        "first_order_id",
        "first_order_reward",
        "created_at",
      ])
      .where("tenant_id", "=", tenantId)
      .where((eb) => eb.or([eb("inviter_id", "=", memberId), eb("invitee_id", "=", memberId)]))
      .orderBy("created_at")
      .limit(EXPORT_ROWS_MAX)
      .execute(),
    db
      .selectFrom("trial_applications")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("member_id", "=", memberId)
      .orderBy("applied_at")
      .limit(EXPORT_ROWS_MAX)
      .execute(),
    db
      .selectFrom("member_day_claims")
      .select(["month", "template_code", "coupon_issue_id", "claimed_at"])
      .where("tenant_id", "=", tenantId)
      .where("member_id", "=", memberId)
      .orderBy("claimed_at")
      .limit(EXPORT_ROWS_MAX)
      .execute(),
  ]);
  const invite = await db
    .selectFrom("invite_codes")
    .select(["code", "created_at"])
    .where("tenant_id", "=", tenantId)
    .where("member_id", "=", memberId)
    .executeTakeFirst();
  return {
    invite_code: invite?.code ?? null,
    checkins,
    streak_rewards,
    task_completions,
    events,
    referrals,
    trial_applications: trial_applications.map(({ tenant_id: _t, ...a }) => a),
    member_day_claims,
  };
}

/**
 * Erases what a member typed or sent: trial applications keep their status, dates, rating and points (the quota and
 * the points ledger need them) but lose name, phone, address, reason and review text; referrals lose the device id.
 * The invite code goes, so an old poster no longer leads to this member. Idempotent.
 */
export async function forgetEngagementPersonalData(
  tx: Executor,
  tenantId: string,
  memberId: string,
): Promise<void> {
  await tx
    .updateTable("trial_applications")
    .set({ recipient_name: "[erased]", phone: "[erased]", address: "[erased]", reason: null, feedback: null })
    .where("tenant_id", "=", tenantId)
    .where("member_id", "=", memberId)
    .execute();
  await tx
    .updateTable("referrals")
    .set({ device_id: null })
    .where("tenant_id", "=", tenantId)
    .where("invitee_id", "=", memberId)
    .execute();
  await tx
    .deleteFrom("invite_codes")
    .where("tenant_id", "=", tenantId)
    .where("member_id", "=", memberId)
    .execute();
}
