import type { Platform } from "../platform/context.ts";
import type { Executor } from "../platform/db/database.ts";
import type { DomainEvent } from "../platform/events.ts";
import { cancelCheckout, refundCheckout } from "./settlement.ts";
import { CHECKOUT_COLUMNS, type CheckoutRow } from "./release.ts";

/**
 * An ingested order and the checkout made for it are one purchase: the checkout's `order_id` is the shop's order
 * id, which is the order's `external_id`, and both belong to the same member. When the order is cancelled or
 * refunded, the checkout follows, so a shop that reports to `/v1/orders` alone gives back coupons and points too.
 * The order's events carry what this needs (its external id, member and amounts), so an order without a checkout
 * costs one indexed look-up here.
 *
 * Refunds converge rather than add: the checkout is brought to the share of it the order has refunded, so a shop
 * that also refunds the checkout itself (as before this link) is not refunded twice, and a redelivered event
 * changes nothing.
 */

const ACTOR = "system:orders";

export function registerCheckoutOrderLink(platform: Platform): void {
  platform.events.subscribe("order.cancelled", async (event, tx) => {
    const checkout = await linkedCheckout(tx, event);
    if (!checkout) return;
    await cancelCheckout(
      tx,
      event.tenantId,
      checkout.order_id,
      `order ${String(event.payload.channel)}/${checkout.order_id} cancelled`,
      ACTOR,
      platform.clock.now(),
    );
  });

  platform.events.subscribe("order.refunded", async (event, tx) => {
    const { paid_minor, refunded_minor, order_status } = event.payload;
    if (typeof paid_minor !== "number" || typeof refunded_minor !== "number") return;
    const checkout = await linkedCheckout(tx, event);
    if (checkout?.status !== "committed") return;
    const order = { status: String(order_status), paid_minor, refunded_minor };
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

async function linkedCheckout(tx: Executor, event: DomainEvent): Promise<CheckoutRow | undefined> {
  const { external_id: externalId, member_id: memberId } = event.payload;
  if (typeof externalId !== "string" || typeof memberId !== "string") return undefined;
  return tx
    .selectFrom("checkouts")
    .select(CHECKOUT_COLUMNS)
    .where("tenant_id", "=", event.tenantId)
    .where("order_id", "=", externalId)
    .where("member_id", "=", memberId)
    .executeTakeFirst();
}
