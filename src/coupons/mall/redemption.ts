import { sql } from "kysely";
import type { Executor } from "../../platform/db/database.ts";
import { recordEvent } from "../../platform/events.ts";
import { toPage } from "../../platform/http/pagination.ts";
import { invalidField, notFound, Problem } from "../../platform/http/problems.ts";
import { newId } from "../../platform/ids.ts";
import { pointsFacts, restoreSpentPoints, spendPoints } from "../../points/movements.ts";
import { effectiveTierBenefits } from "../../tiers/service.ts";
import { issueCoupons, newCouponCode } from "../issuance.ts";
import type { RedemptionStatus, RewardKind } from "../tables.ts";
import { findReward, type Reward } from "./catalog.ts";
import { fulfilmentStep, initialStatus, type RedeemBlocker, redeemBlocker } from "./rules.ts";
import type { Address } from "./schemas.ts";

/**
 * Redeeming a reward: points, stock, the per-member limit and the reward itself (a coupon, a voucher code, goods
 * to ship) in one transaction, all or nothing. Lock order: redemption → reward → counters → coupon template →
 * the member's balance, as in checkout, so the two never deadlock.
 */

export interface Redemption {
  redemption_id: string;
  reward_id: string;
  reward_code: string;
  reward_name: string;
  kind: RewardKind;
  member_id: string;
  reference: string;
  points_spent: number;
  cash_minor: number;
  cash_payment_reference: string | null;
  status: RedemptionStatus;
  coupon_id: string | null;
  voucher_code: string | null;
  shipping_address: Record<string, unknown> | null;
  tracking_no: string | null;
  carrier: string | null;
  created_at: Date;
  updated_at: Date;
}

const PROBLEM_OF: Record<
  RedeemBlocker,
  {
    code: "business-rule" | "insufficient-stock" | "limit-reached" | "insufficient-points" | "not-found";
    message: string;
  }
> = {
  inactive: { code: "not-found", message: "this reward is not offered" },
  tier: { code: "business-rule", message: "this reward is for other tiers" },
  cash_through_brand: {
    code: "business-rule",
    message: "pay the cash part at the brand's checkout, which redeems it for you",
  },
  out_of_stock: { code: "insufficient-stock", message: "this reward is out of stock" },
  limit_reached: { code: "limit-reached", message: "the per-member limit for this reward is reached" },
  not_enough_points: { code: "insufficient-points", message: "not enough points" },
};

const refuse = (blocker: RedeemBlocker) =>
  new Problem(PROBLEM_OF[blocker].code, PROBLEM_OF[blocker].message, { extensions: { reason: blocker } });

function selectRedemptions(db: Executor, tenantId: string) {
  return db
    .selectFrom("reward_redemptions as r")
    .innerJoin("rewards as w", (join) =>
      join.onRef("w.tenant_id", "=", "r.tenant_id").onRef("w.reward_id", "=", "r.reward_id"),
    )
    .select([
      "r.redemption_id",
      "r.reward_id",
      "w.code as reward_code",
      "w.name as reward_name",
      "w.kind",
      "r.member_id",
      "r.reference",
      "r.points_spent",
      "r.cash_minor",
      "r.cash_payment_reference",
      "r.status",
      "r.coupon_id",
      "r.voucher_code",
      "r.shipping_address",
      "r.tracking_no",
      "r.carrier",
      "r.created_at",
      "r.updated_at",
    ])
    .where("r.tenant_id", "=", tenantId);
}

async function readRedemption(db: Executor, tenantId: string, redemptionId: string): Promise<Redemption> {
  const row = await selectRedemptions(db, tenantId)
    .where("r.redemption_id", "=", redemptionId)
    .executeTakeFirst();
  if (!row) throw notFound("redemption", redemptionId);
  return row;
}

export interface RedeemInput {
  member_id: string;
  reward_code: string;
  reference: string;
  shipping_address?: Address | undefined;
  cash_payment_reference?: string | undefined;
  via: "member" | "brand";
  actor: string;
}

