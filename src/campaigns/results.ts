import { sql } from "kysely";
import { couponsByRef } from "../coupons/wallet.ts";
import { listMessages } from "../messaging/messages.ts";
import { purchasesInWindows } from "../orders/queries.ts";
import { PAGE_LIMIT_MAX } from "../platform/http/pagination.ts";
import type { Executor } from "../platform/db/database.ts";
import { type Campaign, getCampaign } from "./campaigns.ts";
import { conversionUplift, rate, type Uplift } from "./rules.ts";
import type { Arm } from "./tables.ts";

/**
 * What a campaign did and what it changed. Each member reached is measured from their first assignment to N days
 * after their last; a member converted when they bought in that window. The holdout (reached, measured, not acted on)
 * is the counterfactual: uplift is the difference of the arms' conversion rates with its 95% confidence interval.
 */

const WINDOW_CHUNK = 5_000;
const COUPON_CHUNK = 1_000;
const DAY_MS = 86_400_000;
/** Messages counted for results, at most (pages of the messaging listing). */
const MESSAGE_PAGES_MAX = 200;

export interface ArmResult {
  members: number;
  converters: number;
  conversion_rate: number;
  orders: number;
  revenue_minor: number;
  revenue_per_member_minor: number;
}

export interface CampaignResults {
  campaign_id: string;
  as_of: Date;
  attribution_days: number;
  reached: number;
  acted: number;
  capped: number;
  treatment: ArmResult;
  holdout: ArmResult;
  uplift: (Uplift & { incremental_revenue_minor: number }) | null;
  actions: {
    coupons_issued: number;
    coupons_redeemed: number;
    points_granted: number;
    messages_sent: number;
  };
  /** What became of the campaign's messages, as messaging recorded them. */
  messages: { queued: number; sent: number; delivered: number; failed: number; suppressed: number };
}

interface MemberAssignment {
  member_id: string;
  arm: Arm;
  first_at: Date;
  last_at: Date;
}

function armResult(members: number, converters: number, orders: number, revenue: number): ArmResult {
  return {
    members,
    converters,
    conversion_rate: rate(converters, members),
    orders,
    revenue_minor: revenue,
    revenue_per_member_minor: members === 0 ? 0 : Math.round(revenue / members),
  };
}

/** Messages of the campaign by status, read page by page through messaging's own listing. */
async function messageOutcomes(db: Executor, tenantId: string, campaignId: string) {
  const counts = { queued: 0, sent: 0, delivered: 0, failed: 0, suppressed: 0 };
  let after: string | undefined;
  for (let page = 0; page < MESSAGE_PAGES_MAX; page++) {
    const { items, next_cursor } = await listMessages(
      db,
      tenantId,
      { campaign_id: campaignId },
      { limit: PAGE_LIMIT_MAX, after },
    );
    for (const message of items) counts[message.status]++;
    const last = items.at(-1);
    if (next_cursor === null || !last) break;
    after = last.message_id;
  }
  return counts;
}

async function redeemedCount(db: Executor, tenantId: string, campaign: Campaign): Promise<number> {
  const rows = await sql<{ coupon_id: string }>`
    SELECT jsonb_array_elements_text(coupon_ids) AS coupon_id FROM campaign_assignments
    WHERE tenant_id = ${tenantId} AND campaign_id = ${campaign.campaign_id} AND jsonb_array_length(coupon_ids) > 0`.execute(
    db,
  );
  let redeemed = 0;
  const ids = rows.rows.map((r) => r.coupon_id);
  for (let start = 0; start < ids.length; start += COUPON_CHUNK) {
    const found = await couponsByRef(db, tenantId, ids.slice(start, start + COUPON_CHUNK));
    for (const coupon of found.values()) if (coupon.status === "redeemed") redeemed++;
  }
  return redeemed;
}

