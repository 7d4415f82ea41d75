import { createHash } from "node:crypto";
import type { Executor } from "../platform/db/database.ts";
import { recordEvent } from "../platform/events.ts";
import { businessRule, notFound, Problem } from "../platform/http/problems.ts";
import { newId } from "../platform/ids.ts";
import { spendPoints } from "../points/movements.ts";
import type { Cart } from "./offers.ts";
import { pointsPaymentValue } from "./points-payment.ts";
import type { Pricing } from "./pricing.ts";
import { checkoutContext, earningInputs, estimateEarnings } from "./quote.ts";
import { type CheckoutRow, CHECKOUT_COLUMNS } from "./release.ts";
import { priceSelection } from "./selection.ts";
import { getCouponSettings } from "./settings.ts";
import { couponsByRef, toOffer } from "./wallet.ts";

/**
 * Commit: the coupons and points a checkout quoted are taken, exactly once per order id, in one transaction.
 * Either held for a short time while the member pays (then confirmed, or released on cancel or timeout) or
 * redeemed at once. Lock order, the same everywhere: checkout row → coupons (by id) → templates (by id) →
 * the member's balance; so parallel checkouts, cancellations and the release job cannot deadlock.
 */

export interface CommitInput {
  order_id: string;
  member_id: string;
  cart: Cart;
  /** Coupon ids or printed codes. */
  coupons: string[];
  points: number;
  /** What the quote said is left to pay: the commit refuses to charge anything else. */
  expected_payable_minor: number;
  hold: boolean;
}

export interface CheckoutView {
  checkout_id: string;
  order_id: string;
  member_id: string;
  status: CheckoutRow["status"];
  currency: string;
  coupons: { coupon_id: string; code: string; name: string; kind: string; discount_minor: number }[];
  discount_minor: number;
  total_due_minor: number;
  points_used: number;
  points_value_minor: number;
  payable_minor: number;
  points_to_earn: number;
  refunded_minor: number;
  points_restored: number;
  hold_until: Date | null;
  committed_at: Date | null;
  ended_at: Date | null;
  pricing: Pricing | null;
  replayed: boolean;
}

export function checkoutView(row: CheckoutRow, replayed: boolean): CheckoutView {
  const pricing = row.pricing as { pricing?: Pricing; points_to_earn?: number };
  return {
    checkout_id: row.checkout_id,
    order_id: row.order_id,
    member_id: row.member_id,
    status: row.status,
    currency: row.currency,
    coupons: pricing.pricing?.coupons ?? [],
    discount_minor: row.discount_minor,
    total_due_minor: row.total_due_minor,
    points_used: row.points_used,
    points_value_minor: row.points_value_minor,
    payable_minor: row.payable_minor,
    points_to_earn: pricing.points_to_earn ?? 0,
    refunded_minor: row.refunded_minor,
    points_restored: row.points_restored,
    hold_until: row.hold_until,
    committed_at: row.committed_at,
    ended_at: row.ended_at,
    pricing: pricing.pricing ?? null,
    replayed,
  };
}

function requestHash(input: CommitInput): string {
  const canonical = JSON.stringify([
    input.member_id,
    input.cart,
    [...input.coupons].sort(),
    input.points,
    input.expected_payable_minor,
    input.hold,
  ]);
  return createHash("sha256").update(canonical).digest("hex");
}

