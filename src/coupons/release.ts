import { sql } from "kysely";
import { insertMany } from "../platform/db/bulk.ts";
import type { Executor } from "../platform/db/database.ts";
import { newId } from "../platform/ids.ts";
import { lockBalances } from "../points/balances.ts";
import { proportionalReversal } from "../points/lots.ts";
import { restoreSpentPoints } from "../points/movements.ts";
import type { CheckoutStatus } from "./tables.ts";

/**
 * Giving back what checkouts took: a hold that timed out or was cancelled, a cancelled order, a refund. One
 * function for all of them, taking its locks in the house order (coupons → templates → balances).
 */

export const CHECKOUT_COLUMNS = [
  "checkout_id",
  "order_id",
  "member_id",
  "status",
  "request_hash",
  "currency",
  "coupon_ids",
  "discount_minor",
  "total_due_minor",
  "points_used",
  "points_value_minor",
  "payable_minor",
  "refunded_minor",
  "points_restored",
  "refunds",
  "pricing",
  "hold_until",
  "committed_at",
  "ended_at",
  "created_at",
] as const;

export interface CheckoutRow {
  checkout_id: string;
  order_id: string;
  member_id: string;
  status: CheckoutStatus;
  request_hash: string;
  currency: string;
  coupon_ids: string[];
  discount_minor: number;
  total_due_minor: number;
  points_used: number;
  points_value_minor: number;
  payable_minor: number;
  refunded_minor: number;
  points_restored: number;
  refunds: unknown[];
  pricing: Record<string, unknown>;
  hold_until: Date | null;
  committed_at: Date | null;
  ended_at: Date | null;
  created_at: Date;
}

/** Holds released per job step: each step is one short transaction. */
export const RELEASE_BATCH = 100;

export interface ReleaseOptions {
  /** Give the coupons back (available again until their own end). */
  coupons: boolean;
  /** Give the points back: all not yet given back, or for a refund its proportional share. */
  points: boolean;
  /** Business key of this release per checkout ("cancel", "hold-expired", "refund:<reference>"). */
  key: string;
  reason: string;
  actor: string;
  status: CheckoutStatus;
  refund?: { reference: string; amount_minor: number; refunded_total_minor: number };
}

/** The rows are locked by the caller and belong to one tenant. */
export async function releaseCheckouts(
  tx: Executor,
  tenantId: string,
  rows: CheckoutRow[],
  options: ReleaseOptions,
  now: Date,
): Promise<void> {
  if (rows.length === 0) return;
  const orderIds = rows.map((r) => r.order_id);
  if (options.coupons) {
    const coupons = await tx
      .selectFrom("coupons")
      .select(["coupon_id", "template_id", "discount_minor"])
      .where("tenant_id", "=", tenantId)
      .where("order_id", "in", orderIds)
      .where("status", "in", ["reserved", "redeemed"])
      .orderBy("coupon_id")
      .forUpdate()
      .execute();
    if (coupons.length > 0) {
      await tx
        .updateTable("coupons")
        .set({
          status: "available",
          order_id: null,
          discount_minor: null,
          redeemed_at: null,
          updated_at: now,
        })
        .where("tenant_id", "=", tenantId)
        .where(
          "coupon_id",
          "in",
          coupons.map((c) => c.coupon_id),
        )
        .execute();
      const perTemplate = new Map<string, number>();
      for (const c of coupons)
        perTemplate.set(c.template_id, (perTemplate.get(c.template_id) ?? 0) + (c.discount_minor ?? 0));
      for (const [templateId, amount] of [...perTemplate].sort(([a], [b]) => a.localeCompare(b))) {
        if (amount === 0) continue;
        await sql`UPDATE coupon_templates SET discount_granted_minor = discount_granted_minor - ${amount}::bigint
          WHERE tenant_id = ${tenantId} AND template_id = ${templateId} AND budget_minor IS NOT NULL`.execute(
          tx,
        );
      }
    }
  }
  const restored = new Map<string, number>();
  if (options.points) {
    const spending = rows.filter((r) => r.points_used > r.points_restored);
    await lockBalances(
      tx,
      tenantId,
      spending.map((r) => r.member_id),
    );
    for (const row of spending) {
      const amount = options.refund
        ? proportionalReversal(
            row.points_used,
            row.total_due_minor,
            options.refund.refunded_total_minor,
            row.points_restored,
          )
        : row.points_used - row.points_restored;
      if (amount <= 0) continue;
      const result = await restoreSpentPoints(
        tx,
        tenantId,
        {
          member_id: row.member_id,
          source_type: "checkout",
          source_id: row.order_id,
          restore_key: options.key,
          amount,
          reason: options.reason,
          actor: options.actor,
        },
        now,
      );
      restored.set(row.order_id, result.restored);
    }
  }
  const terminal = options.status !== "committed" && options.status !== "held";
  for (const row of rows) {
    const pointsBack = restored.get(row.order_id) ?? 0;
    const refunds = options.refund
      ? [
          ...row.refunds,
          {
            reference: options.refund.reference,
            amount_minor: options.refund.amount_minor,
            points_restored: pointsBack,
            at: now.toISOString(),
          },
        ]
      : row.refunds;
    await tx
      .updateTable("checkouts")
      .set({
        status: options.status,
        hold_until: null,
        refunded_minor: options.refund ? options.refund.refunded_total_minor : row.refunded_minor,
        points_restored: row.points_restored + pointsBack,
        refunds: JSON.stringify(refunds),
        ...(terminal ? { ended_at: now } : {}),
        updated_at: now,
      })
      .where("tenant_id", "=", tenantId)
      .where("order_id", "=", row.order_id)
      .execute();
  }
  const type = options.refund ? "checkout.refunded" : `checkout.${options.status}`;
  await insertMany(
    tx,
    "outbox",
    {
      tenant_id: "text",
      event_id: "text",
      type: "text",
      subject_id: "text",
      payload: "jsonb",
      occurred_at: "timestamptz",
    },
    rows.map((row) => ({
      tenant_id: tenantId,
      event_id: newId("event"),
      type,
      subject_id: row.member_id,
      payload: {
        order_id: row.order_id,
        member_id: row.member_id,
        reason: options.reason,
        coupons_restored: options.coupons ? row.coupon_ids : [],
        points_restored: restored.get(row.order_id) ?? 0,
        ...(options.refund
          ? { refund_reference: options.refund.reference, amount_minor: options.refund.amount_minor }
          : {}),
      },
      occurred_at: now,
    })),
  );
}

/**
 * The job: releases holds whose time is up, a batch per call (returns how many, so the caller repeats until 0).
 * SKIP LOCKED lets several workers share the work and never waits on a checkout being confirmed right now.
 */
export async function releaseExpiredReservations(tx: Executor, now: Date): Promise<number> {
  const due = await tx
    .selectFrom("checkouts")
    .select(["tenant_id", ...CHECKOUT_COLUMNS])
    .where("status", "=", "held")
    .where("hold_until", "<=", now)
    .orderBy("hold_until")
    .limit(RELEASE_BATCH)
    .forUpdate()
    .skipLocked()
    .execute();
  const byTenant = new Map<string, CheckoutRow[]>();
  for (const { tenant_id, ...row } of due) byTenant.set(tenant_id, [...(byTenant.get(tenant_id) ?? []), row]);
  for (const [tenantId, rows] of byTenant) {
    await releaseCheckouts(
      tx,
      tenantId,
      rows,
      {
        coupons: true,
        points: true,
        key: "hold-expired",
        reason: "checkout hold expired",
        actor: "system:checkout-holds",
        status: "released",
      },
      now,
    );
  }
  return due.length;
}
