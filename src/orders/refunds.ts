import type { Executor } from "../platform/db/database.ts";
import { recordEvent } from "../platform/events.ts";
import { businessRule, notFound, Problem } from "../platform/http/problems.ts";
import { newId } from "../platform/ids.ts";
import { proportionalReversal } from "../points/lots.ts";
import { activateDueLots, reversePoints } from "../points/movements.ts";
import { getProgram } from "../points/program.ts";
import { refundAmountForLines, type RefundLine } from "./rules.ts";
import type { OrderStatus } from "./tables.ts";

export interface RefundInput {
  /** The refund's id in the channel: the same refund twice is one refund. */
  external_id: string;
  amount_minor?: number | undefined;
  lines?: RefundLine[] | undefined;
  refunded_at?: Date | undefined;
  reason?: string | undefined;
}

export interface RefundResult {
  refund_id: string;
  order_id: string;
  external_id: string;
  created: boolean;
  amount_minor: number;
  points_reversed: number;
  /** Points the member had already spent and now owes (negative-balance policy) or that were written off (clamp). */
  points_shortfall: number;
  order_status: OrderStatus;
  refunded_minor: number;
}

async function lockOrder(tx: Executor, tenantId: string, orderId: string) {
  const order = await tx
    .selectFrom("orders")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("order_id", "=", orderId)
    .forUpdate()
    .executeTakeFirst();
  if (!order) throw notFound("order", orderId);
  return order;
}

/** Points and growth to take back so that, after `refundedAfter`, exactly the refunded share has been reversed. */
function reversalFor(
  order: { points_earned: number; growth_earned: number; paid_minor: number; shipping_minor: number },
  refundedBefore: number,
  refundedAfter: number,
) {
  const basis = order.paid_minor - order.shipping_minor;
  const share = (earned: number, refunded: number) =>
    proportionalReversal(earned, basis, Math.min(refunded, basis), 0);
  return {
    points: share(order.points_earned, refundedAfter) - share(order.points_earned, refundedBefore),
    growth: share(order.growth_earned, refundedAfter) - share(order.growth_earned, refundedBefore),
  };
}

/** Takes back what the order earned for the part refunded since `order.refunded_minor`, per the refund policy. */
async function takeBack(
  tx: Executor,
  tenantId: string,
  order: Awaited<ReturnType<typeof lockOrder>>,
  refundedAfter: number,
  reason: string,
  actor: string,
  now: Date,
): Promise<{ reversed: number; shortfall: number }> {
  const reversal = reversalFor(order, order.refunded_minor, refundedAfter);
  if (!order.member_id || (reversal.points <= 0 && reversal.growth <= 0))
    return { reversed: 0, shortfall: 0 };
  const program = await getProgram(tx, tenantId);
  const result = await reversePoints(
    tx,
    tenantId,
    {
      member_id: order.member_id,
      points: reversal.points,
      growth: reversal.growth,
      source_type: "order",
      source_id: order.order_id,
      reason,
      policy: program.refund_policy,
      actor,
    },
    now,
  );
  return { reversed: result.reversed, shortfall: result.shortfall };
}

/**
 * Refunds part or all of an order, by amount or by returned lines, and takes back the points it earned in
 * proportion. A refund larger than what is left to refund is refused; the same refund id twice is one refund.
 */
