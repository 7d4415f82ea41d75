import { sql } from "kysely";
import type { Principal } from "../../platform/auth/principal.ts";
import type { Executor } from "../../platform/db/database.ts";
import { STAGES } from "../conditions/fields.ts";
import { inScope } from "../facts.ts";
import { recencyDays } from "./lifecycle.ts";
import { RFM_GRID, type RfmGroup } from "./rfm.ts";

/** Reading scores: one member's, the RFM grid, the stage counts. Counts respect the caller's scope. */

export async function memberScores(db: Executor, tenantId: string, memberId: string, now: Date) {
  const row = await db
    .selectFrom("audience_member_facts as f")
    .leftJoin("audience_member_scores as s", (j) =>
      j.onRef("s.tenant_id", "=", "f.tenant_id").onRef("s.member_id", "=", "f.member_id"),
    )
    .leftJoin("audience_member_ltv as l", (j) =>
      j.onRef("l.tenant_id", "=", "f.tenant_id").onRef("l.member_id", "=", "f.member_id"),
    )
    .select([
      "f.last_order_at",
      "s.stage",
      "s.stage_since",
      "s.important",
      "s.r_score",
      "s.f_score",
      "s.m_score",
      "s.rfm_group",
      "s.frequency",
      "s.monetary_minor",
      "s.computed_at",
      "l.p_alive",
      "l.expected_purchases_90d",
      "l.expected_purchases_365d",
      "l.expected_order_value_minor",
      "l.predicted_value_365d_minor",
      "l.computed_at as ltv_computed_at",
    ])
    .where("f.tenant_id", "=", tenantId)
    .where("f.member_id", "=", memberId)
    .executeTakeFirst();
  const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);
  return {
    member_id: memberId,
    stage: row?.stage ?? null,
    stage_since: iso(row?.stage_since),
    important: row?.important ?? null,
    rfm: {
      r: row?.r_score ?? null,
      f: row?.f_score ?? null,
      m: row?.m_score ?? null,
      group: row?.rfm_group ?? null,
      recency_days: row?.last_order_at ? recencyDays(row.last_order_at, now) : null,
      frequency: row?.frequency ?? null,
      monetary_minor: row?.monetary_minor ?? null,
    },
    ltv:
      row?.p_alive === null || row?.p_alive === undefined
        ? null
        : {
            p_alive: row.p_alive,
            expected_purchases_90d: row.expected_purchases_90d ?? 0,
            expected_purchases_365d: row.expected_purchases_365d ?? 0,
            expected_order_value_minor: row.expected_order_value_minor ?? null,
            predicted_value_365d_minor: row.predicted_value_365d_minor ?? null,
            computed_at: iso(row.ltv_computed_at),
          },
    computed_at: iso(row?.computed_at),
  };
}

export async function rfmGrid(db: Executor, tenantId: string, principal: Principal | undefined) {
  const rows = await sql<{
    r: number | null;
    f: number | null;
    members: number;
    important: number;
    monetary_minor: number;
  }>`
    SELECT s.r_score AS r, s.f_score AS f, count(*)::int AS members, count(*) FILTER (WHERE s.important)::int AS important,
      COALESCE(sum(s.monetary_minor), 0)::float8 AS monetary_minor
    FROM audience_member_scores s JOIN audience_member_facts f ON f.tenant_id = s.tenant_id AND f.member_id = s.member_id
    WHERE s.tenant_id = ${tenantId} AND ${inScope(principal, tenantId, db)}
    GROUP BY s.r_score, s.f_score`.execute(db);
  const run = await db
    .selectFrom("audience_rfm_runs")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .executeTakeFirst();
  const cells = RFM_GRID.flatMap((row, ri) =>
    row.map((group, fi) => {
      const hit = rows.rows.find((x) => x.r === ri + 1 && x.f === fi + 1);
      return {
        r: ri + 1,
        f: fi + 1,
        group,
        members: hit?.members ?? 0,
        important: hit?.important ?? 0,
        monetary_minor: hit?.monetary_minor ?? 0,
      };
    }),
  );
  const groups = new Map<RfmGroup, number>();
  for (const c of cells) groups.set(c.group, (groups.get(c.group) ?? 0) + c.members);
  return {
    cells,
    groups: [...groups].map(([group, members]) => ({ group, members })),
    unscored: rows.rows.filter((x) => x.r === null).reduce((sum, x) => sum + x.members, 0),
    window_days: run?.window_days ?? null,
    breakpoints: run
      ? {
          recency_days: run.recency_days_breakpoints,
          frequency: run.frequency_breakpoints,
          monetary_minor: run.monetary_breakpoints,
        }
      : null,
    computed_at: run?.computed_at.toISOString() ?? null,
  };
}

export async function stageCounts(db: Executor, tenantId: string, principal: Principal | undefined) {
  const rows = await sql<{ stage: string; members: number; important: number }>`
    SELECT s.stage, count(*)::int AS members, count(*) FILTER (WHERE s.important)::int AS important
    FROM audience_member_scores s JOIN audience_member_facts f ON f.tenant_id = s.tenant_id AND f.member_id = s.member_id
    WHERE s.tenant_id = ${tenantId} AND ${inScope(principal, tenantId, db)}
    GROUP BY s.stage`.execute(db);
  return {
    stages: STAGES.map((stage) => ({
      stage,
      members: rows.rows.find((r) => r.stage === stage)?.members ?? 0,
    })),
    important: rows.rows.reduce((sum, r) => sum + r.important, 0),
  };
}
