import { sql } from "kysely";
import type { Executor } from "../platform/db/database.ts";
import { recordEvent } from "../platform/events.ts";
import { businessRule, Problem } from "../platform/http/problems.ts";
import { type CheckoutView, checkoutView, lockCheckout } from "./checkout.ts";
import { CHECKOUT_COLUMNS, releaseCheckouts } from "./release.ts";
import { getCouponSettings } from "./settings.ts";

/**
 * After a commit: the member paid (confirm a hold), changed their mind (cancel), or sent things back (refund).
 * Each locks the checkout row first, then follows the house lock order through releaseCheckouts.
 */

/** The member paid: a held checkout's coupons become redeemed. Again after that is a no-op; after the hold, too late. */
export async function confirmCheckout(
  tx: Executor,
  tenantId: string,
  orderId: string,
  now: Date,
): Promise<CheckoutView> {
  const row = await lockCheckout(tx, tenantId, orderId);
  if (row.status === "committed") return checkoutView(row, true);
  if (
    row.status === "released" ||
    (row.status === "held" && row.hold_until !== null && row.hold_until <= now)
  ) {
    throw new Problem("reservation-expired", `the hold on order ${orderId} ended; quote and commit again`);
  }
  if (row.status !== "held") throw new Problem("conflict", `order ${orderId}'s checkout is ${row.status}`);
  await sql`UPDATE coupons SET status = 'redeemed', redeemed_at = ${now}, updated_at = ${now}
    WHERE tenant_id = ${tenantId} AND order_id = ${orderId} AND status = 'reserved'`.execute(tx);
  const updated = await tx
    .updateTable("checkouts")
    .set({ status: "committed", committed_at: now, hold_until: null, updated_at: now })
    .where("tenant_id", "=", tenantId)
    .where("order_id", "=", orderId)
    .returning(CHECKOUT_COLUMNS)
    .executeTakeFirstOrThrow();
  await recordEvent(tx, {
    tenantId,
    type: "checkout.committed",
    subjectId: row.member_id,
    at: now,
    payload: {
      order_id: orderId,
      member_id: row.member_id,
      coupon_ids: row.coupon_ids,
      discount_minor: row.discount_minor,
      points_used: row.points_used,
      payable_minor: row.payable_minor,
    },
  });
  return checkoutView(updated, false);
}

/**
 * Cancels a checkout. A hold is released: coupons and points go back, whatever the policy (they were never
 * used). A committed checkout gives back its coupons and its points as the brand's policy says.
 */
export async function cancelCheckout(
  tx: Executor,
  tenantId: string,
  orderId: string,
  reason: string | undefined,
  actor: string,
  now: Date,
): Promise<CheckoutView> {
  const row = await lockCheckout(tx, tenantId, orderId);
  if (row.status === "released" || row.status === "cancelled" || row.status === "refunded")
    return checkoutView(row, true);
  const settings = await getCouponSettings(tx, tenantId);
  const hold = row.status === "held";
  await releaseCheckouts(
    tx,
    tenantId,
    [row],
    {
      coupons: hold || settings.cancel_restores_coupons,
      points: hold || settings.cancel_restores_points,
      key: "cancel",
      reason: reason ?? (hold ? "checkout cancelled before payment" : "order cancelled"),
      actor,
      status: hold ? "released" : "cancelled",
    },
    now,
  );
  return checkoutView(await lockCheckout(tx, tenantId, orderId), false);
}

export interface RefundEntry {
  reference: string;
  amount_minor: number;
  points_restored: number;
  at: string;
}

/**
 * A refund of part (or the rest) of a committed checkout: points paid come back in proportion to the amount
 * refunded (exactly, however many partial refunds), coupons only once everything is refunded, per the policy.
 */
export async function refundCheckout(
  tx: Executor,
  tenantId: string,
  orderId: string,
  input: { reference: string; amount_minor: number },
  actor: string,
  now: Date,
): Promise<CheckoutView> {
  const row = await lockCheckout(tx, tenantId, orderId);
  const refunds = row.refunds as RefundEntry[];
  const earlier = refunds.find((r) => r.reference === input.reference);
  if (earlier) {
    if (earlier.amount_minor !== input.amount_minor) {
      throw new Problem("conflict", `refund ${input.reference} was for ${earlier.amount_minor}`, {
        errors: [{ in: "body", field: "/reference", message: "already used for another amount" }],
      });
    }
    return checkoutView(row, true);
  }
  if (row.status !== "committed")
    throw new Problem(
      "conflict",
      `order ${orderId}'s checkout is ${row.status}; only a committed checkout is refunded`,
    );
  const left = row.total_due_minor - row.refunded_minor;
  if (input.amount_minor > left) throw businessRule(`only ${left} is left to refund`, "/amount_minor");
  const settings = await getCouponSettings(tx, tenantId);
  const refunded = row.refunded_minor + input.amount_minor;
  const full = refunded === row.total_due_minor;
  await releaseCheckouts(
    tx,
    tenantId,
    [row],
    {
      coupons: full && settings.cancel_restores_coupons,
      points: settings.cancel_restores_points,
      key: `refund:${input.reference}`,
      reason: `order refunded (${input.reference})`,
      actor,
      status: full ? "refunded" : "committed",
      refund: {
        reference: input.reference,
        amount_minor: input.amount_minor,
        refunded_total_minor: refunded,
      },
    },
    now,
  );
  return checkoutView(await lockCheckout(tx, tenantId, orderId), false);
}
