import { type RawBuilder, sql } from "kysely";
import type { Executor } from "../../platform/db/database.ts";
import type { AudienceEvent } from "../changes.ts";
import { windowPurchases } from "../facts.ts";
import type { AudienceSettings } from "../settings.ts";
import type { RfmGroupName, Stage } from "../tables.ts";
import { recencyDays, stageOf } from "./lifecycle.ts";
import { isImportant, type RfmBreakpoints, scoreRfm } from "./rfm.ts";

/**
 * Re-scores a few members between batch runs (after their orders changed), with the pure rules and the
 * breakpoints of the last batch run, so they land on the same scale as everyone else. Before the first batch run
 * there are no breakpoints: the stage is still kept current, the RFM scores stay empty.
 */

const DAY_MS = 86_400_000;

/** What re-scoring reads per member: its purchase history, window purchases, stored scores, last run's breakpoints. */
export interface RescoreInput {
  member_id: string;
  orders_count: number;
  first_order_at: Date | null;
  last_order_at: Date | null;
  frequency: number;
  monetary_minor: number;
  scored: boolean;
  s_frequency: number | null;
  s_monetary_minor: number | null;
  r_score: number | null;
  f_score: number | null;
  m_score: number | null;
  rfm_group: RfmGroupName | null;
  stage: Stage | null;
  stage_since: Date | null;
  important: boolean | null;
  recency_days_breakpoints: number[] | null;
  frequency_breakpoints: number[] | null;
  monetary_breakpoints: number[] | null;
}

/**
 * The re-scoring read as one relation over `facts` (audience_member_facts, or the CTE of facts just computed in the
 * same statement: see refreshFactsAnd).
 */
export function rescoreInput(
  tenantId: string,
  memberIds: readonly string[],
  settings: AudienceSettings,
  now: Date,
  facts: RawBuilder<unknown> = sql`audience_member_facts`,
): RawBuilder<RescoreInput> {
  const ids = [...new Set(memberIds)];
  const windowStart = new Date(now.getTime() - settings.rfm_window_days * DAY_MS);
  return sql<RescoreInput>`
    SELECT f.member_id, f.orders_count, f.first_order_at, f.last_order_at,
      COALESCE(w.frequency, 0) AS frequency, COALESCE(w.monetary_minor, 0)::bigint AS monetary_minor,
      s.member_id IS NOT NULL AS scored, s.frequency AS s_frequency, s.monetary_minor AS s_monetary_minor,
      s.r_score, s.f_score, s.m_score, s.rfm_group, s.stage, s.stage_since, s.important,
      r.recency_days_breakpoints, r.frequency_breakpoints, r.monetary_breakpoints
    FROM ${facts} f
    LEFT JOIN ${windowPurchases(tenantId, windowStart, now, { ids })} w ON w.member_id = f.member_id
    LEFT JOIN audience_member_scores s ON s.tenant_id = f.tenant_id AND s.member_id = f.member_id
    LEFT JOIN audience_rfm_runs r ON r.tenant_id = f.tenant_id
    WHERE f.tenant_id = ${tenantId} AND f.member_id = ANY(${ids}::text[])`;
}

export async function rescoreMembers(
  tx: Executor,
  tenantId: string,
  memberIds: readonly string[],
  settings: AudienceSettings,
  now: Date,
): Promise<{ events: AudienceEvent[]; changed: number }> {
  if (memberIds.length === 0) return { events: [], changed: 0 };
  const input = await rescoreInput(tenantId, memberIds, settings, now).execute(tx);
  return applyRescore(tx, tenantId, memberIds, input.rows, settings, now);
}