export async function refundOrder(
  tx: Executor,
  tenantId: string,
  orderId: string,
  input: RefundInput,
  actor: string,
  now: Date,
): Promise<RefundResult> {
  const order = await lockOrder(tx, tenantId, orderId);
  const previous = await tx
    .selectFrom("order_refunds")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("order_id", "=", orderId)
    .where("external_id", "=", input.external_id)
    .executeTakeFirst();
  if (previous) {
    return {
      refund_id: previous.refund_id,
      order_id: orderId,
      external_id: previous.external_id,
      created: false,
      amount_minor: previous.amount_minor,
      points_reversed: previous.points_reversed,
      points_shortfall: 0,
      order_status: order.status,
      refunded_minor: order.refunded_minor,
    };
  }
  if (order.status === "cancelled")
    throw businessRule(`order ${orderId} was cancelled; there is nothing to refund`);
  const refundable = order.paid_minor - order.refunded_minor;
  const lines = await tx
    .selectFrom("order_lines")
    .select(["line_no", "quantity", "unit_price_minor", "discount_minor", "refunded_quantity"])
    .where("tenant_id", "=", tenantId)
    .where("order_id", "=", orderId)
    .orderBy("line_no")
    .execute();
  let amount = input.amount_minor;
  if (input.lines && input.lines.length > 0) {
    const computed = refundAmountForLines(lines, input.lines, order);
    if ("errors" in computed)
      throw new Problem("validation-failed", computed.errors[0]?.message ?? "invalid lines", {
        errors: computed.errors,
      });
    const returnsEverything = lines.every(
      (l) =>
        l.quantity - l.refunded_quantity ===
        (input.lines?.filter((r) => r.line_no === l.line_no).reduce((a, r) => a + r.quantity, 0) ?? 0),
    );
    // Returning every remaining unit refunds all remaining merchandise exactly (no rounding left behind).
    amount ??= returnsEverything
      ? Math.max(0, order.paid_minor - order.shipping_minor - order.refunded_minor)
      : computed.amount_minor;
  }
  if (amount === undefined)
    throw new Problem("validation-failed", "give amount_minor or lines", {
      errors: [{ in: "body", field: "/amount_minor", message: "amount_minor or lines is required" }],
    });
  if (amount <= 0)
    throw new Problem("validation-failed", "a refund must be more than zero", {
      errors: [{ in: "body", field: "/amount_minor", message: "must be more than zero" }],
    });
  if (amount > refundable) {
    throw new Problem(
      "business-rule",
      `refund of ${amount} is larger than the ${refundable} left to refund on order ${orderId}`,
      {
        errors: [{ in: "body", field: "/amount_minor", message: `at most ${refundable}` }],
      },
    );
  }

  const refundedAfter = order.refunded_minor + amount;
  const { reversed, shortfall } = await takeBack(
    tx,
    tenantId,
    order,
    refundedAfter,
    `refund ${input.external_id} of order ${order.channel}/${order.external_id}`,
    actor,
    now,
  );
  const status: OrderStatus = refundedAfter === order.paid_minor ? "refunded" : order.status;
  await tx
    .updateTable("orders")
    .set({ refunded_minor: refundedAfter, status, updated_at: now })
    .where("tenant_id", "=", tenantId)
    .where("order_id", "=", orderId)
    .execute();
  for (const line of input.lines ?? []) {
    await tx
      .updateTable("order_lines")
      .set((eb) => ({ refunded_quantity: eb("refunded_quantity", "+", line.quantity) }))
      .where("tenant_id", "=", tenantId)
      .where("order_id", "=", orderId)
      .where("line_no", "=", line.line_no)
      .execute();
  }
  const refundId = newId("refund");
  await tx
    .insertInto("order_refunds")
    .values({
      tenant_id: tenantId,
      order_id: orderId,
      external_id: input.external_id,
      refund_id: refundId,
      amount_minor: amount,
      lines: JSON.stringify(input.lines ?? []),
      points_reversed: reversed,
      refunded_at: input.refunded_at ?? now,
      created_at: now,
    })
    .execute();
  await recordEvent(tx, {
    tenantId,
    type: "order.refunded",
    subjectId: order.member_id,
    at: now,
    payload: {
      order_id: orderId,
      external_id: order.external_id,
      channel: order.channel,
      member_id: order.member_id,
      refund_id: refundId,
      amount_minor: amount,
      // The order after this refund, so subscribers need not read it back.
      paid_minor: order.paid_minor,
      refunded_minor: refundedAfter,
      order_status: status,
      points_reversed: reversed,
      points_shortfall: shortfall,
      reason: input.reason ?? null,
    },
  });
  return {
    refund_id: refundId,
    order_id: orderId,
    external_id: input.external_id,
    created: true,
    amount_minor: amount,
    points_reversed: reversed,
    points_shortfall: shortfall,
    order_status: status,
    refunded_minor: refundedAfter,
  };
}

/** Cancels an order before its return window closes: everything it earned is taken back. */
export async function cancelOrder(
  tx: Executor,
  tenantId: string,
  orderId: string,
  reason: string | undefined,
  actor: string,
  now: Date,
) {
  const order = await lockOrder(tx, tenantId, orderId);
  if (order.status === "cancelled")
    return { order_id: orderId, status: order.status, points_reversed: 0, replayed: true };
  if (order.status !== "paid" && order.status !== "unmatched") {
    throw businessRule(`order ${orderId} is ${order.status}; refund it instead of cancelling`);
  }
  const { reversed } = await takeBack(
    tx,
    tenantId,
    order,
    order.paid_minor,
    `order ${order.channel}/${order.external_id} cancelled`,
    actor,
    now,
  );
  await tx
    .updateTable("orders")
    .set({ status: "cancelled", updated_at: now })
    .where("tenant_id", "=", tenantId)
    .where("order_id", "=", orderId)
    .execute();
  await recordEvent(tx, {
    tenantId,
    type: "order.cancelled",
    subjectId: order.member_id,
    at: now,
    payload: {
      order_id: orderId,
      external_id: order.external_id,
      channel: order.channel,
      member_id: order.member_id,
      points_reversed: reversed,
      reason: reason ?? null,
    },
  });
  return { order_id: orderId, status: "cancelled" as const, points_reversed: reversed, replayed: false };
}

const COMPLETION_BATCH = 1_000;

/** The return window passed: orders complete and their pending points become available. Returns how many. */
export async function completeDueOrders(tx: Executor, now: Date): Promise<number> {
  const due = await tx
    .selectFrom("orders")
    .select(["tenant_id", "order_id", "member_id"])
    .where("status", "=", "paid")
    .where("completes_at", "<=", now)
    .limit(COMPLETION_BATCH)
    .forUpdate()
    .skipLocked()
    .execute();
  for (const order of due) {
    await tx
      .updateTable("orders")
      .set({ status: "completed", completed_at: now, updated_at: now })
      .where("tenant_id", "=", order.tenant_id)
      .where("order_id", "=", order.order_id)
      .execute();
  }
  const byTenant = new Map<string, string[]>();
  for (const order of due)
    byTenant.set(order.tenant_id, [...(byTenant.get(order.tenant_id) ?? []), order.order_id]);
  for (const [tenantId, orderIds] of byTenant) {
    await activateDueLots(tx, now, { tenantId, sourceIds: orderIds });
    await tx
      .insertInto("outbox")
      .values(
        due
          .filter((o) => o.tenant_id === tenantId)
          .map((o) => ({
            tenant_id: tenantId,
            event_id: newId("event"),
            type: "order.completed",
            subject_id: o.member_id,
            payload: JSON.stringify({ order_id: o.order_id }),
            occurred_at: now,
          })),
      )
      .execute();
  }
  return due.length;
}
