import { type RawBuilder, sql } from "kysely";
import { memberScope } from "../members/service.ts";
import type { Principal } from "../platform/auth/principal.ts";
import type { Executor } from "../platform/db/database.ts";
import type { MemberFacts } from "./conditions/member.ts";

/**
 * The seam: every read of another capability's tables by the audience capability is in this file, read-only.
 * Tables read and why:
 * - members: attributes, join channel/store/scene, status, staff scope (via the members service's memberScope);
 * - orders, order_lines: purchases (count, spend, times, channels, stores, categories, SKUs) and windows of them;
 * - member_balances: points available and growth;
 * - member_tiers, tiers, tier_plans, tier_subscriptions: the effective tier's code;
 * - ledger_entries: points issued, redeemed and expired per period (analytics).
 * Everything else in src/audience reads only the audience_* tables. When those capabilities offer set-based
 * queries of their own, these functions move behind their services unchanged in shape.
 *
 * A purchase is an order of a member that was not cancelled and not refunded in full (status paid or completed);
 * its value is what was paid less what was refunded.
 */

/** Which members a set-based statement covers: all, a list, or those marked for re-evaluation (dirty.ts). */
export type MemberFilter =
  | { all: true }
  | { ids: readonly string[] }
  | { marked: true }
  /** Members with ids in (after, through]: a page in id order, which the member-leading indexes serve as a range. */
  | { after: string; through: string };

const PURCHASE = sql`o.status IN ('paid', 'completed') AND o.member_id IS NOT NULL`;

function memberIn(column: RawBuilder<unknown>, filter: MemberFilter, tenantId: string): RawBuilder<unknown> {
  if ("ids" in filter) return sql`AND ${column} = ANY(${[...filter.ids]}::text[])`;
  if ("marked" in filter) {
    return sql`AND ${column} IN (SELECT d.member_id FROM audience_dirty_members d WHERE d.tenant_id = ${tenantId})`;
  }
  if ("through" in filter) return sql`AND ${column} > ${filter.after} AND ${column} <= ${filter.through}`;
  return sql``;
}

/**
 * Orders with their lines. For a few members, a lateral join probes each order's lines by primary key (OFFSET 0
 * keeps the planner from flattening it back into a join it could run as a hash join over every line); for the whole
 * base (or every marked member, however many), a hash join reads both tables once.
 */
function ordersWithLines(filter: MemberFilter): RawBuilder<unknown> {
  return "ids" in filter
    ? sql`orders o CROSS JOIN LATERAL (SELECT l.* FROM order_lines l WHERE l.tenant_id = o.tenant_id AND l.order_id = o.order_id OFFSET 0) l`
    : sql`orders o JOIN order_lines l ON l.tenant_id = o.tenant_id AND l.order_id = o.order_id`;
}

const FACT_COLUMNS = [
  "status",
  "gender",
  "birthday",
  "region",
  "join_channel",
  "join_store_id",
  "scene_key",
  "home_store_id",
  "guide_id",
  "joined_at",
  "consent_sms",
  "consent_email",
  "consent_im",
  "attributes",
  "tier_code",
  "points_available",
  "growth",
  "orders_count",
  "spend_minor",
  "first_order_at",
  "last_order_at",
  "categories",
  "channels",
  "store_ids",
] as const;

/**
 * Each live member's facts, as columns named like audience_member_facts. Set-based: one pass over the members'
 * purchases and lines, joined by hash, whatever the number of members.
 */
