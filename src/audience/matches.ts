import { type RawBuilder, sql } from "kysely";
import type { Executor } from "../platform/db/database.ts";
import { compileCondition, memberRelation } from "./conditions/compile.ts";
import type { EvaluationContext } from "./conditions/member.ts";
import type { Condition } from "./conditions/parse.ts";

/**
 * Many conditions over the whole base in one scan: each member row is read once and tested against every
 * condition of a group, and the matches land in a temporary table of (member_id, mask): bit n − 1 of the mask is
 * set when the member matches the group's n-th condition (members matching none get no row). The batch evaluates
 * all segments (and all rule tags) this way instead of reading the base once per condition, and diffs them per
 * member (one row per member, not one per (condition, member) pair: a million rows to hash instead of tens of
 * millions, which spilled at work_mem).
 */

/** Conditions per scan (at most 63, the bits of a bigint): keeps one statement's size bounded. */
export const CONDITIONS_PER_SCAN = 50;

/** The groups of at most CONDITIONS_PER_SCAN conditions, each scanned and diffed on its own. */
export function matchGroups<T>(items: readonly T[]): T[][] {
  const groups: T[][] = [];
  for (let start = 0; start < items.length; start += CONDITIONS_PER_SCAN) {
    groups.push(items.slice(start, start + CONDITIONS_PER_SCAN));
  }
  return groups;
}

/** `1::bigint << (n − 1)` for an ordinal column n (1-based). */
export function bit(ordinal: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`(1::bigint << (${ordinal} - 1)::int)`;
}

/** Fills `table` (member_id, mask) with one group's matches (at most CONDITIONS_PER_SCAN) and analyses it. */
export async function materializeMatches(
  tx: Executor,
  tenantId: string,
  table: "audience_segment_matches" | "audience_rule_matches",
  group: readonly { id: string; condition: Condition }[],
  context: EvaluationContext,
): Promise<void> {
  if (group.length > CONDITIONS_PER_SCAN) throw new Error("too many conditions for one scan");
  await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(tx);
  await sql`CREATE TEMP TABLE ${sql.table(table)} (member_id text NOT NULL, mask bigint NOT NULL) ON COMMIT DROP`.execute(
    tx,
  );
  const mask = sql.join(
    group.map(
      (item, i) =>
        sql`(CASE WHEN ${compileCondition(item.condition, context)} THEN ${sql.raw(`${2n ** BigInt(i)}`)}::bigint ELSE 0::bigint END)`,
    ),
    sql` | `,
  );
  await sql`INSERT INTO ${sql.table(table)} (member_id, mask)
    SELECT m.member_id, m.mask FROM (
      SELECT f.member_id, ${mask} AS mask FROM ${memberRelation()} WHERE f.tenant_id = ${tenantId} OFFSET 0) m
    WHERE m.mask <> 0`.execute(tx);
  await sql`ANALYZE ${sql.table(table)}`.execute(tx);
}

/**
 * The moves that bring stored (id, member) rows in line with one group's matches, as the CTEs `stored`, `changed`
 * and `diff` to open a `WITH`: per member, the mask of the conditions it matches against the mask of the rows it
 * has (one hash join of one row per member); only members whose masks differ are spread into `diff (id, member_id,
 * inside)`, one row per id that moved.
 */
export function maskDiff(options: {
  tenantId: string;
  matches: "audience_segment_matches" | "audience_rule_matches";
  stored: "audience_segment_members" | "audience_member_tags";
  idColumn: "segment_id" | "tag_id";
  ids: readonly string[];
}): RawBuilder<unknown> {
  const { tenantId, ids } = options;
  const id = sql.ref(`st.${options.idColumn}`);
  return sql`stored AS (
      SELECT st.member_id, bit_or(${bit(sql`array_position(${ids}::text[], ${id})`)}) AS mask
      FROM ${sql.table(options.stored)} st
      WHERE st.tenant_id = ${tenantId} AND ${id} = ANY(${ids}::text[])
      GROUP BY st.member_id),
    changed AS MATERIALIZED (
      SELECT COALESCE(e.member_id, st.member_id) AS member_id, COALESCE(e.mask, 0) AS new_mask,
             COALESCE(st.mask, 0) AS old_mask
      FROM ${sql.table(options.matches)} e
      FULL JOIN stored st ON st.member_id = e.member_id
      WHERE e.mask IS DISTINCT FROM st.mask),
    diff AS MATERIALIZED (
      SELECT x.id, c.member_id, (c.new_mask & ${bit(sql`x.n`)}) <> 0 AS inside
      FROM changed c CROSS JOIN unnest(${ids}::text[]) WITH ORDINALITY AS x(id, n)
      WHERE ((c.new_mask # c.old_mask) & ${bit(sql`x.n`)}) <> 0)`;
}