/** Scores the members from what rescoreInput read, and writes what moved (scores, stage history). */
export async function applyRescore(
  tx: Executor,
  tenantId: string,
  memberIds: readonly string[],
  rows: readonly RescoreInput[],
  settings: AudienceSettings,
  now: Date,
): Promise<{ events: AudienceEvent[]; changed: number }> {
  const ids = [...new Set(memberIds)];
  const events: AudienceEvent[] = [];
  const upserts = [];
  const history = [];
  for (const f of rows) {
    const frequency = f.frequency;
    const monetary = Number(f.monetary_minor);
    const breakpoints: RfmBreakpoints | undefined =
      f.recency_days_breakpoints && f.frequency_breakpoints && f.monetary_breakpoints
        ? {
            recency_days: f.recency_days_breakpoints,
            frequency: f.frequency_breakpoints,
            monetary: f.monetary_breakpoints,
          }
        : undefined;
    const rfm =
      breakpoints && f.last_order_at
        ? scoreRfm(
            { recency_days: recencyDays(f.last_order_at, now), frequency, monetary_minor: monetary },
            breakpoints,
          )
        : undefined;
    const stage = stageOf(f, now, settings.stages);
    const important = isImportant(rfm, settings.important);
    const before =
      f.scored && f.stage !== null && f.stage_since !== null
        ? {
            frequency: f.s_frequency,
            monetary_minor: f.s_monetary_minor,
            r_score: f.r_score,
            f_score: f.f_score,
            m_score: f.m_score,
            rfm_group: f.rfm_group,
            stage: f.stage,
            important: f.important,
            stage_since: f.stage_since,
          }
        : undefined;
    const next = {
      frequency,
      monetary_minor: monetary,
      r_score: rfm?.r_score ?? null,
      f_score: rfm?.f_score ?? null,
      m_score: rfm?.m_score ?? null,
      rfm_group: rfm?.rfm_group ?? null,
      stage,
      important,
    };
    if (before) {
      const unchanged = (Object.keys(next) as (keyof typeof next)[]).every((k) => before[k] === next[k]);
      if (unchanged) continue;
      if (before.stage !== stage) {
        events.push({
          type: "member.stage_changed",
          member_id: f.member_id,
          payload: { member_id: f.member_id, from: before.stage, to: stage, important },
        });
        history.push({
          tenant_id: tenantId,
          member_id: f.member_id,
          changed_at: now,
          from_stage: before.stage,
          to_stage: stage,
        });
      }
      if (before.important !== important) {
        events.push({
          type: "member.importance_changed",
          member_id: f.member_id,
          payload: { member_id: f.member_id, important },
        });
      }
    }
    const since = before && before.stage === stage ? before.stage_since : now;
    upserts.push({
      tenant_id: tenantId,
      member_id: f.member_id,
      ...next,
      stage_since: since,
      computed_at: now,
    });
  }
  if (upserts.length > 0) {
    await tx
      .insertInto("audience_member_scores")
      .values(upserts)
      .onConflict((oc) =>
        oc.columns(["tenant_id", "member_id"]).doUpdateSet((eb) => ({
          frequency: eb.ref("excluded.frequency"),
          monetary_minor: eb.ref("excluded.monetary_minor"),
          r_score: eb.ref("excluded.r_score"),
          f_score: eb.ref("excluded.f_score"),
          m_score: eb.ref("excluded.m_score"),
          rfm_group: eb.ref("excluded.rfm_group"),
          stage: eb.ref("excluded.stage"),
          stage_since: eb.ref("excluded.stage_since"),
          important: eb.ref("excluded.important"),
          computed_at: eb.ref("excluded.computed_at"),
        })),
      )
      .execute();
  }
  if (history.length > 0)
    await tx
      .insertInto("audience_stage_history")
      .values(history)
      .onConflict((oc) => oc.doNothing())
      .execute();
  const gone = ids.filter((id) => !rows.some((f) => f.member_id === id));
  if (gone.length > 0) {
    await tx
      .deleteFrom("audience_member_scores")
      .where("tenant_id", "=", tenantId)
      .where("member_id", "in", gone)
      .execute();
  }
  return { events, changed: upserts.length + gone.length };
}
