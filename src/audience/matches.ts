import { sql } from "kysely";
import type { Executor } from "../platform/db/database.ts";
import { compileCondition, memberRelation } from "./conditions/compile.ts";
import type { EvaluationContext } from "./conditions/member.ts";
import type { Condition } from "./conditions/parse.ts";

/**
 * Many conditions over the whole base in one scan: each member row is read once and tested against every
 * condition, and the matches land in a temporary table of (id, member_id). The batch evaluates all segments (and all
 * rule tags) this way instead of reading the base once per condition.
 */

/** Conditions per scan: keeps one statement's size bounded however many segments a brand saves. */
const CONDITIONS_PER_SCAN = 50;

export async function materializeMatches(
  tx: Executor,
  tenantId: string,
  table: "audience_segment_matches" | "audience_rule_matches",
  items: readonly { id: string; condition: Condition }[],
  context: EvaluationContext,
): Promise<void> {
  await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(tx);
  await sql`CREATE TEMP TABLE ${sql.table(table)} (id text NOT NULL, member_id text NOT NULL) ON COMMIT DROP`.execute(
    tx,
  );
  for (let start = 0; start < items.length; start += CONDITIONS_PER_SCAN) {
    const group = items.slice(start, start + CONDITIONS_PER_SCAN);
    const cases = sql.join(
      group.map(
        (item) => sql`CASE WHEN ${compileCondition(item.condition, context)} THEN ${item.id}::text END`,
      ),
    );
    await sql`INSERT INTO ${sql.table(table)} (id, member_id)
      SELECT m.id, f.member_id FROM ${memberRelation()}
      CROSS JOIN LATERAL unnest(ARRAY[${cases}]) AS m(id)
      WHERE f.tenant_id = ${tenantId} AND m.id IS NOT NULL`.execute(tx);
  }
  await sql`ANALYZE ${sql.table(table)}`.execute(tx);
}
