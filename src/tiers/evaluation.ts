import type { Executor } from "../platform/db/database.ts";
import { recordEvent } from "../platform/events.ts";
import type { LadderContext } from "./ladder.ts";
import {
  applyEvaluation,
  effectiveTier,
  type Evaluation,
  evaluateStanding,
  freeLadder,
  type LadderTier,
  type MemberStats,
  metricsUsed,
  paidTierAt,
  positionOf,
  qualificationWindow,
  retentionWindowStart,
  reviewDue,
  type Standing,
  type SubscriptionFacts,
  type TierChange,
} from "./rules.ts";
import { memberStatsInWindow, type StatsWindow } from "./stats.ts";

/**
 * Applying tier evaluations to members: read standings and stats, decide (rules.ts), then write the decisions
 * under the members' tier locks, with their events, in the caller's transaction.
 */

const NO_STANDING: Standing = { tier_id: null, achieved_at: null, review_at: null, grace_until: null };

export async function readStandings(db: Executor, tenantId: string, memberIds: readonly string[]) {
  const standings = new Map<string, Standing>();
  if (memberIds.length === 0) return standings;
  const rows = await db
    .selectFrom("member_tiers")
    .select(["member_id", "free_tier_id", "achieved_at", "review_at", "grace_until"])
    .where("tenant_id", "=", tenantId)
    .where("member_id", "in", [...memberIds])
    .execute();
  for (const row of rows) {
    standings.set(row.member_id, {
      tier_id: row.free_tier_id,
      achieved_at: row.achieved_at,
      review_at: row.review_at,
      grace_until: row.grace_until,
    });
  }
  return standings;
}

/**
 * Locks the members' tier rows (creating missing ones on the starting tier) in member-id order, so concurrent
 * evaluations of one member (two orders, an order and the job) decide one after the other and the second sees
 * the first's result: no tier change, event or gift happens twice.
 */
export async function lockStandings(tx: Executor, tenantId: string, memberIds: readonly string[], now: Date) {
  const ids = [...new Set(memberIds)].sort();
  if (ids.length === 0) return new Map<string, Standing>();
  await tx
    .insertInto("member_tiers")
    .values(
      ids.map((member_id) => ({
        tenant_id: tenantId,
        member_id,
        free_tier_id: null,
        achieved_at: now,
        evaluated_at: now,
        grace_until: null,
        review_at: null,
      })),
    )
    .onConflict((oc) => oc.doNothing())
    .execute();
  await tx
    .selectFrom("member_tiers")
    .select("member_id")
    .where("tenant_id", "=", tenantId)
    .where("member_id", "in", ids)
    .orderBy("member_id")
    .forUpdate()
    .execute();
  return readStandings(tx, tenantId, ids);
}

export async function subscriptionFacts(
  db: Executor,
  tenantId: string,
  memberIds: readonly string[],
): Promise<Map<string, SubscriptionFacts[]>> {
  const byMember = new Map<string, SubscriptionFacts[]>();
  if (memberIds.length === 0) return byMember;
  const rows = await db
    .selectFrom("tier_subscriptions as s")
    .innerJoin("tier_plans as p", (join) =>
      join.onRef("p.tenant_id", "=", "s.tenant_id").onRef("p.plan_id", "=", "s.plan_id"),
    )
    .select([
      "s.member_id",
      "s.subscription_id",
      "p.tier_id",
      "p.code as plan_code",
      "s.status",
      "s.starts_at",
      "s.ends_at",
    ])
    .where("s.tenant_id", "=", tenantId)
    .where("s.member_id", "in", [...memberIds])
    .where("s.status", "in", ["trial", "active"])
    .execute();
  for (const { member_id, ...facts } of rows) {
    byMember.set(member_id, [...(byMember.get(member_id) ?? []), facts]);
  }
  return byMember;
}

