import type { Platform } from "../platform/context.ts";
import type { Executor } from "../platform/db/database.ts";
import type { DomainEvent } from "../platform/events.ts";
import { getOrder } from "../orders/queries.ts";
import { cancelCheckout, refundCheckout } from "./settlement.ts";
import { CHECKOUT_COLUMNS, type CheckoutRow } from "./release.ts";

/**
 * An ingested order and the checkout made for it are one purchase: the checkout's `order_id` is the shop's order
 * id, which is the order's `external_id`, and both belong to the same member. When the order is cancelled or
 * refunded, the checkout follows, so a shop that reports to `/v1/orders` alone gives back coupons and points too.
 *
 * Refunds converge rather than add: the checkout is brought to the share of it the order has refunded, so a shop
 * that also refunds the checkout itself (as before this link) is not refunded twice, and a redelivered event
 * changes nothing.
 */

const ACTOR = "system:orders";

export function registerCheckoutOrderLink(platform: Platform): void {
  platform.events.subscribe("order.cancelled", async (event, tx) => {
    const linked = await linkedCheckout(tx, event);
    if (!linked) return;
    const { order, checkout } = linked;
    await cancelCheckout(
      tx,
      event.tenantId,
      checkout.order_id,
      `order ${order.channel}/${order.external_id} cancelled`,
      ACTOR,
      platform.clock.now(),
    );
  });

  platform.events.subscribe("order.refunded", async (event, tx) => {
    const linked = await linkedCheckout(tx, event);
    if (!linked || linked.checkout.status !== "committed") return;
    const { order, checkout } = linked;
    const amount = refundDue(checkout, order) - checkout.refunded_minor;
    if (amount <= 0) return;
    await refundCheckout(
      tx,
      event.tenantId,
      checkout.order_id,
      { reference: `order-refund:${String(event.payload.refund_id)}`, amount_minor: amount },
      ACTOR,
      platform.clock.now(),
    );
  });
}

/**
 * How much of the checkout's total (cash and points) the order's refunds come to: the same share as of the order's
 * paid amount, all of it once the order is wholly refunded (so rounding never leaves a remainder).
 */
export function refundDue(
  checkout: Pick<CheckoutRow, "total_due_minor">,
  order: { status: string; paid_minor: number; refunded_minor: number },
): number {
  if (order.status === "refunded") return checkout.total_due_minor;
  if (order.paid_minor <= 0) return 0;
  return Math.floor((checkout.total_due_minor * order.refunded_minor) / order.paid_minor);
}

async function linkedCheckout(tx: Executor, event: DomainEvent) {
  const orderId = event.payload.order_id;
  if (typeof orderId !== "string") return undefined;
  const order = await getOrder(tx, event.tenantId, orderId).catch(() => undefined);
  if (!order?.member_id) return undefined;
  const checkout = await tx
    .selectFrom("checkouts")
    .select(CHECKOUT_COLUMNS)
    .where("tenant_id", "=", event.tenantId)
    .where("order_id", "=", order.external_id)
    .where("member_id", "=", order.member_id)
    .executeTakeFirst();
  return checkout ? { order, checkout } : undefined;
}
