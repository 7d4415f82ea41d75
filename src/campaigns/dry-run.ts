import { findPack, getTemplates } from "../coupons/templates.ts";
import type { Executor } from "../platform/db/database.ts";
import { audiencePage } from "./audience.ts";
import { type Campaign, getCampaign } from "./campaigns.ts";
import { cappedMembers, matchingCondition, memberCost } from "./reach.ts";
import { couponFaceValue, inHoldout } from "./rules.ts";

/**
 * Who a campaign would reach now and what it would cost, without doing anything. A scheduled campaign: its next
 * pass. A calendar campaign: today's pass. An event campaign: the members its condition matches now (each would be
 * reached when their event comes), as the size of the prize.
 */

/** Members a dry run looks at, at most; a larger audience is counted up to here and says so. */
export const DRY_RUN_MAX_MEMBERS = 200_000;
const SAMPLE_SIZE = 20;

export interface DryRun {
  campaign_id: string;
  audience: number;
  /** The audience was larger than a dry run looks at; counts are of the first DRY_RUN_MAX_MEMBERS. */
  truncated: boolean;
  already_reached: number;
  capped: number;
  would_reach: number;
  holdout: number;
  treated: number;
  sample_member_ids: string[];
  per_member: { coupons: number; points: number; messages: number; coupon_value_minor: number };
  estimated: {
    coupons: number;
    points: number;
    messages: number;
    /** Face value of the coupons where their benefit bounds it (amount off, capped percent, …). */
    coupon_value_minor: number;
    /** Coupons whose value depends on the cart (an uncapped percent off), not in coupon_value_minor. */
    coupons_of_unbounded_value: number;
  };
  /** Members the remaining budget covers (null: no budget cap applies). */
  budget_covers: number | null;
}

async function perMemberCouponValue(
  db: Executor,
  tenantId: string,
  campaign: Campaign,
): Promise<{ value: number; unbounded: number }> {
  const items: { template_id: string; quantity: number }[] = [];
  for (const action of campaign.actions) {
    if (action.kind === "issue_coupon") items.push({ template_id: action.template_id, quantity: 1 });
    if (action.kind === "issue_pack") {
      const pack = await findPack(db, tenantId, { pack_id: action.pack_id });
      items.push(...(pack?.items ?? []));
    }
  }
  const templates = await getTemplates(
    db,
    tenantId,
    items.map((i) => i.template_id),
  );
  let value = 0;
  let unbounded = 0;
  for (const item of items) {
    const template = templates.get(item.template_id);
    const face = template ? couponFaceValue(template.benefit) : undefined;
    if (face === undefined) unbounded += item.quantity;
    else value += face * item.quantity;
  }
  return { value, unbounded };
}

async function alreadyReached(
  db: Executor,
  tenantId: string,
  campaign: Campaign,
  ids: string[],
): Promise<Set<string>> {
  if (!campaign.once_per_member || ids.length === 0) return new Set();
  const rows = await db
    .selectFrom("campaign_assignments")
    .select("member_id")
    .where("tenant_id", "=", tenantId)
    .where("campaign_id", "=", campaign.campaign_id)
    .where("occurrence", "=", "once")
    .where("member_id", "in", ids)
    .execute();
  return new Set(rows.map((r) => r.member_id));
}

export async function dryRun(db: Executor, tenantId: string, campaignId: string, now: Date): Promise<DryRun> {
  const stored = await getCampaign(db, tenantId, campaignId);
  // An event campaign is sized by its condition over the whole base, as a schedule without a segment would be.
  const campaign: Campaign =
    stored.trigger.kind === "event"
      ? { ...stored, trigger: { kind: "schedule", cron: "* * * * *" } }
      : stored;
  const cost = await memberCost(db, tenantId, stored);
  const couponValue = await perMemberCouponValue(db, tenantId, stored);
  const result: DryRun = {
    campaign_id: campaignId,
    audience: 0,
    truncated: false,
    already_reached: 0,
    capped: 0,
    would_reach: 0,
    holdout: 0,
    treated: 0,
    sample_member_ids: [],
    per_member: { ...cost, coupon_value_minor: couponValue.value },
    estimated: { coupons: 0, points: 0, messages: 0, coupon_value_minor: 0, coupons_of_unbounded_value: 0 },
    budget_covers: null,
  };
  let after: string | undefined;
  for (;;) {
    const page = await audiencePage(db, tenantId, campaign, `dry-run:${now.toISOString()}`, after, now);
    const ids = page.candidates.map((c) => c.member_id);
    const matching = await matchingCondition(db, tenantId, stored, ids, now);
    const reached = await alreadyReached(db, tenantId, stored, ids);
    const capped = stored.frequency_cap
      ? await cappedMembers(db, tenantId, ids, stored.frequency_cap, now)
      : new Set<string>();
    for (const id of ids) {
      if (!matching.has(id)) continue;
      result.audience++;
      if (reached.has(id)) {
        result.already_reached++;
        continue;
      }
      result.would_reach++;
      if (inHoldout(campaignId, id, stored.holdout_percent)) result.holdout++;
      else if (capped.has(id)) result.capped++;
      else {
        result.treated++;
        if (result.sample_member_ids.length < SAMPLE_SIZE) result.sample_member_ids.push(id);
      }
    }
    after = page.last;
    if (!page.more || after === undefined) break;
    if (result.audience >= DRY_RUN_MAX_MEMBERS) {
      result.truncated = true;
      break;
    }
  }
  result.estimated = {
    coupons: result.treated * cost.coupons,
    points: result.treated * cost.points,
    messages: result.treated * cost.messages,
    coupon_value_minor: result.treated * couponValue.value,
    coupons_of_unbounded_value: result.treated * couponValue.unbounded,
  };
  const remaining = (max: number | undefined, spent: number, each: number) =>
    max === undefined || each === 0
      ? Number.POSITIVE_INFINITY
      : Math.max(0, Math.floor((max - spent) / each));
  const covers = Math.min(
    remaining(stored.budget.max_coupons, stored.spent.coupons, cost.coupons),
    remaining(stored.budget.max_points, stored.spent.points, cost.points),
    remaining(stored.budget.max_messages, stored.spent.messages, cost.messages),
  );
  result.budget_covers = Number.isFinite(covers) ? covers : null;
  return result;
}
