import { sql } from "kysely";
import { evaluate } from "../audience/conditions/evaluate.ts";
import type { MemberSnapshot } from "../audience/conditions/member.ts";
import { evaluationContext } from "../audience/context.ts";
import { currentFacts } from "../audience/facts.ts";
import { loadSnapshots } from "../audience/incremental.ts";
import { findPack } from "../coupons/templates.ts";
import type { Executor } from "../platform/db/database.ts";
import { act, type SendMessage } from "./actions.ts";
import { type Campaign, conditionOf, endCampaign } from "./campaigns.ts";
import { type ActionCost, costOf, inHoldout, isLive } from "./rules.ts";
import type { Arm, Outcome } from "./tables.ts";

/**
 * Reaching members: for each candidate of an occurrence (an event, a scheduled run), check the campaign's condition,
 * the brand's frequency cap and the budget, draw the arm, record the assignment, and act on the treated. The
 * assignment's primary key (campaign, member, occurrence) makes the whole step happen once per occurrence.
 */

export interface Candidate {
  member_id: string;
  occurrence: string;
}

export interface ReachReport {
  considered: number;
  assigned: number;
  acted: number;
  held_out: number;
  capped: number;
  not_matching: number;
  already_reached: number;
  /** The budget ran out during this step (the campaign has been ended). */
  budget_spent: boolean;
}

const emptyReport = (): ReachReport => ({
  considered: 0,
  assigned: 0,
  acted: 0,
  held_out: 0,
  capped: 0,
  not_matching: 0,
  already_reached: 0,
  budget_spent: false,
});

/** What one treated member costs the budget (packs counted by their coupons). */
export async function memberCost(db: Executor, tenantId: string, campaign: Campaign): Promise<ActionCost> {
  const perPack = new Map<string, number>();
  for (const action of campaign.actions) {
    if (action.kind !== "issue_pack") continue;
    const pack = await findPack(db, tenantId, { pack_id: action.pack_id });
    perPack.set(action.pack_id, pack?.items.reduce((n, i) => n + i.quantity, 0) ?? 0);
  }
  return costOf(campaign.actions, perPack);
}

/** The candidates satisfying the campaign's condition now (all of them when it has none). */
export async function matchingCondition(
  db: Executor,
  tenantId: string,
  campaign: Campaign,
  memberIds: readonly string[],
  now: Date,
): Promise<Set<string>> {
  const condition = conditionOf(campaign);
  if (!condition) return new Set(memberIds);
  const context = await evaluationContext(db, tenantId, now);
  const { snapshots } = await loadSnapshots(db, tenantId, memberIds);
  const matching = new Set<string>();
  for (const memberId of memberIds) {
    let snapshot: MemberSnapshot | undefined = snapshots.get(memberId);
    if (!snapshot) {
      // Not yet described by the audience (just joined): its facts computed now, without scores or tags.
      const facts = await currentFacts(db, tenantId, memberId, now);
      if (facts) snapshot = { facts, scores: null, ltv: null, tags: new Map() };
    }
    if (snapshot && evaluate(condition, snapshot, context)) matching.add(memberId);
  }
  return matching;
}

/** Members acted on (by any campaign of the brand) as often as the cap allows within its period. */
export async function cappedMembers(
  db: Executor,
  tenantId: string,
  memberIds: readonly string[],
  cap: { max_actions: number; period_days: number },
  now: Date,
): Promise<Set<string>> {
  if (memberIds.length === 0) return new Set();
  const since = new Date(now.getTime() - cap.period_days * 86_400_000);
  const rows = await sql<{ member_id: string }>`
    SELECT member_id FROM campaign_assignments
    WHERE tenant_id = ${tenantId} AND member_id = ANY(${[...memberIds]}::text[])
      AND outcome = 'acted' AND assigned_at > ${since}
    GROUP BY member_id HAVING count(*) >= ${cap.max_actions}`.execute(db);
  return new Set(rows.rows.map((r) => r.member_id));
}

/**
 * The arm each member already has in the campaign. A member keeps it: the hash decides only a first assignment, so a
 * member who took over another's record in a merge (and its assignments) stays in one arm.
 */
async function existingArms(
  db: Executor,
  tenantId: string,
  campaignId: string,
  memberIds: readonly string[],
): Promise<Map<string, Arm>> {
  const rows = await db
    .selectFrom("campaign_assignments")
    .select(["member_id", "arm"])
    .distinct()
    .where("tenant_id", "=", tenantId)
    .where("campaign_id", "=", campaignId)
    .where("member_id", "in", [...memberIds])
    .execute();
  return new Map(rows.map((r) => [r.member_id, r.arm]));
}

