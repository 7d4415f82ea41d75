import { type RawBuilder, sql } from "kysely";
import type { Executor } from "../../platform/db/database.ts";
import { compileCondition, memberRelation } from "../conditions/compile.ts";
import type { EvaluationContext } from "../conditions/member.ts";
import type { Condition } from "../conditions/parse.ts";
import { evaluationContext } from "../context.ts";
import { maskDiff, materializeMatches, matchGroups } from "../matches.ts";
import { type MemberFilter, productStageMembers } from "../facts.ts";
import type { TagSource } from "../tables.ts";
import { listTags, ruleCondition, type Tag } from "./catalog.ts";

/**
 * Tags whose holders follow a definition: rule tags (a condition), product-lifecycle tags (purchases of SKUs)
 * and scene tags (the QR scene a member joined from). Each is one set-based statement: the members who should
 * hold it get it, those who hold it from this source and should not lose it. Holds given by hand (a scene tag
 * given by a guide) are left alone. Scene and product tags go first because rule conditions may read them; rule
 * tags may not read one another, so their order does not matter.
 */

export interface ComputedTagsReport {
  tags: number;
  added: number;
  removed: number;
}

const ORDER: Record<string, number> = { scene: 0, product_lifecycle: 1, rule: 2 };
const SOURCE: Record<string, TagSource> = {
  scene: "scene",
  product_lifecycle: "product_lifecycle",
  rule: "rule",
};
/** Sources of holds a recompute gives and takes away; holds from any other source stay until removed or expired. */
export const COMPUTED_SOURCES: readonly TagSource[] = Object.values(SOURCE);

/** `AND <column> …` restricting a statement to the filter's members. */
function memberScope(
  filter: MemberFilter,
  tenantId: string,
  column: RawBuilder<unknown> = sql`f.member_id`,
): RawBuilder<unknown> {
  if ("ids" in filter) return sql`AND ${column} = ANY(${[...filter.ids]}::text[])`;
  if ("marked" in filter)
    return sql`AND ${column} IN (SELECT d.member_id FROM audience_dirty_members d WHERE d.tenant_id = ${tenantId})`;
  return sql``;
}

/** `given`: the brand's tags when the caller already has them (the incremental path), else they are read. */
export async function recomputeComputedTags(
  tx: Executor,
  tenantId: string,
  filter: MemberFilter,
  now: Date,
  only?: (tag: Tag) => boolean,
  given?: readonly Tag[],
  /** For tags whose holders change only with a member's own events (scene, first purchase, repurchase). */
  eventDriven?: MemberFilter,
): Promise<ComputedTagsReport> {
  const context = await evaluationContext(tx, tenantId, now);
  const tags = (given ?? (await listTags(tx, tenantId)))
    .filter((t) => t.kind in ORDER && (only ? only(t) : true))
    .sort((a, b) => (ORDER[a.kind] ?? 0) - (ORDER[b.kind] ?? 0));
  const report: ComputedTagsReport = { tags: tags.length, added: 0, removed: 0 };
  const ids = memberScope(filter, tenantId);
  const rules: { tag: Tag; condition: Condition }[] = [];
  const listed = new Map<
    readonly string[],
    { tagId: string; source: TagSource; target: RawBuilder<unknown> }[]
  >();
  for (const tag of tags) {
    if (tag.kind === "rule") {
      rules.push({ tag, condition: ruleCondition(tag) });
      continue;
    }
    const scope =
      eventDriven && (tag.kind === "scene" || tag.definition.stage !== "used_up") ? eventDriven : filter;
    const ids = memberScope(scope, tenantId);
    let target: RawBuilder<unknown>;
    if (tag.kind === "scene") {
      target = sql`SELECT f.member_id FROM audience_member_facts f WHERE f.tenant_id = ${tenantId} ${ids} AND f.scene_key = ANY(${tag.definition.scene_keys ?? []}::text[])`;
    } else {
      const stage = tag.definition.stage ?? "first_purchase";
      const members = productStageMembers(tenantId, stage, tag.definition.products ?? [], now, scope);
      let relation: RawBuilder<unknown> = members;
      if (!("ids" in scope)) {
        // Many members: into an analysed temp table first, so that the join to the facts and the diff plan on
        // its real size (an estimate off by orders of magnitude chose a nested loop into the facts).
        await sql`DROP TABLE IF EXISTS audience_product_stage`.execute(tx);
        await sql`CREATE TEMP TABLE audience_product_stage ON COMMIT DROP AS SELECT p.member_id FROM ${members} p`.execute(
          tx,
        );
        await sql`ANALYZE audience_product_stage`.execute(tx);
        relation = sql`audience_product_stage`;
      }
      // Only live members (those with facts) hold tags.
      target = sql`SELECT f.member_id FROM audience_member_facts f
        JOIN ${relation} p ON p.member_id = f.member_id
        WHERE f.tenant_id = ${tenantId} ${ids}`;
    }
    if ("ids" in scope) {
      // A few members: every such tag in one statement (one round trip), below.
      const group = listed.get(scope.ids) ?? [];
      group.push({ tagId: tag.tag_id, source: SOURCE[tag.kind] ?? "rule", target });
      listed.set(scope.ids, group);
      continue;
    }
    const counts = await applyTarget(
      tx,
      tenantId,
      tag.tag_id,
      SOURCE[tag.kind] ?? "rule",
      target,
      scope,
      now,
    );
    report.added += counts.added;
    report.removed += counts.removed;
  }
  for (const [memberIds, group] of listed) {
    const counts = await applyTargets(tx, tenantId, group, memberIds, now);
    report.added += counts.added;
    report.removed += counts.removed;
  }
  if (rules.length === 0) return report;
  if (!("ids" in filter)) {
    // The whole base: every rule in one scan, then one diff (scene and product tags above are already current).
    const counts = await applyRuleMatches(tx, tenantId, rules, context, now);
    report.added += counts.added;
    report.removed += counts.removed;
    return report;
  }
  for (const { tag, condition } of rules) {
    const target = sql`SELECT f.member_id FROM ${memberRelation()} WHERE f.tenant_id = ${tenantId} ${ids} AND ${compileCondition(condition, context)}`;
    const counts = await applyTarget(tx, tenantId, tag.tag_id, "rule", target, filter, now);
    report.added += counts.added;
    report.removed += counts.removed;
  }
  return report;
}

