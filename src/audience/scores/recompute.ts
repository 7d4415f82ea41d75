import { type RawBuilder, sql } from "kysely";
import type { Executor } from "../../platform/db/database.ts";
import { windowPurchases } from "../facts.ts";
import type { AudienceSettings } from "../settings.ts";
import { stageCutoffs } from "./lifecycle.ts";
import { QUINTILES, RFM_GRID_FLAT, type RfmBreakpoints } from "./rfm.ts";

/**
 * RFM scores and lifecycle stages for a whole brand in a few set-based statements: the data stays in the database
 * and nothing per member passes through the application. The SQL here mirrors the pure rules in rfm.ts and
 * lifecycle.ts (same cutoffs, same breakpoint formula, the same grid array); a specification holds them equal.
 * Stage and importance changes go to the transaction's change log (see changes.ts); a member's first
 * classification is a baseline, not a change.
 */

const DAY_MS = 86_400_000;

export interface ScoresReport {
  members: number;
  scored_members: number;
  stage_changes: number;
  breakpoints: RfmBreakpoints;
}

/** `1 + (v > b1) + …` (higher is better) or `5 − (v > b1) − …`: the pure score formula, breakpoints as parameters. */
export function scoreSql(
  value: RawBuilder<unknown>,
  breakpoints: readonly number[],
  lowerIsBetter: boolean,
): RawBuilder<number> {
  const above =
    breakpoints.length === 0
      ? sql`0`
      : sql.join(
          breakpoints.map((b) => sql`(${value} > ${b}::float8)::int`),
          sql` + `,
        );
  return lowerIsBetter ? sql<number>`(5 - (${above}))` : sql<number>`(1 + (${above}))`;
}

export function stageSql(now: Date, settings: AudienceSettings): RawBuilder<string> {
  const cut = stageCutoffs(now, settings.stages);
  return sql<string>`CASE
    WHEN i.orders_count = 0 OR i.last_order_at IS NULL OR i.first_order_at IS NULL THEN 'prospect'
    WHEN i.last_order_at <= ${cut.lost_at.toISOString()}::timestamptz THEN 'lost'
    WHEN i.last_order_at <= ${cut.silent_at.toISOString()}::timestamptz THEN 'silent'
    WHEN i.first_order_at >= ${cut.new_since.toISOString()}::timestamptz THEN 'new'
    ELSE 'active' END`;
}

