import type { Executor } from "../platform/db/database.ts";

/**
 * A member who left (merged into another, erased) leaves the audience: scores, predictions, tags and segment
 * memberships go. No segment.left event: the member no longer exists to be acted on; the survivor of a merge is
 * re-evaluated on its own.
 */
export async function forgetMembers(
  tx: Executor,
  tenantId: string,
  memberIds: readonly string[],
): Promise<void> {
  if (memberIds.length === 0) return;
  const ids = [...memberIds];
  await tx
    .deleteFrom("audience_member_facts")
    .where("tenant_id", "=", tenantId)
    .where("member_id", "in", ids)
    .execute();
  await tx
    .deleteFrom("audience_member_scores")
    .where("tenant_id", "=", tenantId)
    .where("member_id", "in", ids)
    .execute();
  await tx
    .deleteFrom("audience_member_ltv")
    .where("tenant_id", "=", tenantId)
    .where("member_id", "in", ids)
    .execute();
  await tx
    .deleteFrom("audience_member_tags")
    .where("tenant_id", "=", tenantId)
    .where("member_id", "in", ids)
    .execute();
  await tx
    .deleteFrom("audience_segment_members")
    .where("tenant_id", "=", tenantId)
    .where("member_id", "in", ids)
    .execute();
}
