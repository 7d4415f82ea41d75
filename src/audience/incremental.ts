import { type RawBuilder, sql } from "kysely";
import type { Db, Executor } from "../platform/db/database.ts";
import { type AudienceEvent, writeEvents } from "./changes.ts";
import { evaluate } from "./conditions/evaluate.ts";
import type { Topic } from "./conditions/fields.ts";
import type { MemberFacts, MemberLtv, MemberSnapshot } from "./conditions/member.ts";
import { type Condition, topicsOf } from "./conditions/parse.ts";
import { evaluationContext } from "./context.ts";
import { refreshFacts, refreshFactsAnd } from "./facts.ts";
import { forgetMembers } from "./forget.ts";
import { lockTenantAudience } from "./recompute.ts";
import { applyRescore, rescoreInput } from "./scores/rescore.ts";
import { storedCondition } from "./segments/membership.ts";
import { getAudienceSettings } from "./settings.ts";
import type { RfmGroupName, Stage, TagKind } from "./tables.ts";
import { ruleCondition, type Tag, toTag } from "./tags/catalog.ts";
import { recomputeComputedTags } from "./tags/computed.ts";

/**
 * Incremental re-evaluation: members whose events marked them (dirty.ts) get fresh facts and scores, and the rule
 * tags and segments that read what changed are evaluated for them in memory with the evaluator, the same
 * semantics the batch recompute runs in SQL. Entering and leaving segments are events here too.
 */

export const DIRTY_BATCH_SIZE = 500;
const MAX_ROUNDS = 1_000;

export interface DirtyMark {
  member_id: string;
  topics: readonly string[];
}

export interface IncrementalReport {
  members: number;
  segments_evaluated: number;
  events: number;
}

/** A snapshot whose tags the re-evaluation updates as rule tags move, so segments see the new holds. */
type LiveSnapshot = MemberSnapshot & { tags: Map<string, Date | null> };

/**
 * Facts, scores, predictions and tags of some members, as the evaluator reads them (one query), with the
 * source of each hold (rule holds are the ones rule tags may take back).
 */
