import { DateTime } from "luxon";
import { sql } from "kysely";
import { guidesOfMembers } from "../members/assignment.ts";
import { getMember } from "../members/service.ts";
import { getOrder } from "../orders/queries.ts";
import type { Platform } from "../platform/context.ts";
import type { DomainEvent } from "../platform/events.ts";
import type { Executor } from "../platform/db/database.ts";
import { taskCountsByStaff } from "../staff-tasks/service.ts";
import { getTenant } from "../tenants/service.ts";
import { ancestorOfKind, rankWithin } from "./ranking.ts";
import { listOrgUnits } from "./service.ts";
import { listStaffPlacements } from "./staff.ts";

/**
 * A guide's results: members recruited (joined with the guide named), sales (orders naming the guide, or else
 * placed by the guide's member, less their refunds), coupon redemptions by the guide's members, and task completion. Kept per
 * brand-local day by event subscribers; the relay runs each handler once in its own transaction.
 */

type Measure = "recruits" | "orders" | "sales_minor" | "redemptions";

async function add(
  tx: Executor,
  tenantId: string,
  staffId: string,
  at: Date,
  delta: Partial<Record<Measure, number>>,
): Promise<void> {
  const { time_zone } = await getTenant(tx, tenantId);
  const day = localDay(at, time_zone);
  const row = { recruits: 0, orders: 0, sales_minor: 0, redemptions: 0, ...delta };
  await sql`INSERT INTO guide_daily_results (tenant_id, staff_id, day, recruits, orders, sales_minor, redemptions)
    VALUES (${tenantId}, ${staffId}, ${day}::date, ${row.recruits}, ${row.orders}, ${row.sales_minor}, ${row.redemptions})
    ON CONFLICT (tenant_id, staff_id, day) DO UPDATE SET
      recruits = guide_daily_results.recruits + EXCLUDED.recruits,
      orders = guide_daily_results.orders + EXCLUDED.orders,
      sales_minor = guide_daily_results.sales_minor + EXCLUDED.sales_minor,
      redemptions = guide_daily_results.redemptions + EXCLUDED.redemptions`.execute(tx);
}

const localDay = (at: Date, zone: string) => DateTime.fromJSDate(at, { zone }).toISODate() ?? "";

const text = (value: unknown): string | null =>
  typeof value === "string" && value.length > 0 ? value : null;

async function guideOfMember(
  tx: Executor,
  tenantId: string,
  memberId: string | null,
): Promise<string | null> {
  if (!memberId) return null;
  const member = await getMember(tx, tenantId, memberId).catch(() => undefined);
  return member?.guide_id ?? null;
}

export function registerResultSubscriptions(platform: Platform): void {
  platform.events.subscribe("member.joined", async (event, tx) => {
    const guideId = text(event.payload.guide_id);
    if (guideId && event.payload.imported !== true)
      await add(tx, event.tenantId, guideId, event.occurredAt, { recruits: 1 });
  });
  // Joined through a guide's code without naming the guide: the code placed the member with its guide.
  platform.events.subscribe("channel_code.joined", async (event, tx) => {
    const guideId = text(event.payload.guide_id);
    if (guideId && event.payload.guide_placed_by_code === true)
      await add(tx, event.tenantId, guideId, event.occurredAt, { recruits: 1 });
  });
  // Every order passes here: the pass's orders are summed per guide and day first, then written once per sum.
  platform.events.subscribeBatch("order.created", async (events, tx) => {
    const byTenant = new Map<string, DomainEvent[]>();
    for (const event of events)
      byTenant.set(event.tenantId, [...(byTenant.get(event.tenantId) ?? []), event]);
    for (const [tenantId, orders] of byTenant) {
      const unnamed = orders.filter((e) => !text(e.payload.guide_id)).map((e) => text(e.payload.member_id));
      const guides = await guidesOfMembers(
        tx,
        tenantId,
        unnamed.filter((m): m is string => m !== null),
      );
      const sums = new Map<string, { guideId: string; at: Date; orders: number; sales_minor: number }>();
      const { time_zone } = await getTenant(tx, tenantId);
      for (const event of orders) {
        const memberId = text(event.payload.member_id);
        const guideId = text(event.payload.guide_id) ?? (memberId ? guides.get(memberId) : undefined);
        if (!guideId) continue;
        const paid = Number(event.payload.paid_minor);
        const key = `${guideId}|${localDay(event.occurredAt, time_zone)}`;
        const sum = sums.get(key) ?? { guideId, at: event.occurredAt, orders: 0, sales_minor: 0 };
        sum.orders += 1;
        sum.sales_minor += Number.isSafeInteger(paid) ? paid : 0;
        sums.set(key, sum);
      }
      for (const sum of sums.values())
        await add(tx, tenantId, sum.guideId, sum.at, { orders: sum.orders, sales_minor: sum.sales_minor });
    }
  });
  // Refunds come off the sales of the guide the order was credited to, on the day of the refund.
  platform.events.subscribe("order.refunded", async (event, tx) => {
    const orderId = text(event.payload.order_id);
    const amount = Number(event.payload.amount_minor);
    if (!orderId || !Number.isSafeInteger(amount) || amount <= 0) return;
    const order = await getOrder(tx, event.tenantId, orderId).catch(() => undefined);
    if (!order) return;
    const guideId = order.guide_id ?? (await guideOfMember(tx, event.tenantId, order.member_id));
    if (guideId) await add(tx, event.tenantId, guideId, event.occurredAt, { sales_minor: -amount });
  });
  platform.events.subscribe("checkout.committed", async (event, tx) => {
    const coupons = Array.isArray(event.payload.coupon_ids) ? event.payload.coupon_ids.length : 0;
    if (coupons === 0) return;
    const guideId = await guideOfMember(tx, event.tenantId, text(event.payload.member_id));
    if (guideId) await add(tx, event.tenantId, guideId, event.occurredAt, { redemptions: coupons });
  });
}

