import { sql } from "kysely";
import { memberScope } from "../members/service.ts";
import type { Principal } from "../platform/auth/principal.ts";
import type { Executor } from "../platform/db/database.ts";
import type { MemberStats } from "./rules.ts";

/**
 * The only place tiers read other capabilities' data, read-only: growth postings and orders (points, orders)
 * for qualification windows, and the member list (members) for batching and counting. Kept in one file so it
 * can move behind the points and orders services once they offer windowed totals.
 */

export interface StatsWindow {
  member_id: string;
  /** Inclusive bounds; windows end at "now", and an order placed at that instant counts. */
  from: Date;
  to: Date;
}

/**
 * Growth, spend and order count per window, one statement for any number of windows (a member may appear with
 * several: the qualification window and the retention window). Results are in the order of `windows`.
 * Growth is the sum of the member's growth postings, refund reversals included; spend is paid less refunded
 * on orders that were not cancelled; an order counts unless it was refunded in full.
 */
export async function memberStatsInWindow(
  db: Executor,
  tenantId: string,
  windows: readonly StatsWindow[],
  /** The metrics the caller's thresholds use; a ladder on growth alone reads no orders (most of the cost). */
  needs: { growth: boolean; orders: boolean } = { growth: true, orders: true },
): Promise<MemberStats[]> {
  if (windows.length === 0) return [];
  const growth = needs.growth
    ? sql`COALESCE((
        SELECT sum(e.amount) FROM ledger_entries e
        WHERE e.tenant_id = ${tenantId} AND e.member_id = w.member_id AND e.currency = 'growth'
          AND e.occurred_at >= w.from_at AND e.occurred_at <= w.to_at
      ), 0)::bigint`
    : sql`0::bigint`;
  const orders = needs.orders
    ? sql`LEFT JOIN LATERAL (
      SELECT sum(o.paid_minor - o.refunded_minor) AS spend_minor,
             count(*) FILTER (WHERE o.refunded_minor < o.paid_minor) AS orders
      FROM orders o
      WHERE o.tenant_id = ${tenantId} AND o.member_id = w.member_id
        AND o.status IN ('paid', 'completed', 'refunded')
        AND o.ordered_at >= w.from_at AND o.ordered_at <= w.to_at
    ) o ON true`
    : sql`LEFT JOIN (SELECT NULL::bigint AS spend_minor, NULL::bigint AS orders) o ON true`;
  // One array per column, not a VALUES list: the text is the same for any number of windows, so it is prepared
  // once per connection, and thousands of windows bind as four parameters.
  const result = await sql<{ idx: number; growth: number; spend_minor: number; orders: number }>`
    SELECT w.idx, ${growth} AS growth,
      COALESCE(o.spend_minor, 0)::bigint AS spend_minor,
      COALESCE(o.orders, 0)::bigint AS orders
    FROM unnest(
      ${windows.map((_, i) => i)}::int[], ${windows.map((w) => w.member_id)}::text[],
      ${windows.map((w) => w.from.toISOString())}::timestamptz[], ${windows.map((w) => w.to.toISOString())}::timestamptz[]
    ) AS w (idx, member_id, from_at, to_at)
    ${orders}`.execute(db);
  const byIndex = new Map(result.rows.map((r) => [Number(r.idx), r]));
  return windows.map((_, i) => {
    const row = byIndex.get(i);
    return {
      growth: Number(row?.growth ?? 0),
      spend_minor: Number(row?.spend_minor ?? 0),
      orders: Number(row?.orders ?? 0),
    };
  });
}

/** The next batch of members to re-evaluate, in id order: every member but merged and erased ones. */
export async function membersToEvaluate(
  db: Executor,
  tenantId: string,
  afterMemberId: string | undefined,
  limit: number,
): Promise<string[]> {
  let query = db
    .selectFrom("members")
    .select("member_id")
    .where("tenant_id", "=", tenantId)
    .where("status", "not in", ["merged", "erased"]);
  if (afterMemberId !== undefined) query = query.where("member_id", ">", afterMemberId);
  const rows = await query.orderBy("member_id").limit(limit).execute();
  return rows.map((r) => r.member_id);
}

export interface TierCounts {
  members_total: number;
  /** Members per free tier id; null: no row, the starting tier. */
  free: Map<string | null, number>;
  /** Members with a live subscription per paid tier id. */
  paid: Map<string, number>;
}

/** Active members per tier, within what the caller may see (a store manager counts their stores' members). */
export async function tierCounts(
  db: Executor,
  tenantId: string,
  now: Date,
  principal: Principal | undefined,
): Promise<TierCounts> {
  const free = await db
    .selectFrom("members")
    .leftJoin("member_tiers", (join) =>
      join
        .onRef("member_tiers.tenant_id", "=", "members.tenant_id")
        .onRef("member_tiers.member_id", "=", "members.member_id"),
    )
    .select(["member_tiers.free_tier_id", (eb) => eb.fn.countAll<number>().as("members")])
    .where("members.tenant_id", "=", tenantId)
    .where("members.status", "=", "active")
    .where(memberScope(principal))
    .groupBy("member_tiers.free_tier_id")
    .execute();
  const paid = await db
    .selectFrom("tier_subscriptions as s")
    .innerJoin("tier_plans as p", (join) =>
      join.onRef("p.tenant_id", "=", "s.tenant_id").onRef("p.plan_id", "=", "s.plan_id"),
    )
    .innerJoin("members", (join) =>
      join.onRef("members.tenant_id", "=", "s.tenant_id").onRef("members.member_id", "=", "s.member_id"),
    )
    .select(["p.tier_id", (eb) => eb.fn.count<number>("s.member_id").distinct().as("members")])
    .where("s.tenant_id", "=", tenantId)
    .where("s.status", "in", ["trial", "active"])
    .where("s.starts_at", "<=", now)
    .where("s.ends_at", ">", now)
    .where("members.status", "=", "active")
    .where(memberScope(principal))
    .groupBy("p.tier_id")
    .execute();
  const freeCounts = new Map<string | null, number>();
  let total = 0;
  for (const row of free) {
    const count = Number(row.members);
    total += count;
    freeCounts.set(row.free_tier_id ?? null, (freeCounts.get(row.free_tier_id ?? null) ?? 0) + count);
  }
  return {
    members_total: total,
    free: freeCounts,
    paid: new Map(paid.map((r) => [r.tier_id, Number(r.members)])),
  };
}