/** The member's effective tier code, given their free standing and subscriptions. */
export function effectiveCode(
  ladder: LadderContext,
  standing: Standing,
  subscriptions: readonly SubscriptionFacts[],
  now: Date,
): string | null {
  const free = freeLadder(ladder.tiers);
  const paid = paidTierAt(subscriptions, ladder.tiersById, now);
  return effectiveTier(free[positionOf(free, standing.tier_id)], paid?.tier)?.tier.code ?? null;
}

/** Decides for each member; a member whose review is due is measured over the retention window as well. */
async function decide(
  db: Executor,
  ladder: LadderContext,
  standings: Map<string, Standing>,
  memberIds: readonly string[],
  now: Date,
  mode: "upgrade_only" | "full",
): Promise<Map<string, Evaluation>> {
  const free = freeLadder(ladder.tiers);
  const window = qualificationWindow(now, ladder.program.window, ladder.timeZone);
  const windows: StatsWindow[] = [];
  const asked: { member_id: string; qualifying: number; retaining: number | undefined }[] = [];
  for (const member_id of memberIds) {
    const standing = standings.get(member_id) ?? NO_STANDING;
    // After an order tiers only go up: a member at the top has nowhere to go and needs no stats.
    if (mode === "upgrade_only" && positionOf(free, standing.tier_id) === free.length - 1) continue;
    const qualifying = windows.push({ member_id, from: window.from, to: now }) - 1;
    let retaining: number | undefined;
    if (mode === "full" && standing.review_at && reviewDue(free, standing, now)) {
      retaining =
        windows.push({
          member_id,
          from: retentionWindowStart(standing.review_at, ladder.timeZone),
          to: now,
        }) - 1;
    }
    asked.push({ member_id, qualifying, retaining });
  }
  const stats = await memberStatsInWindow(db, ladder.tenantId, windows, metricsUsed(free));
  const at = (i: number | undefined): MemberStats | undefined => (i === undefined ? undefined : stats[i]);
  const evaluations = new Map<string, Evaluation>();
  for (const { member_id, qualifying, retaining } of asked) {
    const qualifyingStats = at(qualifying);
    if (!qualifyingStats) continue;
    evaluations.set(
      member_id,
      evaluateStanding({
        ladder: free,
        program: ladder.program,
        timeZone: ladder.timeZone,
        standing: standings.get(member_id) ?? NO_STANDING,
        now,
        qualifying: qualifyingStats,
        retaining: at(retaining),
        mode,
      }),
    );
  }
  return evaluations;
}

/** First pass, without locks: the members an evaluation would move (most orders move nobody). */
export async function membersToMove(
  tx: Executor,
  ladder: LadderContext,
  memberIds: readonly string[],
  now: Date,
  mode: "upgrade_only" | "full",
): Promise<string[]> {
  if (memberIds.length === 0 || freeLadder(ladder.tiers).length < 2) return [];
  const standings = await readStandings(tx, ladder.tenantId, memberIds);
  const evaluations = await decide(tx, ladder, standings, memberIds, now, mode);
  return [...evaluations].filter(([, e]) => e.kind !== "none").map(([id]) => id);
}

/** Evaluates members and applies what changed, locking only the members who move. */
export async function evaluateMembers(
  tx: Executor,
  ladder: LadderContext,
  memberIds: readonly string[],
  now: Date,
  mode: "upgrade_only" | "full",
): Promise<TierChange[]> {
  const moving = await membersToMove(tx, ladder, memberIds, now, mode);
  if (moving.length === 0) return [];
  await lockStandings(tx, ladder.tenantId, moving, now);
  return applyEvaluations(tx, ladder, moving, now, mode);
}

/**
 * Decides again from the locked rows (another transaction may have moved the member meanwhile) and writes what
 * changed, with its events and gifts. The caller holds these members' tier locks (lockStandings).
 */