export async function commitCheckout(
  tx: Executor,
  tenantId: string,
  input: CommitInput,
  actor: string,
  now: Date,
): Promise<CheckoutView> {
  const hash = requestHash(input);
  // The order id is claimed first: a second commit of the same order waits here for the first, then answers
  // with its result (or, if the first failed and rolled back, computes its own).
  const claimed = await tx
    .insertInto("checkouts")
    .values({
      tenant_id: tenantId,
      order_id: input.order_id,
      checkout_id: newId("checkout"),
      member_id: input.member_id,
      status: "held",
      request_hash: hash,
      currency: input.cart.currency,
      coupon_ids: "[]",
      refunds: "[]",
      pricing: "{}",
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.columns(["tenant_id", "order_id"]).doNothing())
    .returning("checkout_id")
    .executeTakeFirst();
  if (!claimed) {
    const existing = await lockCheckout(tx, tenantId, input.order_id);
    if (existing.request_hash !== hash) {
      throw new Problem(
        "conflict",
        `order ${input.order_id} was already checked out with other coupons, points or cart`,
        {
          errors: [{ in: "body", field: "/order_id", message: "already checked out differently" }],
        },
      );
    }
    return checkoutView(existing, true);
  }

  const context = await checkoutContext(tx, tenantId, input.member_id, input.cart, now);
  const found = await couponsByRef(tx, tenantId, input.coupons, { lock: true });
  const named = input.coupons.map((ref) => {
    const coupon = found.get(ref);
    return { ref, offer: coupon ? toOffer(coupon) : undefined, member_id: coupon?.member_id };
  });
  const { pricing } = priceSelection(named, input.member_id, input.cart, context.member, now);

  const settings = await getCouponSettings(tx, tenantId);
  const points = pointsPaymentValue(settings.points_payment, pricing.total_due_minor, input.points);
  if ("problem" in points) throw businessRule(points.problem, "/points");
  const payable = pricing.total_due_minor - points.value_minor;
  if (payable !== input.expected_payable_minor) {
    throw new Problem(
      "quote-mismatch",
      `the cart, coupons and points come to ${payable}, not ${input.expected_payable_minor}: quote again`,
      {
        errors: [{ in: "body", field: "/expected_payable_minor", message: `is ${payable} now` }],
        extensions: {
          expected_payable_minor: input.expected_payable_minor,
          payable_minor: payable,
          discount_minor: pricing.discount_minor,
        },
      },
    );
  }

  await grantFromBudgets(tx, tenantId, pricing, found);
  if (input.points > 0) {
    try {
      await spendPoints(
        tx,
        tenantId,
        {
          member_id: input.member_id,
          amount: input.points,
          reason: `checkout ${input.order_id}`,
          source_type: "checkout",
          source_id: input.order_id,
          actor,
        },
        now,
      );
    } catch (error) {
      if (error instanceof Problem && error.code === "business-rule") {
        throw new Problem("insufficient-points", error.message, {
          errors: [{ in: "body", field: "/points", message: error.message }],
        });
      }
      throw error;
    }
  }
  for (const effect of pricing.coupons) {
    const updated = await tx
      .updateTable("coupons")
      .set({
        status: input.hold ? "reserved" : "redeemed",
        order_id: input.order_id,
        discount_minor: effect.discount_minor,
        redeemed_at: input.hold ? null : now,
        updated_at: now,
      })
      .where("tenant_id", "=", tenantId)
      .where("coupon_id", "=", effect.coupon_id)
      .where("status", "=", "available")
      .executeTakeFirst();
    // The coupon row is locked and was available: anything else is a bug, and the transaction stops here.
    if (Number(updated.numUpdatedRows) !== 1)
      throw new Error(`coupon ${effect.coupon_id} changed under its lock`);
  }

  const earnings = estimateEarnings(
    await earningInputs(tx, tenantId, input.member_id, now),
    context,
    input.cart,
    pricing,
    points.value_minor,
    now,
  );
  const holdUntil = input.hold ? new Date(now.getTime() + settings.hold_minutes * 60_000) : null;
  const row = await tx
    .updateTable("checkouts")
    .set({
      status: input.hold ? "held" : "committed",
      coupon_ids: JSON.stringify(pricing.coupon_ids),
      discount_minor: pricing.discount_minor,
      total_due_minor: pricing.total_due_minor,
      points_used: input.points,
      points_value_minor: points.value_minor,
      payable_minor: payable,
      pricing: JSON.stringify({ pricing, points_to_earn: earnings.points, growth_to_earn: earnings.growth }),
      hold_until: holdUntil,
      committed_at: input.hold ? null : now,
      updated_at: now,
    })
    .where("tenant_id", "=", tenantId)
    .where("order_id", "=", input.order_id)
    .returning(CHECKOUT_COLUMNS)
    .executeTakeFirstOrThrow();
  await recordEvent(tx, {
    tenantId,
    type: input.hold ? "checkout.held" : "checkout.committed",
    subjectId: input.member_id,
    at: now,
    payload: {
      order_id: input.order_id,
      member_id: input.member_id,
      coupon_ids: pricing.coupon_ids,
      discount_minor: pricing.discount_minor,
      points_used: input.points,
      payable_minor: payable,
      hold_until: holdUntil?.toISOString() ?? null,
    },
  });
  return checkoutView(row, false);
}

/** Counts each coupon's discount against its template's money budget; one that no longer fits stops the commit. */
async function grantFromBudgets(
  tx: Executor,
  tenantId: string,
  pricing: Pricing,
  found: Map<string, { coupon_id: string; template: { template_id: string; budget_minor: number | null } }>,
): Promise<void> {
  const templateOf = new Map([...found.values()].map((c) => [c.coupon_id, c.template]));
  const perTemplate = new Map<string, number>();
  for (const effect of pricing.coupons) {
    const template = templateOf.get(effect.coupon_id);
    if (template?.budget_minor === null || template === undefined) continue;
    perTemplate.set(
      template.template_id,
      (perTemplate.get(template.template_id) ?? 0) + effect.discount_minor,
    );
  }
  for (const [templateId, amount] of [...perTemplate].sort(([a], [b]) => a.localeCompare(b))) {
    const row = await tx
      .updateTable("coupon_templates")
      .set((eb) => ({ discount_granted_minor: eb("discount_granted_minor", "+", amount) }))
      .where("tenant_id", "=", tenantId)
      .where("template_id", "=", templateId)
      .where("budget_minor", "is not", null)
      .where((eb) => eb(eb("discount_granted_minor", "+", amount), "<=", eb.ref("budget_minor")))
      .returning("template_id")
      .executeTakeFirst();
    if (!row)
      throw new Problem("insufficient-stock", `the budget of coupon template ${templateId} is used up`, {
        extensions: { template_id: templateId },
      });
  }
}

export async function lockCheckout(tx: Executor, tenantId: string, orderId: string): Promise<CheckoutRow> {
  const row = await tx
    .selectFrom("checkouts")
    .select(CHECKOUT_COLUMNS)
    .where("tenant_id", "=", tenantId)
    .where("order_id", "=", orderId)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw notFound("checkout for order", orderId);
  return row;
}

export async function getCheckout(db: Executor, tenantId: string, orderId: string): Promise<CheckoutRow> {
  const row = await db
    .selectFrom("checkouts")
    .select(CHECKOUT_COLUMNS)
    .where("tenant_id", "=", tenantId)
    .where("order_id", "=", orderId)
    .executeTakeFirst();
  if (!row) throw notFound("checkout for order", orderId);
  return row;
}
