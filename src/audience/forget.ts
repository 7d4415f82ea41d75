import { sql } from "kysely";
import type { Executor } from "../platform/db/database.ts";
import { mergedAway } from "./facts.ts";
import { COMPUTED_SOURCES } from "./tags/computed.ts";

/** Every audience table keyed by member, but tags (below). */
const MEMBER_TABLES = [
  "audience_member_facts",
  "audience_member_scores",
  "audience_member_ltv",
  "audience_segment_members",
] as const;

/**
 * A member who left (merged into another, erased) leaves the audience: scores, predictions, tags and segment
 * memberships go. No segment.left event: the member no longer exists to be acted on; the survivor of a merge is
 * re-evaluated on its own.
 *
 * Except the tags someone gave a merged member (by hand, CSV, API, chat, campaign): those belong to the survivor,
 * and the `member.merged` subscriber moves them (tags/merge.ts). A re-evaluation can see the member gone before
 * the relay delivers that event (it was already marked, or a batch recompute was running), so they wait for it
 * here rather than be lost. An erased member is `erased` by the time this runs, so all of its tags go.
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
  await sql`DELETE FROM audience_member_tags t
    WHERE t.tenant_id = ${tenantId} AND t.member_id = ANY(${ids}::text[])
      AND (t.source = ANY(${[...COMPUTED_SOURCES]}::text[]) OR NOT ${mergedAway(tenantId, sql`t.member_id`)})`.execute(
    tx,
  );
}