export function factsSelect(tenantId: string, filter: MemberFilter, now: Date): RawBuilder<unknown> {
  // Hash aggregates only: no DISTINCT inside an aggregate, which would force sorted input and with it a walk of the
  // orders in member order (random reads). Distinct channels, stores and categories are grouped first.
  return sql`
    WITH purchases AS (
      SELECT o.member_id, count(*)::int AS orders_count, sum(o.paid_minor - o.refunded_minor)::bigint AS spend_minor,
             min(o.ordered_at) AS first_order_at, max(o.ordered_at) AS last_order_at
      FROM orders o
      WHERE o.tenant_id = ${tenantId} AND ${PURCHASE} ${memberIn(sql`o.member_id`, filter, tenantId)}
      GROUP BY o.member_id
    ), channels AS (
      SELECT x.member_id, array_agg(x.channel ORDER BY x.channel) AS channels
      FROM (SELECT o.member_id, o.channel FROM orders o
            WHERE o.tenant_id = ${tenantId} AND ${PURCHASE} ${memberIn(sql`o.member_id`, filter, tenantId)}
            GROUP BY 1, 2) x
      GROUP BY x.member_id
    ), stores AS (
      SELECT x.member_id, array_agg(x.store_id ORDER BY x.store_id) AS store_ids
      FROM (SELECT o.member_id, o.store_id FROM orders o
            WHERE o.tenant_id = ${tenantId} AND ${PURCHASE} ${memberIn(sql`o.member_id`, filter, tenantId)} AND o.store_id IS NOT NULL
            GROUP BY 1, 2) x
      GROUP BY x.member_id
    ), bought AS (
      SELECT x.member_id, array_agg(x.category ORDER BY x.category) AS categories
      FROM (SELECT o.member_id, l.category
            FROM ${ordersWithLines(filter)}
            WHERE o.tenant_id = ${tenantId} AND ${PURCHASE} ${memberIn(sql`o.member_id`, filter, tenantId)}
              AND l.category IS NOT NULL AND l.refunded_quantity < l.quantity
            GROUP BY o.member_id, l.category) x
      GROUP BY x.member_id
    ), base_tier AS (
      SELECT t.tier_id FROM tiers t WHERE t.tenant_id = ${tenantId} AND t.kind = 'free' ORDER BY t.rank LIMIT 1
    ), paid_tier AS (
      SELECT DISTINCT ON (s.member_id) s.member_id, t.rank, t.code
      FROM tier_subscriptions s
      JOIN tier_plans p ON p.tenant_id = s.tenant_id AND p.plan_id = s.plan_id
      JOIN tiers t ON t.tenant_id = p.tenant_id AND t.tier_id = p.tier_id
      WHERE s.tenant_id = ${tenantId} AND s.status IN ('trial', 'active')
        AND s.starts_at <= ${now}::timestamptz AND s.ends_at > ${now}::timestamptz ${memberIn(sql`s.member_id`, filter, tenantId)}
      ORDER BY s.member_id, t.rank DESC
    )
    SELECT m.tenant_id, m.member_id, m.status, m.gender, m.birthday, m.region, m.join_channel, m.join_store_id,
      m.scene_key, m.home_store_id, m.guide_id, m.joined_at,
      COALESCE((m.consent -> 'sms' ->> 'granted')::boolean, false) AS consent_sms,
      COALESCE((m.consent -> 'email' ->> 'granted')::boolean, false) AS consent_email,
      COALESCE((m.consent -> 'im' ->> 'granted')::boolean, false) AS consent_im,
      m.attributes,
      CASE WHEN pt.rank IS NOT NULL AND (ft.rank IS NULL OR pt.rank > ft.rank) THEN pt.code ELSE ft.code END AS tier_code,
      COALESCE(b.available, 0)::bigint AS points_available, COALESCE(b.growth, 0)::bigint AS growth,
      COALESCE(p.orders_count, 0) AS orders_count, COALESCE(p.spend_minor, 0)::bigint AS spend_minor,
      p.first_order_at, p.last_order_at,
      COALESCE(c.categories, '{}') AS categories, COALESCE(ch.channels, '{}') AS channels,
      COALESCE(st.store_ids, '{}') AS store_ids,
      ${now}::timestamptz AS refreshed_at
    FROM members m
    LEFT JOIN purchases p ON p.member_id = m.member_id
    LEFT JOIN channels ch ON ch.member_id = m.member_id
    LEFT JOIN stores st ON st.member_id = m.member_id
    LEFT JOIN bought c ON c.member_id = m.member_id
    LEFT JOIN member_balances b ON b.tenant_id = m.tenant_id AND b.member_id = m.member_id
    LEFT JOIN member_tiers mt ON mt.tenant_id = m.tenant_id AND mt.member_id = m.member_id
    LEFT JOIN tiers ft ON ft.tenant_id = m.tenant_id AND ft.tier_id = COALESCE(mt.free_tier_id, (SELECT tier_id FROM base_tier))
    LEFT JOIN paid_tier pt ON pt.member_id = m.member_id
    WHERE m.tenant_id = ${tenantId} AND m.status IN ('active', 'prospect') ${memberIn(sql`m.member_id`, filter, tenantId)}`;
}

