import { sql } from "kysely";
import {
  joinMember,
  linkIdentity,
  type MemberRef,
  normalizeTenantPhone,
  resolveMemberRefs,
} from "../../members/service.ts";
import type { Executor } from "../../platform/db/database.ts";
import { getProgram } from "../../points/program.ts";
import type { Tenant } from "../../tenants/service.ts";
import { ingestOrders } from "../ingest.ts";
import { refundOrder } from "../refunds.ts";
import type { CustomerRef, MappedOrder, MappedRefund } from "./payload.ts";

/** Use cases behind the platform webhooks: the orders and refunds they bring, once their signature is verified. */

export interface RefundOutcome {
  external_id: string;
  refund_id: string | null;
  /** False for a refund seen before, or when nothing was left to refund. */
  created: boolean;
  amount_minor: number;
  points_reversed: number;
}

export interface WebhookOutcome {
  outcome: "processed" | "ignored";
  reason: string | null;
  order: {
    order_id: string;
    created: boolean;
    status: string;
    member_id: string | null;
    points_earned: number;
  } | null;
  refunds: RefundOutcome[];
}

/** A refund to apply: one the platform sent, or "the rest" when the platform says the order is refunded. */
type WantedRefund = Pick<MappedRefund, "external_id" | "amount_minor" | "refunded_at" | "reason">;

export const ignored = (reason: string): WebhookOutcome => ({
  outcome: "ignored",
  reason,
  order: null,
  refunds: [],
});

/**
 * The member an order is credited to. A platform customer already linked to a member wins (so one shopper is never
 * split in two); then a valid phone (ingestion finds the member, or makes a prospect, or holds the order, per the
 * program); then the platform customer id, for whom a prospect is opened when the program creates prospects.
 */