/** Takes one member's cost from the budget in one conditional update; false when it would pass a cap. */
async function takeBudget(
  tx: Executor,
  tenantId: string,
  campaign: Campaign,
  cost: ActionCost,
): Promise<boolean> {
  const { max_coupons, max_points, max_messages } = campaign.budget;
  const row = await sql<{ campaign_id: string }>`
    UPDATE campaigns SET spent_coupons = spent_coupons + ${cost.coupons}::int,
      spent_points = spent_points + ${cost.points}::bigint, spent_messages = spent_messages + ${cost.messages}::int
    WHERE tenant_id = ${tenantId} AND campaign_id = ${campaign.campaign_id}
      AND (${max_coupons ?? null}::int IS NULL OR ${cost.coupons}::int = 0 OR spent_coupons + ${cost.coupons}::int <= ${max_coupons ?? null}::int)
      AND (${max_points ?? null}::bigint IS NULL OR ${cost.points}::bigint = 0 OR spent_points + ${cost.points}::bigint <= ${max_points ?? null}::bigint)
      AND (${max_messages ?? null}::int IS NULL OR ${cost.messages}::int = 0 OR spent_messages + ${cost.messages}::int <= ${max_messages ?? null}::int)
    RETURNING campaign_id`.execute(tx);
  return row.rows.length > 0;
}

async function claim(
  tx: Executor,
  tenantId: string,
  campaign: Campaign,
  candidate: Candidate,
  arm: "treatment" | "holdout",
  outcome: Outcome,
  now: Date,
): Promise<boolean> {
  const row = await tx
    .insertInto("campaign_assignments")
    .values({
      tenant_id: tenantId,
      campaign_id: campaign.campaign_id,
      member_id: candidate.member_id,
      occurrence: candidate.occurrence,
      arm,
      outcome,
      assigned_at: now,
    })
    .onConflict((oc) => oc.columns(["tenant_id", "campaign_id", "member_id", "occurrence"]).doNothing())
    .returning("member_id")
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Reaches the candidates of one live campaign in the caller's transaction. What the owning capabilities refuse for one
 * member (a used-up coupon template, a member at its limit, a missing message template) is skipped, not failed: this
 * runs inside the event relay, where a failure would stall every event behind it.
 */
export async function reachMembers(
  tx: Executor,
  tenantId: string,
  campaign: Campaign,
  candidates: readonly Candidate[],
  now: Date,
  sendMessage: SendMessage | undefined,
): Promise<ReachReport> {
  const report = emptyReport();
  if (candidates.length === 0 || !isLive(campaign, now)) return report;
  report.considered = candidates.length;
  const ids = [...new Set(candidates.map((c) => c.member_id))];
  const matching = await matchingCondition(tx, tenantId, campaign, ids, now);
  const capped = campaign.frequency_cap
    ? await cappedMembers(tx, tenantId, ids, campaign.frequency_cap, now)
    : new Set<string>();
  const cost = await memberCost(tx, tenantId, campaign);
  const arms = await existingArms(tx, tenantId, campaign.campaign_id, ids);
  for (const candidate of candidates) {
    if (!matching.has(candidate.member_id)) {
      report.not_matching++;
      continue;
    }
    const holdout =
      arms.get(candidate.member_id) === "holdout" ||
      (!arms.has(candidate.member_id) &&
        inHoldout(campaign.campaign_id, candidate.member_id, campaign.holdout_percent));
    if (holdout) {
      if (await claim(tx, tenantId, campaign, candidate, "holdout", "held_out", now)) {
        report.assigned++;
        report.held_out++;
      } else report.already_reached++;
      continue;
    }
    // Capped members are recorded (with nothing done) so the treated arm stays the whole random half: leaving
    // them out would make the arms differ by who had been contacted lately.
    if (capped.has(candidate.member_id)) {
      if (await claim(tx, tenantId, campaign, candidate, "treatment", "capped", now)) {
        report.assigned++;
        report.capped++;
      } else report.already_reached++;
      continue;
    }
    if (!(await claim(tx, tenantId, campaign, candidate, "treatment", "acted", now))) {
      report.already_reached++;
      continue;
    }
    if (!(await takeBudget(tx, tenantId, campaign, cost))) {
      // Spent: this member is not reached at all (neither arm grows from here on) and the campaign stops.
      await tx
        .deleteFrom("campaign_assignments")
        .where("tenant_id", "=", tenantId)
        .where("campaign_id", "=", campaign.campaign_id)
        .where("member_id", "=", candidate.member_id)
        .where("occurrence", "=", candidate.occurrence)
        .execute();
      await endCampaign(tx, tenantId, campaign.campaign_id, "budget_spent", now);
      report.budget_spent = true;
      break;
    }
    const done = await act(
      tx,
      tenantId,
      campaign.actions,
      {
        campaign_id: campaign.campaign_id,
        campaign_name: campaign.name,
        member_id: candidate.member_id,
        occurrence: candidate.occurrence,
        now,
      },
      sendMessage,
    );
    await tx
      .updateTable("campaign_assignments")
      .set({
        coupons: done.coupon_ids.length,
        points: done.points,
        messages: done.message_ids.length,
        coupon_ids: JSON.stringify(done.coupon_ids),
        message_ids: JSON.stringify(done.message_ids),
      })
      .where("tenant_id", "=", tenantId)
      .where("campaign_id", "=", campaign.campaign_id)
      .where("member_id", "=", candidate.member_id)
      .where("occurrence", "=", candidate.occurrence)
      .execute();
    report.assigned++;
    report.acted++;
  }
  return report;
}
