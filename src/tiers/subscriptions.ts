import type { Executor } from "../platform/db/database.ts";
import { recordEvent } from "../platform/events.ts";
import { businessRule, invalidField, notFound, Problem } from "../platform/http/problems.ts";
import { newId } from "../platform/ids.ts";
import { findPlan } from "./plans.ts";
import {
  effectiveCode,
  grantUpgradeGifts,
  lockStandings,
  readStandings,
  recordTierChange,
  subscriptionFacts,
} from "./evaluation.ts";
import { type LadderContext, loadLadder } from "./ladder.ts";
import { paidTierAt, type SubscriptionFacts, type TierChange, termEnd, trialEnd } from "./rules.ts";
import type { SubscriptionStatus } from "./tables.ts";

/**
 * Paid tiers (season and annual cards, Costco / JD Plus style): the subscriptions the brand's payment system
 * records through the API. A subscription gives its plan's tier from starts_at until ends_at.
 */

export interface Subscription {
  subscription_id: string;
  member_id: string;
  plan_id: string;
  plan_code: string;
  tier_id: string;
  tier_code: string;
  status: SubscriptionStatus;
  external_id: string | null;
  starts_at: Date;
  ends_at: Date;
  created_at: Date;
  updated_at: Date;
}

function subscriptions(db: Executor, tenantId: string) {
  return db
    .selectFrom("tier_subscriptions as s")
    .innerJoin("tier_plans as p", (join) =>
      join.onRef("p.tenant_id", "=", "s.tenant_id").onRef("p.plan_id", "=", "s.plan_id"),
    )
    .innerJoin("tiers as t", (join) =>
      join.onRef("t.tenant_id", "=", "p.tenant_id").onRef("t.tier_id", "=", "p.tier_id"),
    )
    .select([
      "s.subscription_id",
      "s.member_id",
      "s.plan_id",
      "p.code as plan_code",
      "p.tier_id",
      "t.code as tier_code",
      "s.status",
      "s.external_id",
      "s.starts_at",
      "s.ends_at",
      "s.created_at",
      "s.updated_at",
    ])
    .where("s.tenant_id", "=", tenantId);
}

async function getSubscription(db: Executor, tenantId: string, memberId: string, subscriptionId: string) {
  const row = await subscriptions(db, tenantId)
    .where("s.member_id", "=", memberId)
    .where("s.subscription_id", "=", subscriptionId)
    .executeTakeFirst();
  if (!row) throw notFound("subscription", subscriptionId);
  return row;
}

export async function listMemberSubscriptions(
  db: Executor,
  tenantId: string,
  memberId: string,
): Promise<Subscription[]> {
  return subscriptions(db, tenantId)
    .where("s.member_id", "=", memberId)
    .orderBy("s.starts_at", "desc")
    .execute();
}

/**
 * Records a tier.changed event when the member's paid tier moved from what `before` gave to what the
 * subscriptions give now; returns the change. The caller holds the member's tier lock.
 */
async function notePaidChange(
  tx: Executor,
  ladder: LadderContext,
  memberId: string,
  before: readonly SubscriptionFacts[],
  now: Date,
  reason: string,
): Promise<TierChange | undefined> {
  const standing = (await readStandings(tx, ladder.tenantId, [memberId])).get(memberId);
  const after = (await subscriptionFacts(tx, ladder.tenantId, [memberId])).get(memberId) ?? [];
  const was = paidTierAt(before, ladder.tiersById, now)?.tier;
  const is = paidTierAt(after, ladder.tiersById, now)?.tier;
  if (was?.tier_id === is?.tier_id || !standing) return undefined;
  const change: TierChange = {
    member_id: memberId,
    kind: is && (!was || is.rank > was.rank) ? "paid_started" : "paid_ended",
    from: was?.code ?? null,
    to: is?.code ?? null,
    reason,
    effective_tier: effectiveCode(ladder, standing, after, now),
  };
  await recordTierChange(tx, ladder.tenantId, change, now);
  return change;
}

export interface SubscriptionInput {
  external_id: string;
  plan_id: string;
  starts_at?: Date | undefined;
  trial?: boolean | undefined;
}

/**
 * Records a paid membership. The payment system's id makes it idempotent: the same id again returns the first
 * record (and a 409 when it names another member or plan). Without starts_at, a second purchase of the same tier
 * begins when the current term ends (a renewal bought early), not on top of it.
 */
