import { sql } from "kysely";
import type { Principal } from "../platform/auth/principal.ts";
import type { Executor } from "../platform/db/database.ts";
import { toPage } from "../platform/http/pagination.ts";
import { notFound } from "../platform/http/problems.ts";
import type { OrderStatus } from "./tables.ts";

const ORDER_COLUMNS = [
  "order_id",
  "channel",
  "external_id",
  "member_id",
  "store_id",
  "guide_id",
  "status",
  "currency",
  "items_minor",
  "discount_minor",
  "shipping_minor",
  "paid_minor",
  "refunded_minor",
  "points_earned",
  "growth_earned",
  "earn_note",
  "ordered_at",
  "completes_at",
  "completed_at",
  "created_at",
] as const;

export async function getOrder(db: Executor, tenantId: string, orderId: string, principal?: Principal) {
  let query = db
    .selectFrom("orders")
    .select(ORDER_COLUMNS)
    .where("tenant_id", "=", tenantId)
    .where("order_id", "=", orderId);
  query = restrictToScope(query, tenantId, principal);
  const order = await query.executeTakeFirst();
  if (!order) throw notFound("order", orderId);
  const lines = await db
    .selectFrom("order_lines")
    .select([
      "line_no",
      "sku",
      "name",
      "category",
      "quantity",
      "unit_price_minor",
      "discount_minor",
      "refunded_quantity",
    ])
    .where("tenant_id", "=", tenantId)
    .where("order_id", "=", orderId)
    .orderBy("line_no")
    .execute();
  const refunds = await db
    .selectFrom("order_refunds")
    .select(["refund_id", "external_id", "amount_minor", "lines", "points_reversed", "refunded_at"])
    .where("tenant_id", "=", tenantId)
    .where("order_id", "=", orderId)
    .orderBy("created_at")
    .execute();
  return { ...order, lines, refunds };
}

type OrdersQuery = ReturnType<typeof baseList>;
function baseList(db: Executor, tenantId: string) {
  return db.selectFrom("orders").select(ORDER_COLUMNS).where("tenant_id", "=", tenantId);
}

function restrictToScope<Q extends OrdersQuery>(
  query: Q,
  tenantId: string,
  principal: Principal | undefined,
): Q {
  if (principal?.kind === "member") return query.where("member_id", "=", principal.memberId) as Q;
  if (principal?.kind !== "staff" || principal.role === "owner" || principal.role === "hq_operator")
    return query;
  if (principal.role === "guide") return query.where("guide_id", "=", principal.staffId) as Q;
  return query.where("store_id", "in", (eb) =>
    eb
      .selectFrom("org_units")
      .select("org_units.org_unit_id")
      .where("org_units.tenant_id", "=", tenantId)
      .where("org_units.path", "like", `${principal.orgPath}%`),
  ) as Q;
}

export interface OrderFilter {
  member_id?: string | undefined;
  channel?: string | undefined;
  status?: OrderStatus | undefined;
  store_id?: string | undefined;
}

export async function listOrders(
  db: Executor,
  tenantId: string,
  filter: OrderFilter,
  page: { limit: number; after: string | undefined },
  principal?: Principal,
) {
  let query = restrictToScope(baseList(db, tenantId), tenantId, principal);
  if (filter.member_id) query = query.where("member_id", "=", filter.member_id);
  if (filter.channel) query = query.where("channel", "=", filter.channel);
  if (filter.status) query = query.where("status", "=", filter.status);
  if (filter.store_id) query = query.where("store_id", "=", filter.store_id);
  if (page.after) query = query.where("order_id", "<", page.after);
  const rows = await query
    .orderBy("order_id", "desc")
    .limit(page.limit + 1)
    .execute();
  return toPage(rows, page.limit, (row) => row.order_id);
}

/** An identity merge moves the absorbed member's orders to the survivor. */
export async function reassignOrders(
  tx: Executor,
  tenantId: string,
  fromMemberId: string,
  toMemberId: string,
): Promise<number> {
  const result = await tx
    .updateTable("orders")
    .set({ member_id: toMemberId })
    .where("tenant_id", "=", tenantId)
    .where("member_id", "=", fromMemberId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** The purchases of one member within a time window: what campaign attribution counts. */
export interface MemberWindowPurchases {
  member_id: string;
  /** Orders placed in the window, not cancelled and not refunded in full. */
  orders: number;
  /** Their paid amounts less refunds. */
  revenue_minor: number;
}

/**
 * Purchases of each member within their own window [from, to] (one indexed range read per member). Members without a
 * purchase in their window are left out.
 */
export async function purchasesInWindows(
  db: Executor,
  tenantId: string,
  windows: readonly { member_id: string; from: Date; to: Date }[],
): Promise<MemberWindowPurchases[]> {
  if (windows.length === 0) return [];
  const rows = await sql<MemberWindowPurchases>`
    SELECT w.member_id, count(*)::int AS orders, sum(o.paid_minor - o.refunded_minor)::bigint AS revenue_minor
    FROM unnest(${windows.map((w) => w.member_id)}::text[], ${windows.map((w) => w.from.toISOString())}::timestamptz[],
      ${windows.map((w) => w.to.toISOString())}::timestamptz[]) AS w(member_id, from_at, to_at)
    JOIN orders o ON o.tenant_id = ${tenantId} AND o.member_id = w.member_id
      AND o.ordered_at >= w.from_at AND o.ordered_at <= w.to_at
    WHERE o.status IN ('paid', 'completed')
    GROUP BY w.member_id`.execute(db);
  return rows.rows.map((r) => ({ ...r, revenue_minor: Number(r.revenue_minor) }));
}

/**
 * Erasure of a member (privacy): the phone an order was sent with goes from the member's orders, and from orders
 * still held for that phone (never matched: the same person). Amounts, lines and the member id stay, so sales,
 * points and counts are unchanged.
 */
export async function forgetOrderCustomerPhones(
  tx: Executor,
  tenantId: string,
  memberIds: readonly string[],
  phones: readonly string[],
): Promise<number> {
  if (memberIds.length === 0 && phones.length === 0) return 0;
  const result = await tx
    .updateTable("orders")
    .set({ customer_phone: null })
    .where("tenant_id", "=", tenantId)
    .where("customer_phone", "is not", null)
    .where((eb) =>
      eb.or([
        ...(memberIds.length > 0 ? [eb("member_id", "in", [...memberIds])] : []),
        ...(phones.length > 0 ? [eb("customer_phone", "in", [...phones])] : []),
      ]),
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
