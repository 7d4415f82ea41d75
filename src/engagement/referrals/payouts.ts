import { sql } from "kysely";
import type { Executor } from "../../platform/db/database.ts";
import { recordEvent } from "../../platform/events.ts";
import { localDay } from "../../points/expiry.ts";
import { getTenant } from "../../tenants/service.ts";
import { payReward, type RewardPaid } from "../rewards.ts";
import type { ReferralSettings } from "../settings-schema.ts";
import { getEngagementSettings } from "../settings.ts";
import type { ReferralReward } from "../tables.ts";
import { hasReward } from "./rules.ts";
import { type Referral, REFERRAL_COLUMNS, referralOfInvitee } from "./store.ts";

export type Trigger = "join" | "first_order";

/**
 * Pays one trigger's rewards to both members, once: the referral's reward column is claimed first. The inviter's
 * reward counts against their monthly limit; over it, the inviter's reward is withheld ("capped"), the invitee's not.
 */
export async function payTrigger(
  tx: Executor,
  tenantId: string,
  referral: Referral,
  trigger: Trigger,
  settings: ReferralSettings,
  actor: string,
  now: Date,
): Promise<Referral> {
  const rewards = trigger === "join" ? settings.on_join : settings.on_first_order;
  const column = trigger === "join" ? "join_reward" : "first_order_reward";
  // The row lock makes the check below and the limit count one decision: a redelivered event pays nothing.
  const current = await tx
    .selectFrom("referrals")
    .select(REFERRAL_COLUMNS)
    .where("tenant_id", "=", tenantId)
    .where("referral_id", "=", referral.referral_id)
    .forUpdate()
    .executeTakeFirstOrThrow();
  if (current[column] !== null || current.status !== "active") return current;
  let inviterOutcome: ReferralReward = "paid";
  if (hasReward(rewards.inviter)) {
    const month = localDay(now, (await getTenant(tx, tenantId)).time_zone).slice(0, 7);
    const taken = await sql<{ rewarded: number }>`
      INSERT INTO referral_reward_counts (tenant_id, inviter_id, month, rewarded)
      SELECT ${tenantId}, ${referral.inviter_id}, ${month}, 1 WHERE ${settings.max_rewarded_per_inviter_per_month}::int >= 1
      ON CONFLICT (tenant_id, inviter_id, month)
      DO UPDATE SET rewarded = referral_reward_counts.rewarded + 1
      WHERE referral_reward_counts.rewarded < ${settings.max_rewarded_per_inviter_per_month}::int
      RETURNING rewarded`.execute(tx);
    if (taken.rows.length === 0) inviterOutcome = "capped";
  }
  const claimed = await tx
    .updateTable("referrals")
    .set({ [column]: inviterOutcome, updated_at: now })
    .where("tenant_id", "=", tenantId)
    .where("referral_id", "=", referral.referral_id)
    .returning(REFERRAL_COLUMNS)
    .executeTakeFirstOrThrow();
  const pay = async (role: "inviter" | "invitee", memberId: string): Promise<RewardPaid | undefined> => {
    const reward = rewards[role];
    if (!hasReward(reward) || (role === "inviter" && inviterOutcome === "capped")) return undefined;
    return payReward(
      tx,
      tenantId,
      {
        member_id: memberId,
        points: reward.points,
        coupon: reward.coupon,
        source_type: "engagement.referral",
        source_id: `${referral.referral_id}:${trigger}:${role}`,
        reason:
          role === "inviter"
            ? `Invited a friend (${trigger.replace("_", " ")})`
            : `Joined by invitation (${trigger.replace("_", " ")})`,
        actor,
      },
      now,
    );
  };
  for (const [role, memberId] of [
    ["invitee", referral.invitee_id],
    ["inviter", referral.inviter_id],
  ] as const) {
    const paid = await pay(role, memberId);
    const capped = role === "inviter" && inviterOutcome === "capped" && hasReward(rewards.inviter);
    if (!paid && !capped) continue;
    await recordEvent(tx, {
      tenantId,
      type: "referral.rewarded",
      subjectId: memberId,
      at: now,
      payload: {
        member_id: memberId,
        role,
        trigger,
        referral_id: referral.referral_id,
        inviter_id: referral.inviter_id,
        invitee_id: referral.invitee_id,
        points: paid?.points ?? 0,
        coupon_issue_id: paid?.coupon_issue_id ?? null,
        withheld_by_limit: capped,
      },
    });
  }
  return claimed;
}

/** An invitee's order arrived: the first that qualifies is remembered, and paid for now or when it completes. */
export async function onInviteeOrder(
  tx: Executor,
  tenantId: string,
  order: { member_id: string; order_id: string; paid_minor: number },
  now: Date,
): Promise<void> {
  const referral = await referralOfInvitee(tx, tenantId, order.member_id);
  if (!referral || referral.status !== "active" || referral.first_order_reward !== null) return;
  if (referral.first_order_id !== null) return;
  const { referral: settings } = await getEngagementSettings(tx, tenantId);
  if (order.paid_minor < settings.on_first_order.min_paid_minor) return;
  const marked = await tx
    .updateTable("referrals")
    .set({ first_order_id: order.order_id, updated_at: now })
    .where("tenant_id", "=", tenantId)
    .where("referral_id", "=", referral.referral_id)
    .where("first_order_id", "is", null)
    .returning(REFERRAL_COLUMNS)
    .executeTakeFirst();
  if (marked && settings.on_first_order.when === "created")
    await payTrigger(tx, tenantId, marked, "first_order", settings, "system:referral", now);
}

/** The remembered first order completed (its return window passed): pay, if the brand pays on completion. */
export async function onInviteeOrderCompleted(
  tx: Executor,
  tenantId: string,
  memberId: string,
  orderId: string,
  now: Date,
): Promise<void> {
  const referral = await referralOfInvitee(tx, tenantId, memberId);
  if (!referral || referral.first_order_id !== orderId || referral.first_order_reward !== null) return;
  const { referral: settings } = await getEngagementSettings(tx, tenantId);
  if (settings.on_first_order.when !== "completed") return;
  await payTrigger(tx, tenantId, referral, "first_order", settings, "system:referral", now);
}

/** The remembered first order was cancelled or fully refunded before paying: the next order may qualify. */
export async function forgetInviteeOrder(
  tx: Executor,
  tenantId: string,
  memberId: string,
  orderId: string,
  now: Date,
): Promise<void> {
  await tx
    .updateTable("referrals")
    .set({ first_order_id: null, updated_at: now })
    .where("tenant_id", "=", tenantId)
    .where("invitee_id", "=", memberId)
    .where("first_order_id", "=", orderId)
    .where("first_order_reward", "is", null)
    .execute();
}
