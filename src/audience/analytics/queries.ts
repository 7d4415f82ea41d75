import { sql } from "kysely";
import { DateTime } from "luxon";
import type { Executor } from "../../platform/db/database.ts";
import { cardMembers, pointsMovements, sales } from "../facts.ts";
import type { Period } from "./period.ts";

/**
 * Member analytics, each metric one or two set-based queries over the relations facts.ts exposes and the
 * audience's own tables. The formulas are in docs/analytics.md; names here follow them.
 */

const share = (part: number, whole: number) => (whole > 0 ? part / whole : null);
const local = (p: Period) => ({
  from: sql`${p.from}::timestamp`,
  to: sql`${p.to}::timestamp`,
  tz: p.time_zone,
  unit: p.interval,
});

function periods(p: Period) {
  const { from, to, unit } = local(p);
  return sql`SELECT generate_series(date_trunc(${unit}, ${from}), ${to}, ('1 ' || ${unit})::interval) AS period`;
}

/** Joins per period and the card-holding members at each period's end. */
export async function membershipSeries(db: Executor, tenantId: string, p: Period) {
  const { tz, unit } = local(p);
  const rows = await sql<{ period: string; joined: number; members: number }>`
    WITH periods AS (${periods(p)}),
    joined AS (
      SELECT date_trunc(${unit}, m.joined_at AT TIME ZONE ${tz}) AS period, count(*)::int AS joined
      FROM ${cardMembers(tenantId)} m
      WHERE m.joined_at >= ${p.start.toISOString()}::timestamptz AND m.joined_at < ${p.end.toISOString()}::timestamptz
      GROUP BY 1),
    before AS (SELECT count(*)::int AS n FROM ${cardMembers(tenantId)} m WHERE m.joined_at < ${p.start.toISOString()}::timestamptz)
    SELECT to_char(ps.period, 'YYYY-MM-DD') AS period, COALESCE(j.joined, 0) AS joined,
      ((SELECT n FROM before) + sum(COALESCE(j.joined, 0)) OVER (ORDER BY ps.period))::int AS members
    FROM periods ps LEFT JOIN joined j ON j.period = ps.period ORDER BY ps.period`.execute(db);
  return rows.rows.map((r) => ({ ...r, growth_rate: share(r.joined, r.members - r.joined) }));
}

/** Stage moves recorded in the period, by from → to. */
export async function stageTransitions(db: Executor, tenantId: string, p: Period) {
  const rows = await sql<{ from_stage: string; to_stage: string; members: number }>`
    SELECT from_stage, to_stage, count(*)::int AS members FROM audience_stage_history
    WHERE tenant_id = ${tenantId} AND changed_at >= ${p.start.toISOString()}::timestamptz AND changed_at < ${p.end.toISOString()}::timestamptz
    GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2`.execute(db);
  return rows.rows.map((r) => ({ from: r.from_stage, to: r.to_stage, members: r.members }));
}

