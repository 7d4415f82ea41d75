import type { Executor } from "../platform/db/database.ts";

/** Every campaign that reached the member, for the member's data export (ids and outcomes; no personal fields). */
export async function memberCampaignAssignments(db: Executor, tenantId: string, memberId: string) {
  return db
    .selectFrom("campaign_assignments")
    .select(["campaign_id", "occurrence", "arm", "outcome", "coupons", "points", "messages", "assigned_at"])
    .where("tenant_id", "=", tenantId)
    .where("member_id", "=", memberId)
    .orderBy("assigned_at")
    .execute();
}
