import type { Executor } from "../../platform/db/database.ts";
import type { ReferralReward, ReferralStatus } from "../tables.ts";

/** A referral as stored: one per invitee. */
export interface Referral {
  referral_id: string;
  invitee_id: string;
  inviter_id: string;
  code: string;
  status: ReferralStatus;
  reject_reason: string | null;
  join_reward: ReferralReward | null;
  first_order_id: string | null;
  first_order_reward: ReferralReward | null;
  created_at: Date;
}

export const REFERRAL_COLUMNS = [
  "referral_id",
  "invitee_id",
  "inviter_id",
  "code",
  "status",
  "reject_reason",
  "join_reward",
  "first_order_id",
  "first_order_reward",
  "created_at",
] as const;

/** Which of these members are invitees still waiting for their first order to count (one query for many). */
export async function inviteesAwaitingFirstOrder(
  db: Executor,
  tenantId: string,
  memberIds: readonly string[],
): Promise<Set<string>> {
  if (memberIds.length === 0) return new Set();
  const rows = await db
    .selectFrom("referrals")
    .select("invitee_id")
    .where("tenant_id", "=", tenantId)
    .where("invitee_id", "in", [...new Set(memberIds)])
    .where("status", "=", "active")
    .where("first_order_id", "is", null)
    .where("first_order_reward", "is", null)
    .execute();
  return new Set(rows.map((r) => r.invitee_id));
}

export async function referralOfInvitee(
  db: Executor,
  tenantId: string,
  inviteeId: string,
): Promise<Referral | undefined> {
  return db
    .selectFrom("referrals")
    .select(REFERRAL_COLUMNS)
    .where("tenant_id", "=", tenantId)
    .where("invitee_id", "=", inviteeId)
    .executeTakeFirst();
}