async function memberFor(
  tx: Executor,
  tenantId: string,
  customer: CustomerRef,
  channel: string,
  orderedAt: Date,
  now: Date,
): Promise<MemberRef | undefined> {
  const identity = customer.identity;
  if (identity) {
    const [known] = await resolveMemberRefs(tx, tenantId, [{ identity }]);
    if (known) return { identity };
  }
  for (const phone of customer.phones) {
    if (await normalizeTenantPhone(tx, tenantId, phone)) return { phone };
  }
  if (!identity) return undefined;
  if ((await getProgram(tx, tenantId)).unmatched_orders !== "create_prospect") return undefined;
  // Two deliveries for one new customer must not open two prospects: the first holds this lock to its commit,
  // and the second, once through, finds the member the first opened.
  const key = `${tenantId}|${identity.kind}|${identity.value}`;
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${key}, 0))`.execute(tx);
  const [opened] = await resolveMemberRefs(tx, tenantId, [{ identity }]);
  // Joined as the order is placed, so the order is not "before the member joined" and earns.
  if (!opened) {
    await joinMember(tx, tenantId, { identities: [identity], channel, joined_at: orderedAt }, now, {
      status: "prospect",
    });
  }
  return { identity };
}

/**
 * One platform order event: ingest the order when it is paid (idempotent by channel + external id), then apply
 * the refunds it carries (idempotent by refund id), and with `refund_rest` refund whatever is left.
 */
export async function receiveOrder(
  tx: Executor,
  tenant: Tenant,
  event: {
    channel: string;
    external_id: string;
    mapped: MappedOrder | undefined;
    refunds: MappedRefund[];
    refund_rest: boolean;
    /** Why nothing is done when the order is not paid and not known (WooCommerce's pending, on-hold…). */
    unpaid_reason?: string;
  },
  actor: string,
  now: Date,
): Promise<WebhookOutcome> {
  let order: WebhookOutcome["order"] = null;
  if (event.mapped) {
    const member = await memberFor(
      tx,
      tenant.tenant_id,
      event.mapped.customer,
      event.channel,
      event.mapped.order.ordered_at,
      now,
    );
    if (!member)
      return ignored("no customer to credit: the order has no valid phone and no customer account");
    const [result] = await ingestOrders(
      tx,
      tenant.tenant_id,
      [{ ...event.mapped.order, member }],
      actor,
      now,
    );
    if (!result) throw new Error("ingest returned no result for the order");
    // Matched by phone: remember the shop's customer id too, so an order without a phone still finds them.
    if (result.member_id && event.mapped.customer.identity && !("identity" in member)) {
      await linkIdentity(tx, tenant.tenant_id, result.member_id, event.mapped.customer.identity);
    }
    order = {
      order_id: result.order_id,
      created: result.created,
      status: result.status,
      member_id: result.member_id,
      points_earned: result.points_earned,
    };
  }
  const refunds = await receiveRefunds(
    tx,
    tenant.tenant_id,
    event.channel,
    event.external_id,
    event.refunds,
    event.refund_rest,
    actor,
    now,
  );
  // Nothing earned and nothing refunded (an unpaid order, known or not): say why, as an ignored delivery.
  if (!order && !refunds?.length) return ignored(event.unpaid_reason ?? "the order is not paid");
  return { outcome: "processed", reason: null, order, refunds: refunds ?? [] };
}

/** A refund event for one order; undefined when we never took the order in (it earned nothing to take back). */
export async function receiveRefunds(
  tx: Executor,
  tenantId: string,
  channel: string,
  orderExternalId: string,
  refunds: WantedRefund[],
  refundRest: boolean,
  actor: string,
  now: Date,
): Promise<RefundOutcome[] | undefined> {
  // Locked first, so concurrent deliveries of different refunds of one order cap against the same balance.
  const order = await tx
    .selectFrom("orders")
    .select(["order_id", "paid_minor", "refunded_minor", "status"])
    .where("tenant_id", "=", tenantId)
    .where("channel", "=", channel)
    .where("external_id", "=", orderExternalId)
    .forUpdate()
    .executeTakeFirst();
  if (!order) return undefined;
  const wanted: WantedRefund[] = refundRest
    ? [
        ...refunds,
        {
          external_id: "status:refunded",
          amount_minor: Number.MAX_SAFE_INTEGER,
          refunded_at: undefined,
          reason: "refunded",
        },
      ]
    : refunds;
  const outcomes: RefundOutcome[] = [];
  let refunded = order.refunded_minor;
  for (const r of wanted) {
    const seen = await tx
      .selectFrom("order_refunds")
      .select(["refund_id", "amount_minor", "points_reversed"])
      .where("tenant_id", "=", tenantId)
      .where("order_id", "=", order.order_id)
      .where("external_id", "=", r.external_id)
      .executeTakeFirst();
    if (seen) {
      outcomes.push({
        external_id: r.external_id,
        refund_id: seen.refund_id,
        created: false,
        amount_minor: seen.amount_minor,
        points_reversed: seen.points_reversed,
      });
      continue;
    }
    // The platform's refund can include tax or tips we never booked; we take back at most what the order holds.
    const amount = Math.min(r.amount_minor, order.paid_minor - refunded);
    if (amount <= 0 || order.status === "cancelled") {
      outcomes.push({
        external_id: r.external_id,
        refund_id: null,
        created: false,
        amount_minor: 0,
        points_reversed: 0,
      });
      continue;
    }
    const result = await refundOrder(
      tx,
      tenantId,
      order.order_id,
      { external_id: r.external_id, amount_minor: amount, refunded_at: r.refunded_at, reason: r.reason },
      actor,
      now,
    );
    refunded = result.refunded_minor;
    outcomes.push({
      external_id: r.external_id,
      refund_id: result.refund_id,
      created: result.created,
      amount_minor: result.amount_minor,
      points_reversed: result.points_reversed,
    });
  }
  return outcomes;
}

/** A refund event (Shopify's `refunds/create`): ignored when we never took the order in, as it earned nothing. */
export async function receiveRefund(
  tx: Executor,
  tenantId: string,
  channel: string,
  refund: MappedRefund,
  actor: string,
  now: Date,
): Promise<WebhookOutcome> {
  const refunds = await receiveRefunds(
    tx,
    tenantId,
    channel,
    refund.order_external_id,
    [refund],
    false,
    actor,
    now,
  );
  if (!refunds)
    return ignored("the refund is for an order Enclave never received, which earned nothing to take back");
  return { outcome: "processed", reason: null, order: null, refunds };
}