export async function applyEvaluations(
  tx: Executor,
  ladder: LadderContext,
  memberIds: readonly string[],
  now: Date,
  mode: "upgrade_only" | "full",
): Promise<TierChange[]> {
  if (memberIds.length === 0) return [];
  const standings = await readStandings(tx, ladder.tenantId, memberIds);
  const evaluations = await decide(tx, ladder, standings, memberIds, now, mode);
  const subscriptions = await subscriptionFacts(tx, ladder.tenantId, memberIds);
  const free = freeLadder(ladder.tiers);
  const changes: TierChange[] = [];
  for (const [memberId, evaluation] of evaluations) {
    if (evaluation.kind === "none") continue;
    const before = standings.get(memberId) ?? NO_STANDING;
    const after = applyEvaluation(before, evaluation, now);
    await tx
      .updateTable("member_tiers")
      .set({
        free_tier_id: after.tier_id,
        achieved_at: after.achieved_at ?? now,
        review_at: after.review_at,
        grace_until: after.grace_until,
        evaluated_at: now,
      })
      .where("tenant_id", "=", ladder.tenantId)
      .where("member_id", "=", memberId)
      .execute();
    const effective = effectiveCode(ladder, after, subscriptions.get(memberId) ?? [], now);
    const from = free[positionOf(free, before.tier_id)]?.code ?? null;
    if (evaluation.kind === "upgrade" || evaluation.kind === "downgrade") {
      const change: TierChange = {
        member_id: memberId,
        kind: evaluation.kind,
        from,
        to: evaluation.to.code,
        reason: evaluation.reason,
        effective_tier: effective,
      };
      await recordTierChange(tx, ladder.tenantId, change, now);
      changes.push(change);
      if (evaluation.kind === "upgrade") {
        await grantUpgradeGifts(tx, ladder.tenantId, memberId, evaluation.passed, now);
      }
    } else {
      // Keeping a tier and entering grace change no tier, but belong on the member's timeline (and in messages).
      await recordEvent(tx, {
        tenantId: ladder.tenantId,
        type: evaluation.kind === "retain" ? "tier.retained" : "tier.grace_started",
        subjectId: memberId,
        at: now,
        payload: {
          member_id: memberId,
          tier: from,
          reason: evaluation.reason,
          ...(evaluation.kind === "retain"
            ? { review_at: evaluation.review_at.toISOString() }
            : { grace_until: evaluation.grace_until.toISOString() }),
        },
      });
    }
  }
  return changes;
}

export async function recordTierChange(
  tx: Executor,
  tenantId: string,
  change: TierChange,
  at: Date,
): Promise<void> {
  await recordEvent(tx, {
    tenantId,
    type: "tier.changed",
    subjectId: change.member_id,
    at,
    payload: { ...change },
  });
}

/**
 * Records the upgrade gifts now due (the coupon capability issues them from the event). Each tier's gift is given
 * once per member, ever: the insert that finds the gift already given gives nothing.
 */
export async function grantUpgradeGifts(
  tx: Executor,
  tenantId: string,
  memberId: string,
  tiers: readonly LadderTier[],
  now: Date,
): Promise<void> {
  const withGift = tiers.filter((t) => t.benefits.upgrade_gift !== null);
  if (withGift.length === 0) return;
  const granted = await tx
    .insertInto("tier_upgrade_gifts")
    .values(
      withGift.map((t) => ({
        tenant_id: tenantId,
        member_id: memberId,
        tier_id: t.tier_id,
        granted_at: now,
      })),
    )
    .onConflict((oc) => oc.doNothing())
    .returning("tier_id")
    .execute();
  const fresh = new Set(granted.map((g) => g.tier_id));
  for (const tier of withGift) {
    if (!fresh.has(tier.tier_id)) continue;
    await recordEvent(tx, {
      tenantId,
      type: "tier.upgrade_gift_due",
      subjectId: memberId,
      at: now,
      payload: {
        member_id: memberId,
        tier_id: tier.tier_id,
        tier_code: tier.code,
        gift: tier.benefits.upgrade_gift,
      },
    });
  }
}
