import { sql } from "kysely";
import type { Executor } from "../platform/db/database.ts";
import { toPage } from "../platform/http/pagination.ts";
import { notFound } from "../platform/http/problems.ts";
import { isId } from "../platform/ids.ts";
import type { CouponOffer } from "./offers.ts";
import type { CouponStatus } from "./tables.ts";
import { TEMPLATE_COLUMNS, type Template, toTemplate } from "./templates.ts";

/** A member's coupons ("my coupons"), a coupon found by its printed code, and coupons as checkout offers. */

/** The most of a member's coupons one quote weighs: the soonest to expire first. */
export const MAX_OFFERS_PER_QUOTE = 200;

export interface Coupon {
  coupon_id: string;
  code: string;
  member_id: string;
  template: Template;
  status: CouponStatus;
  valid_from: Date;
  valid_until: Date;
  order_id: string | null;
  discount_minor: number | null;
  redeemed_at: Date | null;
  issued_at: Date;
}

/** What a member sees: an available coupon past its end is "expired" (expiry is a date, not a job). */
export function displayStatus(
  coupon: Pick<Coupon, "status" | "valid_until">,
  now: Date,
): CouponStatus | "expired" {
  return coupon.status === "available" && coupon.valid_until <= now ? "expired" : coupon.status;
}

const COUPON_COLUMNS = [
  "c.coupon_id",
  "c.code",
  "c.member_id",
  "c.status",
  "c.valid_from",
  "c.valid_until",
  "c.order_id",
  "c.discount_minor",
  "c.redeemed_at",
  "c.issued_at",
] as const;

function couponsWithTemplates(db: Executor, tenantId: string) {
  return db
    .selectFrom("coupons as c")
    .innerJoin("coupon_templates as t", (join) =>
      join.onRef("t.tenant_id", "=", "c.tenant_id").onRef("t.template_id", "=", "c.template_id"),
    )
    .select([
      ...COUPON_COLUMNS,
      ...TEMPLATE_COLUMNS.filter((col) => col !== "code").map((col) => `t.${col}` as const),
      "t.code as template_code",
    ])
    .where("c.tenant_id", "=", tenantId);
}

type JoinedRow = Awaited<ReturnType<ReturnType<typeof couponsWithTemplates>["execute"]>>[number];

function toCoupon(row: JoinedRow): Coupon {
  return {
    coupon_id: row.coupon_id,
    code: row.code,
    member_id: row.member_id,
    status: row.status,
    valid_from: row.valid_from,
    valid_until: row.valid_until,
    order_id: row.order_id,
    discount_minor: row.discount_minor,
    redeemed_at: row.redeemed_at,
    issued_at: row.issued_at,
    template: toTemplate({ ...row, code: row.template_code }),
  };
}

export function toOffer(coupon: Coupon): CouponOffer {
  const t = coupon.template;
  return {
    coupon_id: coupon.coupon_id,
    code: coupon.code,
    template_id: t.template_id,
    template_code: t.code,
    name: t.name,
    benefit: t.benefit,
    conditions: t.conditions,
    group: t.stacking.group,
    exclusive: t.stacking.exclusive,
    with_member_discount: t.stacking.with_member_discount,
    status: coupon.status,
    valid_from: coupon.valid_from,
    valid_until: coupon.valid_until,
    budget_left_minor: t.budget_minor === null ? null : t.budget_minor - t.discount_granted_minor,
  };
}

/** The member's coupons that could still be used, soonest to expire first: what a quote weighs. */
export async function usableCoupons(
  db: Executor,
  tenantId: string,
  memberId: string,
  now: Date,
): Promise<Coupon[]> {
  const rows = await couponsWithTemplates(db, tenantId)
    .where("c.member_id", "=", memberId)
    .where("c.status", "=", "available")
    .where("c.valid_until", ">", now)
    .orderBy("c.valid_until")
    .orderBy("c.coupon_id")
    .limit(MAX_OFFERS_PER_QUOTE)
    .execute();
  return rows.map(toCoupon);
}