export interface GuideResult {
  staff_id: string;
  name: string;
  org_unit_id: string;
  region_id: string | null;
  recruits: number;
  orders: number;
  sales_minor: number;
  redemptions: number;
  tasks_assigned: number;
  tasks_completed: number;
  rank_in_store: number;
  rank_in_region: number | null;
}

export type RankBy = Measure | "tasks_completed";

/** Results of every active guide at or below `withinPath` for brand-local days from..to (inclusive). */
export async function guideResults(
  db: Executor,
  tenantId: string,
  withinPath: string,
  window: { from: string; to: string },
  rankBy: RankBy,
): Promise<GuideResult[]> {
  const guides = await listStaffPlacements(db, tenantId, { withinPath, roles: ["guide"] });
  if (guides.length === 0) return [];
  const ids = guides.map((g) => g.staff_id);
  const sums = await db
    .selectFrom("guide_daily_results")
    .select((eb) => [
      "staff_id",
      eb.fn.sum<number>("recruits").as("recruits"),
      eb.fn.sum<number>("orders").as("orders"),
      eb.fn.sum<number>("sales_minor").as("sales_minor"),
      eb.fn.sum<number>("redemptions").as("redemptions"),
    ])
    .where("tenant_id", "=", tenantId)
    .where("staff_id", "in", ids)
    .where("day", ">=", window.from)
    .where("day", "<=", window.to)
    .groupBy("staff_id")
    .execute();
  const byGuide = new Map(sums.map((s) => [s.staff_id, s]));
  const { time_zone } = await getTenant(db, tenantId);
  const start = DateTime.fromISO(window.from, { zone: time_zone }).startOf("day").toJSDate();
  const end = DateTime.fromISO(window.to, { zone: time_zone }).endOf("day").toJSDate();
  const tasks = await taskCountsByStaff(db, tenantId, ids, { start, end });
  const kinds = new Map((await listOrgUnits(db, tenantId)).map((u) => [u.org_unit_id, u.kind]));
  const rows = guides.map((g) => {
    const s = byGuide.get(g.staff_id);
    const t = tasks.get(g.staff_id);
    return {
      staff_id: g.staff_id,
      name: g.name,
      org_unit_id: g.org_unit_id,
      region_id: ancestorOfKind(g.org_path, kinds, "region"),
      recruits: Number(s?.recruits ?? 0),
      orders: Number(s?.orders ?? 0),
      sales_minor: Number(s?.sales_minor ?? 0),
      redemptions: Number(s?.redemptions ?? 0),
      tasks_assigned: t?.assigned ?? 0,
      tasks_completed: t?.completed ?? 0,
    };
  });
  const valued = rows.map((r) => ({ ...r, value: r[rankBy] }));
  const inStore = rankWithin(valued, (r) => r.org_unit_id);
  const inRegion = rankWithin(valued, (r) => r.region_id);
  return rows
    .map((r) => ({
      ...r,
      rank_in_store: inStore.get(r.staff_id) ?? 1,
      rank_in_region: inRegion.get(r.staff_id) ?? null,
    }))
    .sort((a, b) => b[rankBy] - a[rankBy] || a.staff_id.localeCompare(b.staff_id));
}