export async function campaignResults(
  db: Executor,
  tenantId: string,
  campaignId: string,
  options: { attribution_days?: number | undefined },
  now: Date,
): Promise<CampaignResults> {
  const campaign = await getCampaign(db, tenantId, campaignId);
  const days = options.attribution_days ?? campaign.attribution_days;
  const members = await db
    .selectFrom("campaign_assignments")
    .select((eb) => [
      "member_id",
      "arm",
      eb.fn.min("assigned_at").as("first_at"),
      eb.fn.max("assigned_at").as("last_at"),
    ])
    .where("tenant_id", "=", tenantId)
    .where("campaign_id", "=", campaignId)
    .groupBy(["member_id", "arm"])
    .execute();
  const totals = await db
    .selectFrom("campaign_assignments")
    .select((eb) => [
      eb.fn.countAll<number>().as("assignments"),
      eb.fn.count<number>("member_id").filterWhere("outcome", "=", "acted").as("acted"),
      eb.fn.count<number>("member_id").filterWhere("outcome", "=", "capped").as("capped"),
      eb.fn.coalesce(eb.fn.sum<number>("coupons"), eb.lit(0)).as("coupons"),
      eb.fn.coalesce(eb.fn.sum<number>("points"), eb.lit(0)).as("points"),
      eb.fn.coalesce(eb.fn.sum<number>("messages"), eb.lit(0)).as("messages"),
    ])
    .where("tenant_id", "=", tenantId)
    .where("campaign_id", "=", campaignId)
    .executeTakeFirstOrThrow();

  const byArm = {
    treatment: { members: 0, converters: 0, orders: 0, revenue: 0 },
    holdout: { members: 0, converters: 0, orders: 0, revenue: 0 },
  };
  const armOf = new Map<string, Arm>();
  const assignments: MemberAssignment[] = members.map((m) => ({
    member_id: m.member_id,
    arm: m.arm,
    first_at: new Date(m.first_at),
    last_at: new Date(m.last_at),
  }));
  for (const m of assignments) {
    armOf.set(m.member_id, m.arm);
    byArm[m.arm].members++;
  }
  for (let start = 0; start < assignments.length; start += WINDOW_CHUNK) {
    const chunk = assignments.slice(start, start + WINDOW_CHUNK);
    const purchases = await purchasesInWindows(
      db,
      tenantId,
      chunk.map((m) => ({
        member_id: m.member_id,
        from: m.first_at,
        to: new Date(m.last_at.getTime() + days * DAY_MS),
      })),
    );
    for (const p of purchases) {
      const arm = armOf.get(p.member_id);
      if (!arm) continue;
      byArm[arm].converters++;
      byArm[arm].orders += p.orders;
      byArm[arm].revenue += p.revenue_minor;
    }
  }
  const treatment = armResult(
    byArm.treatment.members,
    byArm.treatment.converters,
    byArm.treatment.orders,
    byArm.treatment.revenue,
  );
  const holdout = armResult(
    byArm.holdout.members,
    byArm.holdout.converters,
    byArm.holdout.orders,
    byArm.holdout.revenue,
  );
  const uplift = conversionUplift(treatment, holdout);
  return {
    campaign_id: campaignId,
    as_of: now,
    attribution_days: days,
    reached: assignments.length,
    acted: Number(totals.acted),
    capped: Number(totals.capped),
    treatment,
    holdout,
    uplift: uplift
      ? {
          ...uplift,
          // Revenue the treated arm brought beyond what the holdout's rate says it would have anyway.
          incremental_revenue_minor: Math.round(
            (treatment.revenue_per_member_minor - holdout.revenue_per_member_minor) * treatment.members,
          ),
        }
      : null,
    actions: {
      coupons_issued: Number(totals.coupons),
      coupons_redeemed: await redeemedCount(db, tenantId, campaign),
      points_granted: Number(totals.points),
      messages_sent: Number(totals.messages),
    },
    messages: await messageOutcomes(db, tenantId, campaignId),
  };
}