/** Coupons named by id or printed code, whoever holds them (the caller decides what a foreign one means). */
export async function couponsByRef(
  db: Executor,
  tenantId: string,
  refs: string[],
  options: { lock?: boolean } = {},
): Promise<Map<string, Coupon>> {
  if (refs.length === 0) return new Map();
  const ids = refs.filter((r) => isId("coupon", r));
  const codes = refs.filter((r) => !isId("coupon", r)).map((r) => r.toUpperCase());
  let query = couponsWithTemplates(db, tenantId).where((eb) =>
    eb.or([
      eb("c.coupon_id", "in", ids.length > 0 ? ids : ["-"]),
      eb("c.code", "in", codes.length > 0 ? codes : ["-"]),
    ]),
  );
  // Locked in id order, so two checkouts naming the same coupons in any order cannot deadlock.
  if (options.lock) query = query.orderBy("c.coupon_id").forUpdate("c");
  const rows = await query.execute();
  const result = new Map<string, Coupon>();
  for (const row of rows) {
    const coupon = toCoupon(row);
    result.set(coupon.coupon_id, coupon);
    result.set(coupon.code, coupon);
  }
  return new Map(
    refs.flatMap((ref) => {
      const coupon = result.get(isId("coupon", ref) ? ref : ref.toUpperCase());
      return coupon ? [[ref, coupon] as const] : [];
    }),
  );
}

export async function getCoupon(
  db: Executor,
  tenantId: string,
  ref: string,
  memberId?: string,
): Promise<Coupon> {
  const coupon = (await couponsByRef(db, tenantId, [ref])).get(ref);
  // Another member's coupon reads the same as none: a code reveals nothing about whose it is.
  if (!coupon || (memberId !== undefined && coupon.member_id !== memberId)) throw notFound("coupon", ref);
  return coupon;
}

export type WalletFilter = "usable" | "used" | "expired" | "all";

export async function listMemberCoupons(
  db: Executor,
  tenantId: string,
  memberId: string,
  filter: WalletFilter,
  page: { limit: number; after: string | undefined },
  now: Date,
): Promise<{ items: Coupon[]; next_cursor: string | null }> {
  let query = couponsWithTemplates(db, tenantId).where("c.member_id", "=", memberId);
  if (filter === "usable") query = query.where("c.status", "=", "available").where("c.valid_until", ">", now);
  if (filter === "used") query = query.where("c.status", "in", ["reserved", "redeemed"]);
  if (filter === "expired")
    query = query.where("c.status", "=", "available").where("c.valid_until", "<=", now);
  if (page.after) query = query.where("c.coupon_id", "<", page.after);
  const rows = await query
    .orderBy("c.coupon_id", "desc")
    .limit(page.limit + 1)
    .execute();
  const { items, next_cursor } = toPage(rows, page.limit, (row) => row.coupon_id);
  return { items: items.map(toCoupon), next_cursor };
}

/** Coupons per state for a member, for the member center's badge ("3 coupons to use"). */
export async function walletCounts(
  db: Executor,
  tenantId: string,
  memberId: string,
  now: Date,
): Promise<{ usable: number; expiring_within_7_days: number }> {
  const soon = new Date(now.getTime() + 7 * 86_400_000);
  const row = await sql<{ usable: number; soon: number }>`
    SELECT COUNT(*)::bigint AS usable, COUNT(*) FILTER (WHERE valid_until <= ${soon})::bigint AS soon
    FROM coupons WHERE tenant_id = ${tenantId} AND member_id = ${memberId} AND status = 'available' AND valid_until > ${now}`.execute(
    db,
  );
  return { usable: Number(row.rows[0]?.usable ?? 0), expiring_within_7_days: Number(row.rows[0]?.soon ?? 0) };
}