export async function recordSubscription(
  tx: Executor,
  tenantId: string,
  memberId: string,
  input: SubscriptionInput,
  now: Date,
): Promise<{ subscription: Subscription; replayed: boolean }> {
  // The member's tier lock first: two purchases of one member must not both stack onto the same term.
  await lockStandings(tx, tenantId, [memberId], now);
  const replay = async () => {
    const existing = await subscriptions(tx, tenantId)
      .where("s.external_id", "=", input.external_id)
      .executeTakeFirst();
    if (!existing) return undefined;
    if (existing.member_id !== memberId || existing.plan_id !== input.plan_id) {
      throw new Problem(
        "conflict",
        `external_id ${input.external_id} already recorded ${existing.subscription_id}`,
        {
          errors: [{ in: "body", field: "/external_id", message: "already used for another member or plan" }],
          extensions: { existing_subscription_id: existing.subscription_id },
        },
      );
    }
    return { subscription: existing, replayed: true };
  };
  const previous = await replay();
  if (previous) return previous;

  const plan = await findPlan(tx, tenantId, input.plan_id);
  if (!plan) throw invalidField("/plan_id", `${input.plan_id} is not a plan of this brand`);
  if (!plan.active)
    throw businessRule(`plan ${plan.code} is retired and takes no new subscriptions`, "/plan_id");
  const ladder = await loadLadder(tx, tenantId);
  const tier = ladder.tiersById.get(plan.tier_id);
  if (!tier) throw new Error(`plan ${plan.plan_id} names missing tier ${plan.tier_id}`);
  const before = (await subscriptionFacts(tx, tenantId, [memberId])).get(memberId) ?? [];
  if (input.trial) {
    if (plan.trial_days === 0) throw businessRule(`plan ${plan.code} has no trial`, "/trial");
    const earlier = await tx
      .selectFrom("tier_subscriptions as s")
      .innerJoin("tier_plans as p", (join) =>
        join.onRef("p.tenant_id", "=", "s.tenant_id").onRef("p.plan_id", "=", "s.plan_id"),
      )
      .select("s.subscription_id")
      .where("s.tenant_id", "=", tenantId)
      .where("s.member_id", "=", memberId)
      .where("p.tier_id", "=", plan.tier_id)
      .executeTakeFirst();
    // A trial is for someone new to the tier: otherwise cancel-and-retry would make the card free for ever.
    if (earlier)
      throw businessRule(`member already had ${tier.code} (${earlier.subscription_id}); no trial`, "/trial");
  }
  const currentEnd = before
    .filter((s) => s.tier_id === plan.tier_id && s.ends_at > now)
    .reduce<Date>((end, s) => (s.ends_at > end ? s.ends_at : end), now);
  const startsAt = input.starts_at ?? currentEnd;
  const endsAt = input.trial
    ? trialEnd(startsAt, plan.trial_days, ladder.timeZone)
    : termEnd(startsAt, plan.duration, 1, ladder.timeZone);
  const status: SubscriptionStatus = endsAt <= now ? "expired" : input.trial ? "trial" : "active";
  const subscriptionId = newId("subscription");
  const inserted = await tx
    .insertInto("tier_subscriptions")
    .values({
      tenant_id: tenantId,
      subscription_id: subscriptionId,
      member_id: memberId,
      plan_id: plan.plan_id,
      status,
      external_id: input.external_id,
      starts_at: startsAt,
      ends_at: endsAt,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.doNothing())
    .returning("subscription_id")
    .executeTakeFirst();
  if (!inserted) {
    // The same external id was committed meanwhile by a request for another member (a request for this member
    // would have waited on the lock above and replayed): replay() now names the conflict.
    const raced = await replay();
    if (raced) return raced;
    throw new Error(`subscription ${input.external_id} neither inserted nor found`);
  }
  const subscription = await getSubscription(tx, tenantId, memberId, subscriptionId);
  await recordEvent(tx, {
    tenantId,
    type: "tier.subscription_recorded",
    subjectId: memberId,
    at: now,
    payload: serializeFacts(subscription),
  });
  await notePaidChange(
    tx,
    ladder,
    memberId,
    before,
    now,
    `${plan.code} ${input.trial ? "trial " : ""}started`,
  );
  if (!input.trial) await grantUpgradeGifts(tx, tenantId, memberId, [tier], now);
  return { subscription, replayed: false };
}

/** Extends by whole plan durations from the current end (or from now, once lapsed); a trial becomes paid. */
export async function renewSubscription(
  tx: Executor,
  tenantId: string,
  memberId: string,
  subscriptionId: string,
  periods: number,
  now: Date,
): Promise<Subscription> {
  await lockStandings(tx, tenantId, [memberId], now);
  const current = await getSubscription(tx, tenantId, memberId, subscriptionId);
  if (current.status === "cancelled") {
    throw businessRule(`subscription ${subscriptionId} was cancelled; record a new one instead`);
  }
  const ladder = await loadLadder(tx, tenantId);
  const plan = await findPlan(tx, tenantId, current.plan_id);
  const tier = ladder.tiersById.get(current.tier_id);
  if (!plan || !tier) throw new Error(`subscription ${subscriptionId} names a missing plan or tier`);
  const before = (await subscriptionFacts(tx, tenantId, [memberId])).get(memberId) ?? [];
  const from = current.ends_at > now ? current.ends_at : now;
  await tx
    .updateTable("tier_subscriptions")
    .set({
      status: "active",
      ends_at: termEnd(from, plan.duration, periods, ladder.timeZone),
      updated_at: now,
    })
    .where("tenant_id", "=", tenantId)
    .where("subscription_id", "=", subscriptionId)
    .execute();
  const renewed = await getSubscription(tx, tenantId, memberId, subscriptionId);
  await recordEvent(tx, {
    tenantId,
    type: "tier.subscription_renewed",
    subjectId: memberId,
    at: now,
    payload: { ...serializeFacts(renewed), previous_status: current.status, periods },
  });
  await notePaidChange(tx, ladder, memberId, before, now, `${plan.code} renewed`);
  await grantUpgradeGifts(tx, tenantId, memberId, [tier], now);
  return renewed;
}

/**
 * Ends a subscription now (the payment system refunded it). Not renewing is the way to let a term run out;
 * cancelling twice is harmless.
 */
export async function cancelSubscription(
  tx: Executor,
  tenantId: string,
  memberId: string,
  subscriptionId: string,
  reason: string | undefined,
  now: Date,
): Promise<Subscription> {
  await lockStandings(tx, tenantId, [memberId], now);
  const current = await getSubscription(tx, tenantId, memberId, subscriptionId);
  if (current.status === "cancelled") return current;
  if (current.status === "expired" || current.ends_at <= now) {
    throw businessRule(`subscription ${subscriptionId} already ended at ${current.ends_at.toISOString()}`);
  }
  const ladder = await loadLadder(tx, tenantId);
  const before = (await subscriptionFacts(tx, tenantId, [memberId])).get(memberId) ?? [];
  await tx
    .updateTable("tier_subscriptions")
    .set({ status: "cancelled", ends_at: current.starts_at > now ? current.starts_at : now, updated_at: now })
    .where("tenant_id", "=", tenantId)
    .where("subscription_id", "=", subscriptionId)
    .execute();
  const cancelled = await getSubscription(tx, tenantId, memberId, subscriptionId);
  await recordEvent(tx, {
    tenantId,
    type: "tier.subscription_cancelled",
    subjectId: memberId,
    at: now,
    payload: { ...serializeFacts(cancelled), reason: reason ?? null },
  });
  await notePaidChange(
    tx,
    ladder,
    memberId,
    before,
    now,
    `${current.plan_code} cancelled${reason ? `: ${reason}` : ""}`,
  );
  return cancelled;
}

/** The latest instant a Date can hold. */
const END_OF_TIME = new Date(8.64e15);

/** Of these members, those with a subscription past its end and not yet marked expired. */
export async function membersWithLapsedSubscriptions(
  db: Executor,
  tenantId: string,
  memberIds: readonly string[],
  now: Date,
): Promise<string[]> {
  if (memberIds.length === 0) return [];
  const rows = await db
    .selectFrom("tier_subscriptions")
    .select("member_id")
    .distinct()
    .where("tenant_id", "=", tenantId)
    .where("member_id", "in", [...memberIds])
    .where("status", "in", ["trial", "active"])
    .where("ends_at", "<=", now)
    .execute();
  return rows.map((r) => r.member_id);
}

/**
 * Marks these members' lapsed subscriptions expired, noting each paid tier that ended with them. The caller holds
 * the members' tier locks.
 */
export async function expireSubscriptions(
  tx: Executor,
  ladder: LadderContext,
  members: readonly string[],
  now: Date,
): Promise<TierChange[]> {
  if (members.length === 0) return [];
  const facts = await subscriptionFacts(tx, ladder.tenantId, members);
  const expired = await tx
    .updateTable("tier_subscriptions")
    .set({ status: "expired", updated_at: now })
    .where("tenant_id", "=", ladder.tenantId)
    .where("member_id", "in", [...members])
    .where("status", "in", ["trial", "active"])
    .where("ends_at", "<=", now)
    .returning(["member_id", "subscription_id"])
    .execute();
  const changes: TierChange[] = [];
  for (const memberId of members) {
    const ending = new Set(expired.filter((e) => e.member_id === memberId).map((e) => e.subscription_id));
    // Before this pass the lapsed subscriptions still held their tier as far as events go: nobody said it ended.
    const before = (facts.get(memberId) ?? []).map((s) =>
      ending.has(s.subscription_id) ? { ...s, ends_at: END_OF_TIME } : s,
    );
    const ended = (facts.get(memberId) ?? []).filter((s) => ending.has(s.subscription_id));
    const reason = ended.map((s) => `${s.plan_code} ended ${s.ends_at.toISOString()}`).join(", ");
    const change = await notePaidChange(tx, ladder, memberId, before, now, reason);
    if (change) changes.push(change);
  }
  return changes;
}

function serializeFacts(s: Subscription) {
  return {
    member_id: s.member_id,
    subscription_id: s.subscription_id,
    plan_code: s.plan_code,
    tier: s.tier_code,
    status: s.status,
    external_id: s.external_id,
    starts_at: s.starts_at.toISOString(),
    ends_at: s.ends_at.toISOString(),
  };
}