/**
 * Brings audience_member_facts up to date for these members (or all): rows that did not change are not rewritten,
 * and members who left (merged, erased) lose their row. Returns the ids of members who left.
 */
export async function refreshFacts(
  tx: Executor,
  tenantId: string,
  filter: MemberFilter,
  now: Date,
): Promise<string[]> {
  return (await refreshFactsAnd(tx, tenantId, filter, now)).departed;
}

/**
 * refreshFacts, and in the same statement (one round trip) a read over the fresh facts: `then` is a relation that
 * may name the CTE `fresh` (the new facts, columns as audience_member_facts), evaluated once per statement. Its rows
 * come back beside the members who left.
 */
export async function refreshFactsAnd<T extends { member_id: string }>(
  tx: Executor,
  tenantId: string,
  filter: MemberFilter,
  now: Date,
  then?: RawBuilder<T>,
): Promise<{ departed: string[]; rows: T[] }> {
  const columns = sql.join(FACT_COLUMNS.map((c) => sql.ref(c)));
  const changed = sql.join(FACT_COLUMNS.map((c) => sql`${sql.ref(`audience_member_facts.${c}`)}`));
  const incoming = sql.join(FACT_COLUMNS.map((c) => sql`EXCLUDED.${sql.ref(c)}`));
  // The upsert and the removal of members who left see the same snapshot. A data-modifying CTE always runs to
  // completion, referenced or not. Always one row at least: the departed list rides on every row of `then`.
  const result = await sql<{ departed: string[] | null } & Partial<T>>`
    WITH fresh AS MATERIALIZED (${factsSelect(tenantId, filter, now)}),
    stored AS (
      INSERT INTO audience_member_facts (tenant_id, member_id, ${columns}, refreshed_at)
      SELECT tenant_id, member_id, ${columns}, refreshed_at FROM fresh
      ON CONFLICT (tenant_id, member_id) DO UPDATE SET
        ${sql.join(FACT_COLUMNS.map((c) => sql`${sql.ref(c)} = EXCLUDED.${sql.ref(c)}`))},
        refreshed_at = EXCLUDED.refreshed_at
      WHERE (${changed}) IS DISTINCT FROM (${incoming})
      RETURNING 1),
    departed AS (
      DELETE FROM audience_member_facts f
      WHERE f.tenant_id = ${tenantId} ${memberIn(sql`f.member_id`, filter, tenantId)}
        AND NOT EXISTS (SELECT 1 FROM fresh WHERE fresh.member_id = f.member_id)
      RETURNING f.member_id)
    SELECT d.departed, t.* FROM (SELECT array_agg(member_id) AS departed FROM departed) d
    LEFT JOIN (${then ?? sql`SELECT NULL::text AS member_id WHERE false`}) t ON true`.execute(tx);
  return {
    departed: result.rows[0]?.departed ?? [],
    rows: result.rows.filter((r): r is typeof r & T => typeof r.member_id === "string"),
  };
}

/** One member's facts computed now from the source tables, without storing them (a checkout's fresh view). */
export async function currentFacts(
  db: Executor,
  tenantId: string,
  memberId: string,
  now: Date,
): Promise<MemberFacts | undefined> {
  const result =
    await sql<MemberFacts>`SELECT * FROM (${factsSelect(tenantId, { ids: [memberId] }, now)}) AS fresh`.execute(
      db,
    );
  return result.rows[0];
}

/**
 * Purchases per member within [from, to]: the frequency and monetary value of RFM. A relation of
 * (member_id, frequency, monetary_minor), for set-based use.
 */
