import type { Executor } from "../platform/db/database.ts";

/** Every audience table keyed by member. */
const MEMBER_TABLES = [
  "audience_member_facts",
  "audience_member_scores",
  "audience_member_ltv",
  "audience_member_tags",
  "audience_segment_members",
] as const;

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
  for (const table of MEMBER_TABLES)
    await tx.deleteFrom(table).where("tenant_id", "=", tenantId).where("member_id", "in", ids).execute();
}