/** Sales in the period: member contribution, repurchase, order value and frequency, by tier, channel and store. */
export async function salesReport(db: Executor, tenantId: string, p: Period) {
  const s = sales(tenantId, p.start, p.end);
  const totals = await sql<{
    orders: number;
    sales_minor: number;
    member_orders: number;
    member_sales_minor: number;
    buyers: number;
    repeat_buyers: number;
  }>`
    WITH s AS ${s},
    buyers AS (SELECT member_id, count(*) AS n FROM s WHERE member_id IS NOT NULL GROUP BY member_id)
    SELECT count(*)::int AS orders, COALESCE(sum(value_minor), 0)::float8 AS sales_minor,
      count(*) FILTER (WHERE member_id IS NOT NULL)::int AS member_orders,
      COALESCE(sum(value_minor) FILTER (WHERE member_id IS NOT NULL), 0)::float8 AS member_sales_minor,
      (SELECT count(*) FROM buyers)::int AS buyers, (SELECT count(*) FROM buyers WHERE n >= 2)::int AS repeat_buyers
    FROM s`.execute(db);
  const t = totals.rows[0] ?? {
    orders: 0,
    sales_minor: 0,
    member_orders: 0,
    member_sales_minor: 0,
    buyers: 0,
    repeat_buyers: 0,
  };
  const byTier = await sql<{ tier_code: string | null; buyers: number; orders: number; sales_minor: number }>`
    WITH s AS ${s}
    SELECT f.tier_code, count(DISTINCT s.member_id)::int AS buyers, count(*)::int AS orders, COALESCE(sum(s.value_minor), 0)::float8 AS sales_minor
    FROM s JOIN audience_member_facts f ON f.tenant_id = ${tenantId} AND f.member_id = s.member_id
    GROUP BY f.tier_code ORDER BY 4 DESC`.execute(db);
  const breakdown = async (
    saleColumn: "channel" | "store_id",
    joinColumn: "join_channel" | "join_store_id",
  ) =>
    (
      await sql<{
        key: string | null;
        joins: number;
        orders: number;
        sales_minor: number;
        member_sales_minor: number;
      }>`
      WITH s AS ${s},
      j AS (SELECT COALESCE(${sql.ref(`m.${joinColumn}`)}, '') AS key, count(*)::int AS joins FROM ${cardMembers(tenantId)} m
            WHERE m.joined_at >= ${p.start.toISOString()}::timestamptz AND m.joined_at < ${p.end.toISOString()}::timestamptz GROUP BY 1),
      o AS (SELECT COALESCE(${sql.ref(`s.${saleColumn}`)}, '') AS key, count(*)::int AS orders, COALESCE(sum(value_minor), 0)::float8 AS sales_minor,
              COALESCE(sum(value_minor) FILTER (WHERE member_id IS NOT NULL), 0)::float8 AS member_sales_minor FROM s GROUP BY 1)
      -- A FULL JOIN needs a hashable condition: "no store" travels as '' and comes back as null.
      SELECT NULLIF(COALESCE(o.key, j.key), '') AS key, COALESCE(j.joins, 0) AS joins, COALESCE(o.orders, 0) AS orders,
        COALESCE(o.sales_minor, 0) AS sales_minor, COALESCE(o.member_sales_minor, 0) AS member_sales_minor
      FROM o FULL JOIN j ON o.key = j.key ORDER BY 4 DESC, 2 DESC`.execute(db)
    ).rows;
  return {
    orders: t.orders,
    sales_minor: t.sales_minor,
    member_orders: t.member_orders,
    member_sales_minor: t.member_sales_minor,
    member_contribution: share(t.member_sales_minor, t.sales_minor),
    buyers: t.buyers,
    repeat_buyers: t.repeat_buyers,
    repurchase_rate: share(t.repeat_buyers, t.buyers),
    average_order_value_minor: share(t.member_sales_minor, t.member_orders),
    purchase_frequency: share(t.member_orders, t.buyers),
    by_tier: byTier.rows.map((r) => ({
      ...r,
      average_order_value_minor: share(r.sales_minor, r.orders),
      purchase_frequency: share(r.orders, r.buyers),
    })),
    by_channel: (await breakdown("channel", "join_channel")).map(({ key, ...r }) => ({ channel: key, ...r })),
    by_store: (await breakdown("store_id", "join_store_id")).map(({ key, ...r }) => ({
      store_id: key,
      ...r,
    })),
  };
}

/** Points issued, redeemed, expired, reversed and adjusted per period (the liability now comes from points). */
export async function pointsSeries(db: Executor, tenantId: string, p: Period) {
  const { tz, unit } = local(p);
  const rows = await sql<{
    period: string;
    issued: number;
    redeemed: number;
    expired: number;
    reversed: number;
    adjusted: number;
  }>`
    WITH periods AS (${periods(p)}),
    moves AS (
      SELECT date_trunc(${unit}, e.occurred_at AT TIME ZONE ${tz}) AS period,
        COALESCE(sum(e.amount) FILTER (WHERE e.kind = 'earn'), 0) AS issued,
        COALESCE(-sum(e.amount) FILTER (WHERE e.kind = 'spend'), 0) AS redeemed,
        COALESCE(-sum(e.amount) FILTER (WHERE e.kind = 'expire'), 0) AS expired,
        COALESCE(-sum(e.amount) FILTER (WHERE e.kind = 'reverse'), 0) AS reversed,
        COALESCE(sum(e.amount) FILTER (WHERE e.kind = 'adjust'), 0) AS adjusted
      FROM ${pointsMovements(tenantId, p.start, p.end)} e GROUP BY 1)
    SELECT to_char(ps.period, 'YYYY-MM-DD') AS period, COALESCE(m.issued, 0)::float8 AS issued, COALESCE(m.redeemed, 0)::float8 AS redeemed,
      COALESCE(m.expired, 0)::float8 AS expired, COALESCE(m.reversed, 0)::float8 AS reversed, COALESCE(m.adjusted, 0)::float8 AS adjusted
    FROM periods ps LEFT JOIN moves m ON m.period = ps.period ORDER BY ps.period`.execute(db);
  return rows.rows;
}