export function windowPurchases(
  tenantId: string,
  from: Date,
  to: Date,
  filter: MemberFilter,
): RawBuilder<unknown> {
  return sql`(
    SELECT o.member_id, count(*)::int AS frequency, sum(o.paid_minor - o.refunded_minor)::bigint AS monetary_minor
    FROM orders o
    WHERE o.tenant_id = ${tenantId} AND ${PURCHASE} ${memberIn(sql`o.member_id`, filter, tenantId)}
      AND o.ordered_at >= ${from}::timestamptz AND o.ordered_at <= ${to}::timestamptz
    GROUP BY o.member_id)`;
}

/** A predicate on `f.member_id`: the member is one the principal may see (staff below HQ see their stores'). */
export function inScope(
  principal: Principal | undefined,
  tenantId: string,
  db: Executor,
): RawBuilder<boolean> {
  const brandWide =
    principal === undefined ||
    principal.kind === "api_key" ||
    principal.kind === "system" ||
    (principal.kind === "staff" && (principal.role === "owner" || principal.role === "hq_operator"));
  if (brandWide) return sql<boolean>`true`;
  const visible = db
    .selectFrom("members")
    .select("members.member_id")
    .where("members.tenant_id", "=", tenantId)
    .where(memberScope(principal));
  return sql<boolean>`f.member_id IN (${visible})`;
}

/** Which of these members exist, are live and are visible to the principal. */
export async function visibleMembers(
  db: Executor,
  tenantId: string,
  memberIds: readonly string[],
  principal: Principal | undefined,
): Promise<Set<string>> {
  if (memberIds.length === 0) return new Set();
  const rows = await db
    .selectFrom("members")
    .select("members.member_id")
    .where("members.tenant_id", "=", tenantId)
    .where("members.member_id", "in", [...new Set(memberIds)])
    .where("members.status", "in", ["active", "prospect"])
    .where(memberScope(principal))
    .execute();
  return new Set(rows.map((r) => r.member_id));
}

/** Members found by phone or card number (CSV tagging), live and visible to the principal: key → member id. */
export async function membersByKeys(
  db: Executor,
  tenantId: string,
  keys: { phones: readonly string[]; cardNos: readonly string[] },
  principal: Principal | undefined,
): Promise<{ byPhone: Map<string, string>; byCardNo: Map<string, string> }> {
  const byPhone = new Map<string, string>();
  const byCardNo = new Map<string, string>();
  if (keys.phones.length === 0 && keys.cardNos.length === 0) return { byPhone, byCardNo };
  const rows = await db
    .selectFrom("members")
    .select(["members.member_id", "members.phone", "members.card_no"])
    .where("members.tenant_id", "=", tenantId)
    .where("members.status", "in", ["active", "prospect"])
    .where((eb) =>
      eb.or([
        ...(keys.phones.length > 0 ? [eb("members.phone", "in", [...keys.phones])] : []),
        ...(keys.cardNos.length > 0 ? [eb("members.card_no", "in", [...keys.cardNos])] : []),
      ]),
    )
    .where(memberScope(principal))
    .execute();
  for (const row of rows) {
    if (row.phone) byPhone.set(row.phone, row.member_id);
    byCardNo.set(row.card_no, row.member_id);
  }
  return { byPhone, byCardNo };
}

/**
 * Members at a stage of a product's life: first_purchase (bought these SKUs in exactly one purchase), repurchase
 * (in two or more), used_up (for some SKU, the quantity last bought has run out: last purchase + quantity ×
 * cycle_days is at or before now). A relation of (member_id). Returned lines do not count.
 */
