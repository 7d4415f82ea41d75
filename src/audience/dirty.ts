import { sql } from "kysely";
import type { Executor } from "../platform/db/database.ts";
import type { Topic } from "./conditions/fields.ts";

/**
 * Marks members for incremental re-evaluation: what changed (the topics) accumulates until a re-evaluation
 * takes the mark. One upsert, so that event handlers stay cheap however busy ingest is. The mark keeps its first
 * time (the drain goes oldest first, so a member changing constantly is still taken in turn) and its latest (a
 * batch run clears only marks older than its start).
 */
export async function markDirty(
  tx: Executor,
  tenantId: string,
  memberIds: readonly string[],
  topics: readonly Topic[],
  now: Date,
): Promise<void> {
  if (memberIds.length === 0 || topics.length === 0) return;
  await sql`
    INSERT INTO audience_dirty_members (tenant_id, member_id, topics, first_marked_at, marked_at)
    SELECT ${tenantId}, m.member_id, ${[...topics].sort()}::text[], ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz
    FROM (SELECT DISTINCT unnest(${[...memberIds]}::text[]) AS member_id) m
    ON CONFLICT (tenant_id, member_id) DO UPDATE SET
      topics = ARRAY(SELECT DISTINCT t FROM unnest(audience_dirty_members.topics || EXCLUDED.topics) AS t ORDER BY t),
      first_marked_at = LEAST(audience_dirty_members.first_marked_at, EXCLUDED.first_marked_at),
      marked_at = GREATEST(audience_dirty_members.marked_at, EXCLUDED.marked_at)`.execute(tx);
}