/** Cohort retention: of the members who joined in a month, the share who bought in each month since. */
export async function cohortRetention(
  db: Executor,
  tenantId: string,
  months: number,
  timeZone: string,
  now: Date,
) {
  const startOfFirstMonth = DateTime.fromJSDate(now, { zone: timeZone })
    .startOf("month")
    .minus({ months: months - 1 })
    .toJSDate();
  const sizes = await sql<{ cohort: string; members: number }>`
    SELECT to_char(date_trunc('month', m.joined_at AT TIME ZONE ${timeZone}), 'YYYY-MM') AS cohort, count(*)::int AS members
    FROM ${cardMembers(tenantId)} m WHERE m.joined_at >= ${startOfFirstMonth.toISOString()}::timestamptz GROUP BY 1 ORDER BY 1`.execute(
    db,
  );
  const active = await sql<{ cohort: string; month: number; members: number }>`
    WITH c AS (SELECT m.member_id, date_trunc('month', m.joined_at AT TIME ZONE ${timeZone}) AS cohort
               FROM ${cardMembers(tenantId)} m WHERE m.joined_at >= ${startOfFirstMonth.toISOString()}::timestamptz),
    p AS (SELECT DISTINCT s.member_id, date_trunc('month', s.ordered_at AT TIME ZONE ${timeZone}) AS month
          FROM ${sales(tenantId, startOfFirstMonth, now)} s WHERE s.member_id IS NOT NULL)
    SELECT to_char(c.cohort, 'YYYY-MM') AS cohort,
      ((date_part('year', p.month) - date_part('year', c.cohort)) * 12 + date_part('month', p.month) - date_part('month', c.cohort))::int AS month,
      count(DISTINCT c.member_id)::int AS members
    FROM c JOIN p ON p.member_id = c.member_id AND p.month >= c.cohort
    GROUP BY 1, 2`.execute(db);
  const first = DateTime.fromJSDate(startOfFirstMonth, { zone: timeZone });
  return Array.from({ length: months }, (_, i) => {
    const cohort = first.plus({ months: i }).toFormat("yyyy-MM");
    const size = sizes.rows.find((c) => c.cohort === cohort)?.members ?? 0;
    // Month 0 is the month of joining; the current month is the last one observed (so far).
    const observed = months - i;
    const retention = Array.from({ length: observed }, (_, k) => {
      const members = active.rows.find((a) => a.cohort === cohort && a.month === k)?.members ?? 0;
      return { month: k, members, rate: share(members, size) };
    });
    return { cohort, members: size, retention };
  });
}

const PERCENTILES = [0.1, 0.25, 0.5, 0.75, 0.9, 0.99];
const BINS = 10;

/** Predicted 365-day value across purchasers: totals, percentiles, a histogram; and P(alive) in tenths. */
export async function ltvDistribution(db: Executor, tenantId: string) {
  const summary = await sql<{
    members: number;
    total: number | null;
    mean: number | null;
    percentiles: number[] | null;
  }>`
    SELECT count(*)::int AS members, sum(predicted_value_365d_minor)::float8 AS total, avg(predicted_value_365d_minor)::float8 AS mean,
      percentile_cont(${PERCENTILES}::float8[]) WITHIN GROUP (ORDER BY predicted_value_365d_minor) AS percentiles
    FROM audience_member_ltv WHERE tenant_id = ${tenantId} AND predicted_value_365d_minor IS NOT NULL`.execute(
    db,
  );
  const row = summary.rows[0];
  const top = row?.percentiles?.[PERCENTILES.length - 1] ?? 0;
  const histogram =
    top > 0
      ? (
          await sql<{ bin: number; members: number }>`
        SELECT width_bucket(predicted_value_365d_minor, 0, ${top}::float8, ${BINS}) AS bin, count(*)::int AS members
        FROM audience_member_ltv WHERE tenant_id = ${tenantId} AND predicted_value_365d_minor IS NOT NULL GROUP BY 1 ORDER BY 1`.execute(
            db,
          )
        ).rows
      : [];
  const alive = await sql<{ bin: number; members: number }>`
    SELECT LEAST(width_bucket(p_alive, 0, 1, ${BINS}), ${BINS}) AS bin, count(*)::int AS members
    FROM audience_member_ltv WHERE tenant_id = ${tenantId} GROUP BY 1 ORDER BY 1`.execute(db);
  const width = top / BINS;
  return {
    members: row?.members ?? 0,
    total_predicted_value_365d_minor: row?.total ?? 0,
    mean_predicted_value_365d_minor: row?.mean ?? null,
    percentiles: PERCENTILES.map((q, i) => ({ q, value_minor: row?.percentiles?.[i] ?? null })),
    histogram: histogram.map((h) => ({
      from_minor: h.bin === 0 ? 0 : (h.bin - 1) * width,
      to_minor: h.bin > BINS ? null : h.bin * width,
      members: h.members,
    })),
    p_alive: alive.rows.map((a) => ({ from: (a.bin - 1) / BINS, to: a.bin / BINS, members: a.members })),
  };
}