export function productStageMembers(
  tenantId: string,
  stage: "first_purchase" | "repurchase" | "used_up",
  products: readonly { sku: string; cycle_days?: number | undefined }[],
  now: Date,
  filter: MemberFilter,
): RawBuilder<unknown> {
  const skus = products.map((p) => p.sku);
  const lines = sql`
    SELECT o.member_id, o.order_id, o.ordered_at, l.sku, sum(l.quantity - l.refunded_quantity)::bigint AS quantity
    FROM ${ordersWithLines(filter)}
    WHERE o.tenant_id = ${tenantId} AND ${PURCHASE} ${memberIn(sql`o.member_id`, filter, tenantId)}
      AND l.sku = ANY(${skus}::text[]) AND l.refunded_quantity < l.quantity
    GROUP BY o.member_id, o.order_id, o.ordered_at, l.sku`;
  if (stage !== "used_up") {
    const having = stage === "first_purchase" ? sql`= 1` : sql`>= 2`;
    return sql`(SELECT b.member_id FROM (${lines}) b GROUP BY b.member_id HAVING count(DISTINCT b.order_id) ${having})`;
  }
  const cycles = products.map((p) => p.cycle_days ?? 0);
  // The last purchase per (member, SKU) and its quantity in one hash aggregate, no sort: the greatest
  // [ordered_at in microseconds, quantity] pair (arrays compare element by element). Exact integer arithmetic.
  return sql`(
    SELECT DISTINCT last.member_id
    FROM (SELECT b.member_id, b.sku,
                 max(ARRAY[(extract(epoch FROM b.ordered_at) * 1000000)::bigint, b.quantity]) AS at_quantity
          FROM (${lines}) b GROUP BY b.member_id, b.sku) last
    JOIN unnest(${skus}::text[], ${cycles}::int[]) AS p(sku, cycle_days) ON p.sku = last.sku
    WHERE last.at_quantity[1]::numeric + last.at_quantity[2]::numeric * p.cycle_days * 86400000000
          <= extract(epoch FROM ${now.toISOString()}::timestamptz) * 1000000)`;
}

export interface MemberContact {
  member_id: string;
  card_no: string;
  phone: string | null;
  name: string | null;
  stage: string | null;
  entered_at: Date;
}

/** A page of a segment's members with their card, phone and name (for export), within the principal's scope. */
export async function segmentContacts(
  db: Executor,
  tenantId: string,
  segmentId: string,
  after: string | undefined,
  limit: number,
  principal: Principal | undefined,
): Promise<MemberContact[]> {
  return db
    .selectFrom("audience_segment_members as sm")
    .innerJoin("members", (j) =>
      j.onRef("members.tenant_id", "=", "sm.tenant_id").onRef("members.member_id", "=", "sm.member_id"),
    )
    .leftJoin("audience_member_scores as s", (j) =>
      j.onRef("s.tenant_id", "=", "sm.tenant_id").onRef("s.member_id", "=", "sm.member_id"),
    )
    .select(["sm.member_id", "members.card_no", "members.phone", "members.name", "s.stage", "sm.entered_at"])
    .where("sm.tenant_id", "=", tenantId)
    .where("sm.segment_id", "=", segmentId)
    .where(memberScope(principal))
    .$if(after !== undefined, (q) => q.where("sm.member_id", ">", after ?? ""))
    .orderBy("sm.member_id")
    .limit(limit)
    .execute();
}

/**
 * Purchase-day summaries for the LTV models, per member with a purchase up to `end`: x (purchase days after the
 * first), t_x and T in days (last purchase day and `end`'s day, from the first), and the average value of the
 * repeat days. Purchases on one of the brand's calendar days are one transaction.
 */
function purchaseDays(
  tenantId: string,
  timeZone: string,
  end: Date,
  filter: MemberFilter,
): RawBuilder<unknown> {
  return sql`
    WITH days AS (
      SELECT o.member_id, (o.ordered_at AT TIME ZONE ${timeZone})::date AS day, sum(o.paid_minor - o.refunded_minor)::float8 AS value
      FROM orders o
      WHERE o.tenant_id = ${tenantId} AND ${PURCHASE} ${memberIn(sql`o.member_id`, filter, tenantId)} AND o.ordered_at <= ${end.toISOString()}::timestamptz
      GROUP BY 1, 2),
    per AS (
      SELECT member_id, (count(*) - 1)::int AS x, min(day) AS first_day, max(day) AS last_day,
             sum(value) - (array_agg(value ORDER BY day))[1] AS repeat_value
      FROM days GROUP BY member_id)
    SELECT member_id, x, (last_day - first_day)::int AS t_x_days,
      ((${end.toISOString()}::timestamptz AT TIME ZONE ${timeZone})::date - first_day)::int AS t_days,
      CASE WHEN x > 0 THEN repeat_value / x END AS mean_value
    FROM per`;
}