/** All rule tags over the whole base: matches of every rule in one scan (per 50), diffed against every hold of those tags. */
async function applyRuleMatches(
  tx: Executor,
  tenantId: string,
  rules: readonly { tag: Tag; condition: Condition }[],
  context: EvaluationContext,
  now: Date,
): Promise<{ added: number; removed: number }> {
  const report = { added: 0, removed: 0 };
  const at = now.toISOString();
  for (const group of matchGroups(rules.map((r) => ({ id: r.tag.tag_id, condition: r.condition })))) {
    const tagIds = group.map((r) => r.id);
    await materializeMatches(tx, tenantId, "audience_rule_matches", group, context);
    const result = await sql<{ added: number; removed: number }>`
      WITH ${maskDiff({ tenantId, matches: "audience_rule_matches", stored: "audience_member_tags", idColumn: "tag_id", ids: tagIds })},
      added AS (
        INSERT INTO audience_member_tags (tenant_id, member_id, tag_id, source, source_ref, tagged_at, expires_at)
        SELECT ${tenantId}, d.member_id, d.id, 'rule', NULL, ${at}::timestamptz, NULL FROM diff d WHERE d.inside
        ON CONFLICT DO NOTHING
        RETURNING member_id),
      removed AS (
        DELETE FROM audience_member_tags mt USING diff d
        WHERE mt.tenant_id = ${tenantId} AND mt.tag_id = d.id AND mt.member_id = d.member_id AND NOT d.inside
          AND mt.source = 'rule'
        RETURNING mt.member_id)
      SELECT (SELECT count(*) FROM added)::int AS added, (SELECT count(*) FROM removed)::int AS removed`.execute(
      tx,
    );
    report.added += result.rows[0]?.added ?? 0;
    report.removed += result.rows[0]?.removed ?? 0;
  }
  return report;
}

/**
 * applyTarget for several tags and a few members at once: the targets as one relation of (tag, member), diffed
 * against those members' holds of those tags in one statement. The text depends only on how many tags there are,
 * so it is prepared once per connection like any repeated statement.
 */
