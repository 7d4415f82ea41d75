import { issueByCode } from "../coupons/subscriptions.ts";
import { findPack, findTemplate } from "../coupons/templates.ts";
import { invalidField } from "../platform/http/problems.ts";
import type { Executor } from "../platform/db/database.ts";
import { grantProgramPoints } from "../points/grants.ts";
import { spendPoints } from "../points/movements.ts";

/**
 * Engagement pays through the points ledger and coupon issuance, never around them. Both are idempotent by a
 * business key made from what earned the reward (a check-in day, a task completion, a referral), so a retried
 * request or a redelivered event never pays twice.
 */

export interface RewardGrant {
  member_id: string;
  points: number;
  coupon: string | null;
  /** What earned it, e.g. "engagement.checkin"; with `source_id` the business key. */
  source_type: string;
  source_id: string;
  reason: string;
  actor: string;
}

export interface RewardPaid {
  points: number;
  /** The coupon issuance, when a coupon was due and the template or pack exists. */
  coupon_issue_id: string | null;
  coupons_issued: number;
}

/**
 * Grants points (as an adjustment lot expiring per the brand's program, so the ledger names engagement as the
 * source) and issues a coupon, best effort: a used-up coupon budget never fails the check-in or task behind it.
 */
export async function payReward(
  tx: Executor,
  tenantId: string,
  grant: RewardGrant,
  now: Date,
): Promise<RewardPaid> {
  let points = 0;
  if (grant.points > 0) {
    const result = await grantProgramPoints(
      tx,
      tenantId,
      {
        member_id: grant.member_id,
        amount: grant.points,
        reason: grant.reason,
        source_type: grant.source_type,
        source_id: grant.source_id,
        actor: grant.actor,
      },
      now,
    );
    points = result.amount;
  }
  let coupon_issue_id: string | null = null;
  let coupons_issued = 0;
  if (grant.coupon !== null) {
    const issued = await issueByCode(
      tx,
      tenantId,
      grant.member_id,
      grant.coupon,
      // The coupons capability has no "engagement" source; "api" with this key and actor is the nearest.
      { key: `${grant.source_type}:${grant.member_id}:${grant.source_id}`, source: "engagement" },
      now,
    );
    coupon_issue_id = issued?.issue_id ?? null;
    coupons_issued = issued?.issued ?? 0;
  }
  return { points, coupon_issue_id, coupons_issued };
}

/** Takes points as a price (a make-up check-in), idempotent by source like every spend. */
export async function chargePoints(
  tx: Executor,
  tenantId: string,
  charge: {
    member_id: string;
    points: number;
    source_type: string;
    source_id: string;
    reason: string;
    actor: string;
  },
  now: Date,
): Promise<void> {
  if (charge.points <= 0) return;
  await spendPoints(
    tx,
    tenantId,
    {
      member_id: charge.member_id,
      amount: charge.points,
      reason: charge.reason,
      source_type: charge.source_type,
      source_id: charge.source_id,
      actor: charge.actor,
    },
    now,
  );
}

/** Rewards name coupons by code; a code that names no template or pack would silently pay nothing, so refuse it. */
export async function assertCouponCodes(
  tx: Executor,
  tenantId: string,
  codes: { field: string; code: string | null }[],
): Promise<void> {
  for (const { field, code } of codes) {
    if (code === null) continue;
    const known = (await findTemplate(tx, tenantId, { code })) ?? (await findPack(tx, tenantId, { code }));
    if (!known) throw invalidField(field, `no coupon template or pack ${code}`);
  }
}