export async function loadSnapshots(
  db: Executor,
  tenantId: string,
  memberIds: readonly string[],
  options: { segments?: boolean } = {},
): Promise<{
  snapshots: Map<string, LiveSnapshot>;
  sources: Map<string, string>;
  /** With `segments`: each member's current segments, read in the same round trip. */
  inside: Set<string>;
}> {
  const ids = [...new Set(memberIds)];
  const snapshots = new Map<string, LiveSnapshot>();
  const sources = new Map<string, string>();
  const inside = new Set<string>();
  if (ids.length === 0) return { snapshots, sources, inside };
  const rows = await sql<
    MemberFacts & {
      has_scores: boolean;
      s_frequency: number;
      s_monetary_minor: number;
      r_score: number | null;
      f_score: number | null;
      m_score: number | null;
      rfm_group: RfmGroupName | null;
      stage: Stage;
      important: boolean;
      has_ltv: boolean;
      /** [tag_id, expires_at (ISO text or null), source] of each hold: the tags come in the same round trip. */
      held: [string, string | null, string][] | string;
      segment_ids: string[] | null;
    } & MemberLtv
  >`
    SELECT f.member_id, f.status, f.gender, f.birthday, f.region, f.join_channel, f.join_store_id, f.scene_key,
      f.home_store_id, f.guide_id, f.joined_at, f.consent_sms, f.consent_email, f.consent_im, f.attributes, f.tier_code,
      f.points_available, f.growth, f.orders_count, f.spend_minor, f.first_order_at, f.last_order_at, f.categories,
      f.channels, f.store_ids,
      s.member_id IS NOT NULL AS has_scores, s.frequency AS s_frequency, s.monetary_minor AS s_monetary_minor,
      s.r_score, s.f_score, s.m_score, s.rfm_group, s.stage, s.important,
      l.member_id IS NOT NULL AS has_ltv, l.p_alive, l.expected_purchases_90d, l.expected_purchases_365d,
      l.expected_order_value_minor, l.predicted_value_365d_minor,
      (SELECT COALESCE(json_agg(json_build_array(t.tag_id, t.expires_at, t.source)), '[]'::json)
       FROM audience_member_tags t WHERE t.tenant_id = f.tenant_id AND t.member_id = f.member_id) AS held,
      ${
        options.segments
          ? sql`(SELECT array_agg(sm.segment_id) FROM audience_segment_members sm
                 WHERE sm.tenant_id = f.tenant_id AND sm.member_id = f.member_id)`
          : sql`NULL::text[]`
      } AS segment_ids
    FROM audience_member_facts f
    LEFT JOIN audience_member_scores s ON s.tenant_id = f.tenant_id AND s.member_id = f.member_id
    LEFT JOIN audience_member_ltv l ON l.tenant_id = f.tenant_id AND l.member_id = f.member_id
    WHERE f.tenant_id = ${tenantId} AND f.member_id = ANY(${ids}::text[])`.execute(db);
  for (const r of rows.rows) {
    const {
      has_scores,
      s_frequency,
      s_monetary_minor,
      r_score,
      f_score,
      m_score,
      rfm_group,
      stage,
      important,
      has_ltv,
      p_alive,
      expected_purchases_90d,
      expected_purchases_365d,
      expected_order_value_minor,
      predicted_value_365d_minor,
      held,
      segment_ids,
      ...facts
    } = r;
    for (const segmentId of segment_ids ?? []) inside.add(`${segmentId}|${r.member_id}`);
    const tags = new Map<string, Date | null>();
    for (const [tagId, expiresAt, source] of typeof held === "string"
      ? (JSON.parse(held) as [string, string | null, string][])
      : held) {
      tags.set(tagId, expiresAt === null ? null : new Date(expiresAt));
      sources.set(`${tagId}|${r.member_id}`, source);
    }
    snapshots.set(r.member_id, {
      facts,
      scores: has_scores
        ? {
            frequency: s_frequency,
            monetary_minor: s_monetary_minor,
            r_score,
            f_score,
            m_score,
            rfm_group,
            stage,
            important,
          }
        : null,
      ltv: has_ltv
        ? {
            p_alive,
            expected_purchases_90d,
            expected_purchases_365d,
            expected_order_value_minor,
            predicted_value_365d_minor,
          }
        : null,
      tags,
    });
  }
  return { snapshots, sources, inside };
}

interface Definitions {
  computedTags: Tag[];
  ruleTags: { tag: Tag; condition: Condition; topics: Topic[] }[];
  segments: { segment_id: string; condition: Condition; topics: string[] }[];
}

/**
 * A digest of everything loadDefinitions reads for a brand, computed in PostgreSQL: a statement that is sent anyway
 * can carry it, and the definitions are read again (and their conditions parsed again) only when it changed. Content,
 * not timestamps: an edit at the same instant (a fixed test clock) still changes it.
 */
function definitionsDigest(tenantId: string): RawBuilder<string> {
  return sql<string>`md5(
    COALESCE((SELECT string_agg(concat_ws(':', tag_id, group_id, name, kind, definition::text, expires_after_days), ',' ORDER BY tag_id)
      FROM audience_tags WHERE tenant_id = ${tenantId} AND kind IN ('rule', 'scene', 'product_lifecycle')), '')
    || '|' ||
    COALESCE((SELECT string_agg(concat_ws(':', segment_id, name, condition::text, topics::text), ',' ORDER BY segment_id)
      FROM audience_segments WHERE tenant_id = ${tenantId}), ''))`;
}

/** Per process: each brand's definitions as last read, with their digest. */
const definitionsCache = new Map<string, { digest: string; definitions: Definitions }>();

