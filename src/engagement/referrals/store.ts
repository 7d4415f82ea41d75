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