export interface PurchaseSummary {
  member_id: string;
  x: number;
  t_x_days: number;
  t_days: number;
  mean_value: number | null;
}

/** Summaries of some members: a list of ids, or a page of ids in order (far cheaper for many members). */
export async function purchaseSummaries(
  db: Executor,
  tenantId: string,
  timeZone: string,
  end: Date,
  members: readonly string[] | { after: string; through: string },
): Promise<PurchaseSummary[]> {
  const filter: MemberFilter = "through" in members ? members : { ids: members };
  if ("ids" in filter && filter.ids.length === 0) return [];
  return (await sql<PurchaseSummary>`${purchaseDays(tenantId, timeZone, end, filter)}`.execute(db)).rows;
}

/** The same summaries grouped for fitting: identical customers are one weighted row. */
export async function purchaseSummaryGroups(
  db: Executor,
  tenantId: string,
  timeZone: string,
  end: Date,
  maxSpendRows: number,
) {
  const recencyFrequency = await sql<{ x: number; t_x_days: number; t_days: number; customers: number }>`
    SELECT x, t_x_days, t_days, count(*)::int AS customers FROM (${purchaseDays(tenantId, timeZone, end, { all: true })}) s
    GROUP BY 1, 2, 3`.execute(db);
  const spend = await sql<{ x: number; mean_value: number; customers: number }>`
    SELECT x, mean_value, count(*)::int AS customers FROM (${purchaseDays(tenantId, timeZone, end, { all: true })}) s
    WHERE x > 0 AND mean_value > 0 GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT ${maxSpendRows}`.execute(db);
  return { recencyFrequency: recencyFrequency.rows, spend: spend.rows };
}

/** Whether the member `column` names was merged into another record (its given tags wait to move: forget.ts). */
export function mergedAway(tenantId: string, column: RawBuilder<unknown>): RawBuilder<boolean> {
  return sql<boolean>`EXISTS (SELECT 1 FROM members m
    WHERE m.tenant_id = ${tenantId} AND m.member_id = ${column} AND m.status = 'merged')`;
}

// ——— relations for member analytics (src/audience/analytics): each a subquery with the columns named ———

/** Card-holding members: (member_id, joined_at, join_channel, join_store_id). */
export function cardMembers(tenantId: string): RawBuilder<unknown> {
  return sql`(SELECT m.member_id, m.joined_at, m.join_channel, m.join_store_id FROM members m
    WHERE m.tenant_id = ${tenantId} AND m.status = 'active')`;
}

/**
 * Sales in [from, to): every order not cancelled and not refunded in full, held ones included, with its net value.
 * `member_id` is set only when the buyer holds a card now, so member and non-member sales can be told apart.
 */
export function sales(tenantId: string, from: Date, to: Date): RawBuilder<unknown> {
  return sql`(SELECT o.order_id, CASE WHEN m.status = 'active' THEN o.member_id END AS member_id, o.ordered_at,
      (o.paid_minor - o.refunded_minor)::bigint AS value_minor, o.channel, o.store_id
    FROM orders o LEFT JOIN members m ON m.tenant_id = o.tenant_id AND m.member_id = o.member_id
    WHERE o.tenant_id = ${tenantId} AND o.status IN ('paid', 'completed', 'unmatched')
      AND o.ordered_at >= ${from.toISOString()}::timestamptz AND o.ordered_at < ${to.toISOString()}::timestamptz)`;
}

/** Points ledger movements in [from, to): (occurred_at, kind, amount), amount as the member's balance moved. */
export function pointsMovements(tenantId: string, from: Date, to: Date): RawBuilder<unknown> {
  return sql`(SELECT e.occurred_at, e.kind, e.amount FROM ledger_entries e
    WHERE e.tenant_id = ${tenantId} AND e.currency = 'points'
      AND e.occurred_at >= ${from.toISOString()}::timestamptz AND e.occurred_at < ${to.toISOString()}::timestamptz)`;
}