/** The brand's computed tags and segments: from the cache when `digest` says they are unchanged, else one query. */
async function loadDefinitions(db: Executor, tenantId: string, digest?: string): Promise<Definitions> {
  const cached = definitionsCache.get(tenantId);
  if (digest !== undefined && cached?.digest === digest) return cached.definitions;
  const rows = await sql<{
    digest: string;
    what: "tag" | "segment";
    id: string;
    group_id: string | null;
    name: string;
    kind: TagKind | null;
    body: Record<string, unknown>;
    expires_after_days: number | null;
    topics: string[] | null;
    created_at: Date;
    updated_at: Date;
  }>`
    WITH d AS (SELECT ${definitionsDigest(tenantId)} AS digest)
    SELECT d.digest, defs.* FROM d, (
    SELECT 'tag' AS what, tag_id AS id, group_id, name, kind, definition AS body, expires_after_days, NULL::text[] AS topics, created_at, updated_at
    FROM audience_tags WHERE tenant_id = ${tenantId} AND kind IN ('rule', 'scene', 'product_lifecycle')
    UNION ALL
    SELECT 'segment', segment_id, NULL, name, NULL, condition, NULL, topics, created_at, updated_at
    FROM audience_segments WHERE tenant_id = ${tenantId}) defs`.execute(db);
  const definitions: Definitions = { computedTags: [], ruleTags: [], segments: [] };
  for (const row of rows.rows) {
    if (row.what === "segment") {
      const condition = storedCondition({ segment_id: row.id, condition: row.body });
      if (condition) definitions.segments.push({ segment_id: row.id, condition, topics: row.topics ?? [] });
      continue;
    }
    if (row.kind === null || row.group_id === null) continue;
    const tag = toTag({
      tag_id: row.id,
      group_id: row.group_id,
      name: row.name,
      kind: row.kind,
      definition: row.body,
      expires_after_days: row.expires_after_days,
      created_at: row.created_at,
      updated_at: row.updated_at,
    });
    definitions.computedTags.push(tag);
    if (tag.kind === "rule") {
      const condition = ruleCondition(tag);
      definitions.ruleTags.push({ tag, condition, topics: topicsOf(condition) });
    }
  }
  const loaded = rows.rows[0]?.digest;
  if (loaded === undefined) definitionsCache.delete(tenantId);
  else definitionsCache.set(tenantId, { digest: loaded, definitions });
  return definitions;
}

const overlaps = (a: readonly string[], b: ReadonlySet<string>) => a.some((t) => b.has(t));
/** Topics whose changes live in the facts table (tags, scores and LTV live elsewhere). */
const FACT_TOPICS: readonly Topic[] = ["member", "tier", "points", "orders"];