export async function redeemReward(
  tx: Executor,
  tenantId: string,
  input: RedeemInput,
  now: Date,
): Promise<Redemption & { replayed: boolean }> {
  const reward = await findReward(tx, tenantId, { code: input.reward_code });
  if (!reward) throw notFound("reward", input.reward_code);
  const redemptionId = newId("redemption");
  const claimed = await tx
    .insertInto("reward_redemptions")
    .values({
      tenant_id: tenantId,
      redemption_id: redemptionId,
      reward_id: reward.reward_id,
      member_id: input.member_id,
      reference: input.reference,
      points_spent: reward.price_points,
      cash_minor: reward.price_cash_minor,
      cash_payment_reference: input.cash_payment_reference ?? null,
      status: initialStatus(reward.kind),
      shipping_address:
        reward.kind === "physical" && input.shipping_address ? JSON.stringify(input.shipping_address) : null,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.columns(["tenant_id", "member_id", "reference"]).doNothing())
    .returning("redemption_id")
    .executeTakeFirst();
  if (!claimed) {
    const previous = await selectRedemptions(tx, tenantId)
      .where("r.member_id", "=", input.member_id)
      .where("r.reference", "=", input.reference)
      .executeTakeFirstOrThrow();
    if (previous.reward_id !== reward.reward_id) {
      throw new Problem("conflict", `reference ${input.reference} was used for another reward`, {
        errors: [{ in: "body", field: "/reference", message: "already used for another reward" }],
      });
    }
    return { ...previous, replayed: true };
  }

  if (reward.kind === "physical" && !input.shipping_address)
    throw invalidField("/shipping_address", "physical rewards need a shipping address");
  if (reward.price_cash_minor > 0 && input.via === "brand" && !input.cash_payment_reference) {
    throw invalidField(
      "/cash_payment_reference",
      "this reward costs cash too: name the payment that took it",
    );
  }
  const tier = (await effectiveTierBenefits(tx, tenantId, [input.member_id], now)).get(input.member_id);
  // Checked early for a clear answer; stock, limit and points are taken below under locks, which decide.
  const facts = await pointsFacts(tx, tenantId, input.member_id, null);
  const early = redeemBlocker(reward, {
    tier_code: tier?.tier_code ?? null,
    available_points: facts.available,
    redeemed: 0,
    via: input.via,
  });
  if (early) throw refuse(early);

  await takeStock(tx, tenantId, reward);
  await countRedemption(tx, tenantId, reward, input.member_id);
  let couponId: string | null = null;
  if (reward.kind === "coupon" && reward.coupon_template_id) {
    const issued = await issueCoupons(
      tx,
      tenantId,
      {
        key: `mall:${redemptionId}`,
        source: "points",
        actor: input.actor,
        what: { template_id: reward.coupon_template_id },
        member_ids: [input.member_id],
        on_limit: "fail",
        on_budget: "fail",
      },
      now,
    );
    couponId = issued.coupons[0]?.coupon_id ?? null;
  }
  try {
    await spendPoints(
      tx,
      tenantId,
      {
        member_id: input.member_id,
        amount: reward.price_points,
        reason: `mall: ${reward.name}`,
        source_type: "mall",
        source_id: redemptionId,
        actor: input.actor,
      },
      now,
    );
  } catch (error) {
    if (error instanceof Problem && error.code === "business-rule") throw refuse("not_enough_points");
    throw error;
  }
  await tx
    .updateTable("reward_redemptions")
    .set({ coupon_id: couponId, voucher_code: reward.kind === "voucher" ? newCouponCode() : null })
    .where("tenant_id", "=", tenantId)
    .where("redemption_id", "=", redemptionId)
    .execute();
  await recordEvent(tx, {
    tenantId,
    type: "mall.redeemed",
    subjectId: input.member_id,
    at: now,
    payload: {
      redemption_id: redemptionId,
      member_id: input.member_id,
      reward_code: reward.code,
      kind: reward.kind,
      points_spent: reward.price_points,
      cash_minor: reward.price_cash_minor,
      coupon_id: couponId,
    },
  });
  return { ...(await readRedemption(tx, tenantId, redemptionId)), replayed: false };
}

/** One conditional statement: of many parallel redemptions of the last items, exactly the stock succeeds. */
async function takeStock(tx: Executor, tenantId: string, reward: Reward): Promise<void> {
  if (reward.stock_left === null) return;
  const row = await tx
    .updateTable("rewards")
    .set((eb) => ({ stock_left: eb("stock_left", "-", 1) }))
    .where("tenant_id", "=", tenantId)
    .where("reward_id", "=", reward.reward_id)
    .where("stock_left", ">=", 1)
    .returning("stock_left")
    .executeTakeFirst();
  if (!row) throw refuse("out_of_stock");
}

async function countRedemption(
  tx: Executor,
  tenantId: string,
  reward: Reward,
  memberId: string,
): Promise<void> {
  const limit = reward.per_member_limit;
  const row = await sql<{ redeemed: number }>`
    INSERT INTO reward_member_counts (tenant_id, reward_id, member_id, redeemed) VALUES (${tenantId}, ${reward.reward_id}, ${memberId}, 1)
    ON CONFLICT (tenant_id, reward_id, member_id) DO UPDATE SET redeemed = reward_member_counts.redeemed + 1
    WHERE ${limit}::int IS NULL OR reward_member_counts.redeemed + 1 <= ${limit}::int
    RETURNING redeemed`.execute(tx);
  if (row.rows.length === 0) throw refuse("limit_reached");
}

/**
 * Moves a redemption along its fulfilment: shipped (with a tracking number and optionally its carrier), delivered, or cancelled before
 * shipping, which gives back the points, the stock and the member's count.
 */
export async function fulfil(
  tx: Executor,
  tenantId: string,
  redemptionId: string,
  change: {
    status: "shipped" | "delivered" | "cancelled";
    tracking_no?: string | undefined;
    carrier?: string | undefined;
    reason?: string | undefined;
  },
  actor: string,
  now: Date,
): Promise<Redemption> {
  const current = await tx
    .selectFrom("reward_redemptions")
    .select(["status", "reward_id", "member_id"])
    .where("tenant_id", "=", tenantId)
    .where("redemption_id", "=", redemptionId)
    .forUpdate()
    .executeTakeFirst();
  if (!current) throw notFound("redemption", redemptionId);
  const step = fulfilmentStep(current.status, change.status);
  if (!step.ok) {
    throw new Problem(
      "conflict",
      `a ${current.status} redemption cannot become ${change.status}${step.allowed.length > 0 ? `; it can become ${step.allowed.join(" or ")}` : ""}`,
      {
        errors: [{ in: "body", field: "/status", message: `not from ${current.status}` }],
      },
    );
  }
  if (!step.changed) return readRedemption(tx, tenantId, redemptionId);
  if (change.status === "cancelled") {
    await tx
      .updateTable("rewards")
      .set((eb) => ({ stock_left: eb("stock_left", "+", 1) }))
      .where("tenant_id", "=", tenantId)
      .where("reward_id", "=", current.reward_id)
      .where("stock_left", "is not", null)
      .execute();
    await sql`UPDATE reward_member_counts SET redeemed = redeemed - 1
      WHERE tenant_id = ${tenantId} AND reward_id = ${current.reward_id} AND member_id = ${current.member_id}`.execute(
      tx,
    );
    await restoreSpentPoints(
      tx,
      tenantId,
      {
        member_id: current.member_id,
        source_type: "mall",
        source_id: redemptionId,
        restore_key: "cancel",
        reason: change.reason ?? "reward redemption cancelled",
        actor,
      },
      now,
    );
  }
  await tx
    .updateTable("reward_redemptions")
    .set({
      status: change.status,
      ...(change.tracking_no !== undefined ? { tracking_no: change.tracking_no } : {}),
      ...(change.carrier !== undefined ? { carrier: change.carrier } : {}),
      updated_at: now,
    })
    .where("tenant_id", "=", tenantId)
    .where("redemption_id", "=", redemptionId)
    .execute();
  await recordEvent(tx, {
    tenantId,
    type: "mall.fulfilment_changed",
    subjectId: current.member_id,
    at: now,
    payload: {
      redemption_id: redemptionId,
      member_id: current.member_id,
      status: change.status,
      tracking_no: change.tracking_no ?? null,
      carrier: change.carrier ?? null,
    },
  });
  return readRedemption(tx, tenantId, redemptionId);
}

export async function listRedemptions(
  db: Executor,
  tenantId: string,
  filter: { member_id?: string | undefined; status?: RedemptionStatus | undefined },
  page: { limit: number; after: string | undefined },
): Promise<{ items: Redemption[]; next_cursor: string | null }> {
  let query = selectRedemptions(db, tenantId);
  if (filter.member_id) query = query.where("r.member_id", "=", filter.member_id);
  if (filter.status) query = query.where("r.status", "=", filter.status);
  if (page.after) query = query.where("r.redemption_id", "<", page.after);
  const rows = await query
    .orderBy("r.redemption_id", "desc")
    .limit(page.limit + 1)
    .execute();
  return toPage(rows, page.limit, (row) => row.redemption_id);
}

/** The catalog as one member sees it: what they may redeem now, and why not otherwise. */
export async function memberCatalog(
  db: Executor,
  tenantId: string,
  memberId: string,
  rewards: Reward[],
  now: Date,
): Promise<{ reward: Reward; blocker: RedeemBlocker | undefined }[]> {
  const tier = (await effectiveTierBenefits(db, tenantId, [memberId], now)).get(memberId);
  const facts = await pointsFacts(db, tenantId, memberId, null);
  const counts = await db
    .selectFrom("reward_member_counts")
    .select(["reward_id", "redeemed"])
    .where("tenant_id", "=", tenantId)
    .where("member_id", "=", memberId)
    .execute();
  const redeemed = new Map(counts.map((c) => [c.reward_id, c.redeemed]));
  return rewards
    .filter(
      (r) =>
        r.active &&
        (r.tiers === null ||
          (tier?.tier_code !== null && tier?.tier_code !== undefined && r.tiers.includes(tier.tier_code))),
    )
    .map((reward) => ({
      reward,
      blocker: redeemBlocker(reward, {
        tier_code: tier?.tier_code ?? null,
        available_points: facts.available,
        redeemed: redeemed.get(reward.reward_id) ?? 0,
        via: "member",
      }),
    }));
}