async function applyTargets(
  tx: Executor,
  tenantId: string,
  items: readonly { tagId: string; source: TagSource; target: RawBuilder<unknown> }[],
  memberIds: readonly string[],
  now: Date,
): Promise<{ added: number; removed: number }> {
  const targets = sql.join(
    items.map((item, i) => sql`SELECT ${i + 1}::int AS n, t.member_id FROM (${item.target}) t`),
    sql` UNION ALL `,
  );
  const result = await sql<{ added: number; removed: number }>`
    WITH defined AS (
      SELECT * FROM unnest(${items.map((i) => i.tagId)}::text[], ${items.map((i) => i.source)}::text[])
        WITH ORDINALITY AS x(tag_id, source, n)),
    target AS MATERIALIZED (
      SELECT x.tag_id, x.source, t.member_id FROM (${targets}) t JOIN defined x ON x.n = t.n),
    diff AS MATERIALIZED (
      SELECT COALESCE(t.tag_id, h.tag_id) AS tag_id, COALESCE(t.member_id, h.member_id) AS member_id,
             t.member_id IS NOT NULL AS should, h.source
      FROM target t
      FULL JOIN (SELECT mt.tag_id, mt.member_id, mt.source FROM audience_member_tags mt
                 WHERE mt.tenant_id = ${tenantId} AND mt.member_id = ANY(${[...memberIds]}::text[])
                   AND mt.tag_id = ANY(${items.map((i) => i.tagId)}::text[])) h
        ON h.tag_id = t.tag_id AND h.member_id = t.member_id
      WHERE t.member_id IS NULL OR h.member_id IS NULL),
    added AS (
      INSERT INTO audience_member_tags (tenant_id, member_id, tag_id, source, source_ref, tagged_at, expires_at)
      SELECT ${tenantId}, d.member_id, d.tag_id, x.source, NULL, ${now.toISOString()}::timestamptz, NULL
      FROM diff d JOIN defined x ON x.tag_id = d.tag_id WHERE d.should
      ON CONFLICT DO NOTHING
      RETURNING member_id),
    removed AS (
      DELETE FROM audience_member_tags mt USING diff d, defined x
      WHERE mt.tenant_id = ${tenantId} AND mt.tag_id = d.tag_id AND mt.member_id = d.member_id
        AND x.tag_id = d.tag_id AND NOT d.should AND d.source = x.source
      RETURNING mt.member_id)
    SELECT (SELECT count(*) FROM added)::int AS added, (SELECT count(*) FROM removed)::int AS removed`.execute(
    tx,
  );
  return result.rows[0] ?? { added: 0, removed: 0 };
}

/**
 * Makes the holders of `tagId` from `source` equal to `target` (within the filter); returns what moved. The diff is
 * a FULL JOIN of the target with the current holders: a full join runs only as a hash or merge join, so the planner
 * cannot fall into a nested-loop anti-join over a CTE it has no statistics for (quadratic on a large brand).
 */
async function applyTarget(
  tx: Executor,
  tenantId: string,
  tagId: string,
  source: TagSource,
  target: RawBuilder<unknown>,
  filter: MemberFilter,
  now: Date,
): Promise<{ added: number; removed: number }> {
  const scope = memberScope(filter, tenantId, sql`mt.member_id`);
  const result = await sql<{ added: number; removed: number }>`
    WITH target AS MATERIALIZED (${target}),
    diff AS MATERIALIZED (
      SELECT COALESCE(t.member_id, h.member_id) AS member_id, t.member_id IS NOT NULL AS should, h.source
      FROM target t
      FULL JOIN (SELECT mt.member_id, mt.source FROM audience_member_tags mt
                 WHERE mt.tenant_id = ${tenantId} AND mt.tag_id = ${tagId} ${scope}) h ON h.member_id = t.member_id
      WHERE t.member_id IS NULL OR h.member_id IS NULL),
    added AS (
      INSERT INTO audience_member_tags (tenant_id, member_id, tag_id, source, source_ref, tagged_at, expires_at)
      SELECT ${tenantId}, d.member_id, ${tagId}, ${source}, NULL, ${now.toISOString()}::timestamptz, NULL
      FROM diff d WHERE d.should
      ON CONFLICT DO NOTHING
      RETURNING member_id),
    removed AS (
      DELETE FROM audience_member_tags mt USING diff d
      WHERE mt.tenant_id = ${tenantId} AND mt.tag_id = ${tagId} AND mt.member_id = d.member_id
        AND NOT d.should AND d.source = ${source}
      RETURNING mt.member_id)
    SELECT (SELECT count(*) FROM added)::int AS added, (SELECT count(*) FROM removed)::int AS removed`.execute(
    tx,
  );
  return result.rows[0] ?? { added: 0, removed: 0 };
}
