import { sql } from "kysely";
import type { Platform } from "../platform/context.ts";
import type { Executor } from "../platform/db/database.ts";
import { recordEvent } from "../platform/events.ts";

/**
 * An identity merge (members/merge.ts) moves identities, orders and points; what the coupons capability holds for
 * the absorbed record follows the `member.merged` event here, so the person keeps their wallet on the survivor:
 *
 * - every coupon, whatever its state: available and reserved ones stay usable (a reserved one with its checkout),
 *   redeemed, revoked and expired ones keep the wallet's history whole;
 * - checkouts, which follow their orders (already moved), so a cancelled or refunded order still finds its
 *   checkout (order-link.ts matches the order's member) and a released hold gives the coupon back to the survivor;
 * - points-mall redemptions, so "my redemptions" and fulfilment name the survivor;
 * - per-member counts (templates' and rewards' limits), added together: moving is not issuing, so the survivor
 *   keeps every coupon even past a limit, and is issued no more of that template until the limit allows.
 *
 * The relay runs this inside its own transaction; a second delivery finds nothing left to move and records nothing.
 */

export interface CouponsMoved {
  coupon_ids: string[];
  order_ids: string[];
  redemption_ids: string[];
}

export function registerCouponMerge(platform: Platform): void {
  platform.events.subscribe("member.merged", async (event, tx) => {
    const { survivor_id, absorbed_id } = event.payload;
    if (typeof survivor_id !== "string" || typeof absorbed_id !== "string") return;
    await moveMemberCoupons(tx, event.tenantId, absorbed_id, survivor_id, platform.clock.now());
  });
}

/** Moves one member's coupons, checkouts, redemptions and limit counts to another; records `coupon.moved`. */
export async function moveMemberCoupons(
  tx: Executor,
  tenantId: string,
  fromId: string,
  toId: string,
  now: Date,
): Promise<CouponsMoved> {
  // The house lock order (checkout rows, then coupons by id), so a checkout committing right now cannot deadlock
  // with this: whichever goes second waits, then sees the other's result.
  const order_ids = (
    await tx
      .selectFrom("checkouts")
      .select("order_id")
      .where("tenant_id", "=", tenantId)
      .where("member_id", "=", fromId)
      .orderBy("order_id")
      .forUpdate()
      .execute()
  ).map((r) => r.order_id);
  const coupon_ids = (
    await tx
      .selectFrom("coupons")
      .select("coupon_id")
      .where("tenant_id", "=", tenantId)
      .where("member_id", "=", fromId)
      .orderBy("coupon_id")
      .forUpdate()
      .execute()
  ).map((r) => r.coupon_id);
  if (order_ids.length > 0)
    await tx
      .updateTable("checkouts")
      .set({ member_id: toId, updated_at: now })
      .where("tenant_id", "=", tenantId)
      .where("order_id", "in", order_ids)
      .execute();
  if (coupon_ids.length > 0)
    await tx
      .updateTable("coupons")
      .set({ member_id: toId, updated_at: now })
      .where("tenant_id", "=", tenantId)
      .where("coupon_id", "in", coupon_ids)
      .execute();
  await sql`WITH gone AS (
      DELETE FROM coupon_member_counts WHERE tenant_id = ${tenantId} AND member_id = ${fromId}
      RETURNING template_id, issued)
    INSERT INTO coupon_member_counts (tenant_id, template_id, member_id, issued)
    SELECT ${tenantId}, template_id, ${toId}, issued FROM gone
    ON CONFLICT (tenant_id, template_id, member_id) DO UPDATE SET issued = coupon_member_counts.issued + EXCLUDED.issued`.execute(
    tx,
  );

  const redemption_ids = (
    await tx
      .updateTable("reward_redemptions")
      .set({ member_id: toId, updated_at: now })
      .where("tenant_id", "=", tenantId)
      .where("member_id", "=", fromId)
      .returning("redemption_id")
      .execute()
  )
    .map((r) => r.redemption_id)
    .sort();
  await sql`WITH gone AS (
      DELETE FROM reward_member_counts WHERE tenant_id = ${tenantId} AND member_id = ${fromId}
      RETURNING reward_id, redeemed)
    INSERT INTO reward_member_counts (tenant_id, reward_id, member_id, redeemed)
    SELECT ${tenantId}, reward_id, ${toId}, redeemed FROM gone
    ON CONFLICT (tenant_id, reward_id, member_id) DO UPDATE SET redeemed = reward_member_counts.redeemed + EXCLUDED.redeemed`.execute(
    tx,
  );

  const moved = { coupon_ids, order_ids, redemption_ids };
  if (coupon_ids.length + order_ids.length + redemption_ids.length > 0)
    await recordEvent(tx, {
      tenantId,
      type: "coupon.moved",
      subjectId: toId,
      at: now,
      payload: { member_id: toId, from_member_id: fromId, reason: "member.merged", ...moved },
    });
  return moved;
}
