import { sql } from "kysely";
import type { Executor } from "../../platform/db/database.ts";
import { compileCondition, memberRelation } from "../conditions/compile.ts";
import type { EvaluationContext } from "../conditions/member.ts";
import { type Condition, parseCondition } from "../conditions/parse.ts";
import { evaluationContext } from "../context.ts";
import { bit, maskDiff, materializeMatches, matchGroups } from "../matches.ts";

/**
 * A segment's stored membership, kept equal to its condition. One set-based statement per segment: the members
 * who now match enter, those who no longer match leave, and (outside a baseline) each move is logged as a
 * segment.entered / segment.left event for campaigns. A segment's first population, or its population after its
 * condition changed, is a baseline: nobody "entered" because the definition moved.
 */

export interface SegmentsReport {
  segments: number;
  entered: number;
  left: number;
  /** Segments whose stored condition no longer parses (a field was removed): skipped, named here. */
  skipped: string[];
}

export interface StoredSegment {
  segment_id: string;
  condition: Record<string, unknown>;
}

export function storedCondition(segment: StoredSegment): Condition | undefined {
  const parsed = parseCondition(segment.condition);
  return parsed.ok ? parsed.condition : undefined;
}

export async function populateSegment(
  tx: Executor,
  tenantId: string,
  segmentId: string,
  condition: Condition,
  context: EvaluationContext,
  options: { emit: boolean },
): Promise<{ entered: number; left: number; size: number }> {
  const log = options.emit
    ? sql`, logged AS (
        INSERT INTO audience_changes (type, member_id, payload)
        SELECT 'segment.entered', member_id, jsonb_build_object('segment_id', ${segmentId}::text, 'member_id', member_id) FROM entered
        UNION ALL
        SELECT 'segment.left', member_id, jsonb_build_object('segment_id', ${segmentId}::text, 'member_id', member_id) FROM left_
        RETURNING 1)`
    : sql``;
  const at = context.now.toISOString();
  // The diff is a FULL JOIN of target and stored members: it can only run as a hash or merge join, never as the
  // nested-loop anti-join a planner may pick for NOT EXISTS over a CTE without statistics (quadratic at scale).
  const result = await sql<{ entered: number; left: number; size: number }>`
    WITH target AS MATERIALIZED (
      SELECT f.member_id FROM ${memberRelation()} WHERE f.tenant_id = ${tenantId} AND ${compileCondition(condition, context)}),
    diff AS MATERIALIZED (
      SELECT COALESCE(t.member_id, sm.member_id) AS member_id, t.member_id IS NOT NULL AS inside
      FROM target t
      FULL JOIN (SELECT member_id FROM audience_segment_members
                 WHERE tenant_id = ${tenantId} AND segment_id = ${segmentId}) sm ON sm.member_id = t.member_id
      WHERE t.member_id IS NULL OR sm.member_id IS NULL),
    entered AS (
      INSERT INTO audience_segment_members (tenant_id, segment_id, member_id, entered_at)
      SELECT ${tenantId}, ${segmentId}, d.member_id, ${at}::timestamptz FROM diff d WHERE d.inside
      ON CONFLICT DO NOTHING
      RETURNING member_id),
    left_ AS (
      DELETE FROM audience_segment_members sm USING diff d
      WHERE sm.tenant_id = ${tenantId} AND sm.segment_id = ${segmentId} AND sm.member_id = d.member_id AND NOT d.inside
      RETURNING sm.member_id) ${log}
    SELECT (SELECT count(*) FROM entered)::int AS entered, (SELECT count(*) FROM left_)::int AS left,
           (SELECT count(*) FROM target)::int AS size`.execute(tx);
  const counts = result.rows[0] ?? { entered: 0, left: 0, size: 0 };
  await tx
    .updateTable("audience_segments")
    .set({ member_count: counts.size, evaluated_at: context.now })
    .where("tenant_id", "=", tenantId)
    .where("segment_id", "=", segmentId)
    .execute();
  return counts;
}

/**
 * Every segment of the brand at once, with events (the transaction's change log must be open): one scan of the base
 * for every group of up to 50 conditions (matches.ts), then one diff of the group's matches against its stored
 * memberships, per member as bit masks. The diff is a FULL JOIN, which runs only as a hash or merge join.
 */
export async function recomputeSegments(tx: Executor, tenantId: string, now: Date): Promise<SegmentsReport> {
  const context = await evaluationContext(tx, tenantId, now);
  const segments = await tx
    .selectFrom("audience_segments")
    .select(["segment_id", "condition"])
    .where("tenant_id", "=", tenantId)
    .orderBy("segment_id")
    .execute();
  const report: SegmentsReport = { segments: segments.length, entered: 0, left: 0, skipped: [] };
  const items: { id: string; condition: Condition }[] = [];
  for (const segment of segments) {
    const condition = storedCondition(segment);
    if (condition) items.push({ id: segment.segment_id, condition });
    else report.skipped.push(segment.segment_id);
  }
  if (items.length === 0) return report;
  const at = now.toISOString();
  for (const group of matchGroups(items)) {
    const ids = group.map((i) => i.id);
    await materializeMatches(tx, tenantId, "audience_segment_matches", group, context);
    const moved = await sql<{ entered: number; left: number }>`
      WITH ${maskDiff({ tenantId, matches: "audience_segment_matches", stored: "audience_segment_members", idColumn: "segment_id", ids })},
      entered AS (
        INSERT INTO audience_segment_members (tenant_id, segment_id, member_id, entered_at)
        SELECT ${tenantId}, d.id, d.member_id, ${at}::timestamptz FROM diff d WHERE d.inside
        ON CONFLICT DO NOTHING
        RETURNING segment_id, member_id),
      left_ AS (
        DELETE FROM audience_segment_members sm USING diff d
        WHERE sm.tenant_id = ${tenantId} AND sm.segment_id = d.id AND sm.member_id = d.member_id AND NOT d.inside
        RETURNING sm.segment_id, sm.member_id),
      logged AS (
        INSERT INTO audience_changes (type, member_id, payload)
        SELECT 'segment.entered', member_id, jsonb_build_object('segment_id', segment_id, 'member_id', member_id) FROM entered
        UNION ALL
        SELECT 'segment.left', member_id, jsonb_build_object('segment_id', segment_id, 'member_id', member_id) FROM left_
        RETURNING 1)
      SELECT (SELECT count(*) FROM entered)::int AS entered, (SELECT count(*) FROM left_)::int AS left`.execute(
      tx,
    );
    report.entered += moved.rows[0]?.entered ?? 0;
    report.left += moved.rows[0]?.left ?? 0;
    const counts = sql.join(
      ids.map((_, i) => sql`count(*) FILTER (WHERE mask & ${bit(sql.raw(`${i + 1}`))} <> 0)::int`),
    );
    await sql`
      UPDATE audience_segments s SET member_count = c.members, evaluated_at = ${at}::timestamptz
      FROM (SELECT i.segment_id, (SELECT ARRAY[${counts}] FROM audience_segment_matches)[i.n] AS members
            FROM unnest(${ids}::text[]) WITH ORDINALITY AS i(segment_id, n)) c
      WHERE s.tenant_id = ${tenantId} AND s.segment_id = c.segment_id`.execute(tx);
  }
  return report;
}