export async function reevaluateMembers(
  tx: Executor,
  tenantId: string,
  marks: readonly DirtyMark[],
  now: Date,
  /** The brand's definitions digest, when a statement already sent read it (see definitionsDigest). */
  digest?: string,
): Promise<IncrementalReport> {
  const ids = [...new Set(marks.map((m) => m.member_id))];
  const topics = new Set<string>(marks.flatMap((m) => m.topics));
  const events: AudienceEvent[] = [];
  // Only what the change can affect is recomputed: a tag given by hand changes no facts and no scores.
  if (topics.has("orders") || topics.has("member")) {
    // New facts and what re-scoring reads from them, in one statement.
    const settings = await getAudienceSettings(tx, tenantId);
    const refreshed = await refreshFactsAnd(
      tx,
      tenantId,
      { ids },
      now,
      rescoreInput(tenantId, ids, settings, now, sql`fresh`),
    );
    await forgetMembers(tx, tenantId, refreshed.departed);
    const rescored = await applyRescore(tx, tenantId, ids, refreshed.rows, settings, now);
    events.push(...rescored.events);
    if (rescored.changed > 0) topics.add("scores");
  } else if (FACT_TOPICS.some((t) => topics.has(t))) {
    await forgetMembers(tx, tenantId, await refreshFacts(tx, tenantId, { ids }, now));
  }
  const definitions = await loadDefinitions(tx, tenantId, digest);

  // Scene tags follow the profile (the scene a member joined from), product tags follow orders (and the profile,
  // which decides whether the member is live); set-based, restricted to these members.
  const kept = definitions.computedTags.filter(
    (t) =>
      (t.kind === "scene" && topics.has("member")) ||
      (t.kind === "product_lifecycle" && (topics.has("orders") || topics.has("member"))),
  );
  if (kept.length > 0) {
    const moved = await recomputeComputedTags(tx, tenantId, { ids }, now, undefined, kept);
    if (moved.added + moved.removed > 0) topics.add("tags");
  }
  const context = await evaluationContext(tx, tenantId, now);
  const { snapshots, sources, inside } = await loadSnapshots(tx, tenantId, ids, { segments: true });

  // Rule tags, in memory. They may not read one another, so one pass settles them.
  const add: { tag_id: string; member_id: string }[] = [];
  const remove: { tag_id: string; member_id: string }[] = [];
  for (const { tag, condition, topics: reads } of definitions.ruleTags) {
    if (!overlaps(reads, topics)) continue;
    for (const [memberId, snapshot] of snapshots) {
      const should = evaluate(condition, snapshot, context);
      const source = sources.get(`${tag.tag_id}|${memberId}`);
      if (should && source === undefined) {
        add.push({ tag_id: tag.tag_id, member_id: memberId });
        snapshot.tags.set(tag.tag_id, null);
      }
      if (!should && source === "rule") {
        remove.push({ tag_id: tag.tag_id, member_id: memberId });
        snapshot.tags.delete(tag.tag_id);
      }
    }
  }
  if (add.length > 0) {
    await tx
      .insertInto("audience_member_tags")
      .values(
        add.map((a) => ({
          tenant_id: tenantId,
          ...a,
          source: "rule" as const,
          source_ref: null,
          tagged_at: now,
          expires_at: null,
        })),
      )
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
  if (remove.length > 0) {
    await sql`DELETE FROM audience_member_tags mt
      USING unnest(${remove.map((r) => r.tag_id)}::text[], ${remove.map((r) => r.member_id)}::text[]) AS r(tag_id, member_id)
      WHERE mt.tenant_id = ${tenantId} AND mt.tag_id = r.tag_id AND mt.member_id = r.member_id AND mt.source = 'rule'`.execute(
      tx,
    );
  }
  if (add.length + remove.length > 0) topics.add("tags");

  // Segments, in memory: only those that read something that changed.
  const segments = definitions.segments.filter((s) => overlaps(s.topics, topics));
  if (segments.length > 0) {
    const entered: { segment_id: string; member_id: string }[] = [];
    const left: { segment_id: string; member_id: string }[] = [];
    for (const segment of segments) {
      for (const memberId of ids) {
        const snapshot = snapshots.get(memberId);
        const matches = snapshot !== undefined && evaluate(segment.condition, snapshot, context);
        const was = inside.has(`${segment.segment_id}|${memberId}`);
        if (matches && !was) entered.push({ segment_id: segment.segment_id, member_id: memberId });
        if (!matches && was) left.push({ segment_id: segment.segment_id, member_id: memberId });
      }
    }
    await applySegmentMoves(tx, tenantId, entered, left, now);
    for (const e of entered) events.push({ type: "segment.entered", member_id: e.member_id, payload: e });
    for (const l of left) events.push({ type: "segment.left", member_id: l.member_id, payload: l });
  }
  if (events.length > 0) await writeEvents(tx, tenantId, events, now);
  return { members: ids.length, segments_evaluated: segments.length, events: events.length };
}

async function applySegmentMoves(
  tx: Executor,
  tenantId: string,
  entered: readonly { segment_id: string; member_id: string }[],
  left: readonly { segment_id: string; member_id: string }[],
  now: Date,
): Promise<void> {
  if (entered.length > 0) {
    await tx
      .insertInto("audience_segment_members")
      .values(entered.map((e) => ({ tenant_id: tenantId, ...e, entered_at: now })))
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
  if (left.length > 0) {
    await sql`DELETE FROM audience_segment_members sm
      USING unnest(${left.map((l) => l.segment_id)}::text[], ${left.map((l) => l.member_id)}::text[]) AS l(segment_id, member_id)
      WHERE sm.tenant_id = ${tenantId} AND sm.segment_id = l.segment_id AND sm.member_id = l.member_id`.execute(
      tx,
    );
  }
  const delta = new Map<string, number>();
  for (const e of entered) delta.set(e.segment_id, (delta.get(e.segment_id) ?? 0) + 1);
  for (const l of left) delta.set(l.segment_id, (delta.get(l.segment_id) ?? 0) - 1);
  const changed = [...delta].filter(([, change]) => change !== 0);
  if (changed.length > 0) {
    await sql`UPDATE audience_segments s SET member_count = GREATEST(s.member_count + d.change, 0)
      FROM unnest(${changed.map(([id]) => id)}::text[], ${changed.map(([, change]) => change)}::int[]) AS d(segment_id, change)
      WHERE s.tenant_id = ${tenantId} AND s.segment_id = d.segment_id`.execute(tx);
  }
}

/**
 * Small member sets: the written join order is a good plan, and not searching for another saves planning time; JIT
 * compilation would cost more (tens of milliseconds per statement) than these statements take to run.
 * The commit does not wait for its WAL flush (synchronous_commit off, this transaction only): everything written
 * here is derived from the source tables, and a crash can only lose the whole transaction, marks taken included,
 * so the members are marked still and the next run re-evaluates them (events are at least once, as everywhere).
 * On a busy server the flush was the largest single cost of one member's re-evaluation.
 */
async function tuneForFewMembers(tx: Executor, tenantId?: string): Promise<string | undefined> {
  const result = await sql<{ digest: string | null }>`SELECT set_config('join_collapse_limit', '1', true),
    set_config('from_collapse_limit', '1', true), set_config('jit', 'off', true),
    set_config('synchronous_commit', 'off', true),
    ${tenantId === undefined ? sql`NULL` : definitionsDigest(tenantId)} AS digest`.execute(tx);
  return result.rows[0]?.digest ?? undefined;
}

/** One member, in a transaction of its own: what a single event costs end to end (the figure in the benchmark). */
export async function reevaluateMember(
  db: Db,
  tenantId: string,
  memberId: string,
  topics: readonly Topic[],
  now: Date,
): Promise<IncrementalReport> {
  return db.transaction().execute(async (tx) => {
    // The definitions' digest rides on the first statement: unchanged definitions cost no round trip.
    const digest = await tuneForFewMembers(tx, tenantId);
    return reevaluateMembers(tx, tenantId, [{ member_id: memberId, topics }], now, digest);
  });
}

/**
 * The job: takes marked members in batches (oldest mark first; several processes may run it, SKIP LOCKED keeps
 * them apart) until none are left. Returns how many members were re-evaluated.
 */
export async function reevaluateDirtyMembers(
  db: Db,
  now: () => Date,
  batchSize = DIRTY_BATCH_SIZE,
): Promise<number> {
  let total = 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const done = await db.transaction().execute(async (tx) => {
      await tuneForFewMembers(tx);
      const taken = await sql<{ tenant_id: string; member_id: string; topics: string[] }>`
        DELETE FROM audience_dirty_members d
        USING (SELECT tenant_id, member_id FROM audience_dirty_members ORDER BY first_marked_at LIMIT ${batchSize} FOR UPDATE SKIP LOCKED) c
        WHERE d.tenant_id = c.tenant_id AND d.member_id = c.member_id
        RETURNING d.tenant_id, d.member_id, d.topics`.execute(tx);
      const byTenant = new Map<string, DirtyMark[]>();
      for (const row of taken.rows)
        byTenant.set(row.tenant_id, [...(byTenant.get(row.tenant_id) ?? []), row]);
      for (const [tenantId, marks] of byTenant) {
        // Waits for a running batch recompute of the brand instead of racing it.
        await lockTenantAudience(tx, tenantId);
        await reevaluateMembers(tx, tenantId, marks, now());
      }
      return taken.rows.length;
    });
    total += done;
    if (done < batchSize) break;
  }
  return total;
}

export type { Topic };