export async function recomputeScores(
  tx: Executor,
  tenantId: string,
  settings: AudienceSettings,
  now: Date,
): Promise<ScoresReport> {
  const windowStart = new Date(now.getTime() - settings.rfm_window_days * DAY_MS);
  await sql`DROP TABLE IF EXISTS audience_rfm_input`.execute(tx);
  await sql`CREATE TEMP TABLE audience_rfm_input ON COMMIT DROP AS
    SELECT f.member_id, f.orders_count, f.first_order_at, f.last_order_at,
      COALESCE(w.frequency, 0) AS frequency, COALESCE(w.monetary_minor, 0)::bigint AS monetary_minor,
      floor(extract(epoch FROM (${now.toISOString()}::timestamptz - f.last_order_at)) / 86400)::int AS recency_days
    FROM audience_member_facts f
    LEFT JOIN ${windowPurchases(tenantId, windowStart, now, { all: true })} w ON w.member_id = f.member_id
    WHERE f.tenant_id = ${tenantId}`.execute(tx);

  const quintiles = [...QUINTILES];
  const bp = await sql<{ r: number[] | null; f: number[] | null; m: number[] | null; scored: number }>`
    SELECT (percentile_disc(${quintiles}::float8[]) WITHIN GROUP (ORDER BY recency_days))::float8[] AS r,
           (percentile_disc(${quintiles}::float8[]) WITHIN GROUP (ORDER BY frequency))::float8[] AS f,
           (percentile_disc(${quintiles}::float8[]) WITHIN GROUP (ORDER BY monetary_minor))::float8[] AS m,
           count(*)::int AS scored
    FROM audience_rfm_input WHERE frequency > 0`.execute(tx);
  const row = bp.rows[0];
  const breakpoints: RfmBreakpoints = {
    recency_days: row?.r ?? [],
    frequency: row?.f ?? [],
    monetary: row?.m ?? [],
  };

  const imp = settings.important;
  await sql`DROP TABLE IF EXISTS audience_scored`.execute(tx);
  await sql`CREATE TEMP TABLE audience_scored ON COMMIT DROP AS
    SELECT i.member_id, i.frequency, i.monetary_minor, sc.r_score, sc.f_score, sc.m_score,
      (${[...RFM_GRID_FLAT]}::text[])[(sc.r_score - 1) * 5 + sc.f_score] AS rfm_group,
      ${stageSql(now, settings)} AS stage,
      COALESCE(sc.r_score >= ${imp.min_r_score} AND sc.f_score >= ${imp.min_f_score} AND sc.m_score >= ${imp.min_m_score}, false) AS important
    FROM audience_rfm_input i
    CROSS JOIN LATERAL (SELECT
      CASE WHEN i.frequency > 0 THEN ${scoreSql(sql`i.recency_days`, breakpoints.recency_days, true)} END AS r_score,
      CASE WHEN i.frequency > 0 THEN ${scoreSql(sql`i.frequency`, breakpoints.frequency, false)} END AS f_score,
      CASE WHEN i.frequency > 0 THEN ${scoreSql(sql`i.monetary_minor`, breakpoints.monetary, false)} END AS m_score) sc`.execute(
    tx,
  );

  // Statistics before it is joined: with the stored scores below, and in the delete of departed members' scores.
  await sql`ANALYZE audience_scored`.execute(tx);

  const at = now.toISOString();
  // What moved, in one hash join of the new scores with the stored ones: the events, the history and the upsert
  // below read only these rows (on a steady night a small share of the base) instead of joining the base again
  // three times and probing the primary key once per member.
  await sql`DROP TABLE IF EXISTS audience_score_moves`.execute(tx);
  await sql`CREATE TEMP TABLE audience_score_moves ON COMMIT DROP AS
    SELECT n.*, s.member_id IS NOT NULL AS existed, s.stage AS old_stage, s.important AS old_important
    FROM audience_scored n
    LEFT JOIN audience_member_scores s ON s.tenant_id = ${tenantId} AND s.member_id = n.member_id
    WHERE s.member_id IS NULL
       OR (s.frequency, s.monetary_minor, s.r_score, s.f_score, s.m_score, s.stage, s.important)
          IS DISTINCT FROM (n.frequency, n.monetary_minor, n.r_score, n.f_score, n.m_score, n.stage, n.important)`.execute(
    tx,
  );
  const stageChanges = await sql`
    INSERT INTO audience_changes (type, member_id, payload)
    SELECT 'member.stage_changed', n.member_id,
      jsonb_build_object('member_id', n.member_id, 'from', n.old_stage, 'to', n.stage, 'important', n.important)
    FROM audience_score_moves n
    WHERE n.existed AND n.old_stage <> n.stage`.execute(tx);
  await sql`
    INSERT INTO audience_changes (type, member_id, payload)
    SELECT 'member.importance_changed', n.member_id, jsonb_build_object('member_id', n.member_id, 'important', n.important)
    FROM audience_score_moves n
    WHERE n.existed AND n.old_important <> n.important`.execute(tx);
  await sql`
    INSERT INTO audience_stage_history (tenant_id, member_id, changed_at, from_stage, to_stage)
    SELECT ${tenantId}, n.member_id, ${at}::timestamptz, n.old_stage, n.stage
    FROM audience_score_moves n
    WHERE n.existed AND n.old_stage <> n.stage
    ON CONFLICT DO NOTHING`.execute(tx);

  await sql`
    INSERT INTO audience_member_scores (tenant_id, member_id, frequency, monetary_minor, r_score, f_score, m_score,
      rfm_group, stage, stage_since, important, computed_at)
    SELECT ${tenantId}, n.member_id, n.frequency, n.monetary_minor, n.r_score, n.f_score, n.m_score, n.rfm_group,
      n.stage, ${at}::timestamptz, n.important, ${at}::timestamptz
    FROM audience_score_moves n
    ON CONFLICT (tenant_id, member_id) DO UPDATE SET
      frequency = EXCLUDED.frequency, monetary_minor = EXCLUDED.monetary_minor, r_score = EXCLUDED.r_score,
      f_score = EXCLUDED.f_score, m_score = EXCLUDED.m_score, rfm_group = EXCLUDED.rfm_group, stage = EXCLUDED.stage,
      stage_since = CASE WHEN audience_member_scores.stage = EXCLUDED.stage THEN audience_member_scores.stage_since
                         ELSE EXCLUDED.stage_since END,
      important = EXCLUDED.important, computed_at = EXCLUDED.computed_at
    WHERE (audience_member_scores.frequency, audience_member_scores.monetary_minor, audience_member_scores.r_score,
           audience_member_scores.f_score, audience_member_scores.m_score, audience_member_scores.stage,
           audience_member_scores.important)
      IS DISTINCT FROM (EXCLUDED.frequency, EXCLUDED.monetary_minor, EXCLUDED.r_score, EXCLUDED.f_score,
           EXCLUDED.m_score, EXCLUDED.stage, EXCLUDED.important)`.execute(tx);
  // Members without facts (audience_scored holds exactly those with facts, read in this transaction): against the
  // analysed temp table, not the facts table, whose statistics may predate its filling (a bad anti-join plan).
  await sql`DELETE FROM audience_member_scores s WHERE s.tenant_id = ${tenantId}
    AND NOT EXISTS (SELECT 1 FROM audience_scored n WHERE n.member_id = s.member_id)`.execute(tx);

  await tx
    .insertInto("audience_rfm_runs")
    .values({
      tenant_id: tenantId,
      window_days: settings.rfm_window_days,
      recency_days_breakpoints: breakpoints.recency_days,
      frequency_breakpoints: breakpoints.frequency,
      monetary_breakpoints: breakpoints.monetary,
      scored_members: row?.scored ?? 0,
      computed_at: now,
    })
    .onConflict((oc) =>
      oc.column("tenant_id").doUpdateSet((eb) => ({
        window_days: eb.ref("excluded.window_days"),
        recency_days_breakpoints: eb.ref("excluded.recency_days_breakpoints"),
        frequency_breakpoints: eb.ref("excluded.frequency_breakpoints"),
        monetary_breakpoints: eb.ref("excluded.monetary_breakpoints"),
        scored_members: eb.ref("excluded.scored_members"),
        computed_at: eb.ref("excluded.computed_at"),
      })),
    )
    .execute();
  const members = await sql<{ n: number }>`SELECT count(*)::int AS n FROM audience_scored`.execute(tx);
  return {
    members: members.rows[0]?.n ?? 0,
    scored_members: row?.scored ?? 0,
    stage_changes: Number(stageChanges.numAffectedRows ?? 0),
    breakpoints,
  };
}
