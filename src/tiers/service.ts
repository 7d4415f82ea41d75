import type { Static } from "typebox";
import type { Principal } from "../platform/auth/principal.ts";
import { SETTINGS_TTL_MS, TtlCache } from "../platform/cache.ts";
import type { Db, Executor } from "../platform/db/database.ts";
import { listTenants } from "../tenants/service.ts";
import {
  applyEvaluations,
  evaluateMembers,
  lockStandings,
  membersToMove,
  readStandings,
  subscriptionFacts,
} from "./evaluation.ts";
import { DEFAULT_BENEFITS, listTiers, loadLadder, setUpDefaultLadder, type Tier } from "./ladder.ts";
import {
  distanceToKeep,
  distanceToNext,
  effectiveTier,
  freeLadder,
  type LadderTier,
  paidTierAt,
  positionOf,
  qualificationWindow,
  retentionWindowStart,
  type TierChange,
} from "./rules.ts";
import type { Benefits, DistributionSchema, MemberTierSchema } from "./schemas.ts";
import { memberStatsInWindow, membersToEvaluate, type StatsWindow, tierCounts } from "./stats.ts";
import { expireSubscriptions, membersWithLapsedSubscriptions } from "./subscriptions.ts";

/**
 * What other capabilities call: tier facts at earn time, upgrades after an order, the periodic review, a new
 * brand's ladder; and the member's view of their tier. Ladder editing is in ladder.ts, paid cards in
 * subscriptions.ts.
 */

export type { TierChange } from "./rules.ts";

export const REEVALUATION_BATCH_DEFAULT = 500;
export const REEVALUATION_BATCH_MAX = 5_000;

const brief = (t: LadderTier) => ({
  tier_id: t.tier_id,
  code: t.code,
  name: t.name,
  rank: t.rank,
  kind: t.kind,
});

/** Tier facts needed at earn time, for many members at once (two queries). */
export async function tierContexts(
  db: Executor,
  tenantId: string,
  memberIds: string[],
  now: Date,
): Promise<Map<string, { tier_code: string | null; points_multiplier: number }>> {
  const effective = await effectiveTierBenefits(db, tenantId, memberIds, now);
  return new Map(
    [...effective].map(([id, e]) => [
      id,
      { tier_code: e.tier_code, points_multiplier: e.benefits.points_multiplier },
    ]),
  );
}

/** Ladders for read-only paths; an edit is seen within the TTL, like the other settings read on every request. */
const ladders = new TtlCache<Tier[]>({ ttl_ms: SETTINGS_TTL_MS, max_entries: 10_000 });

export interface EffectiveTierBenefits {
  tier_code: string | null;
  benefits: Benefits;
}

/**
 * Each member's effective tier (the better of free and paid) and its benefits, for many members at once (two
 * queries): what checkout needs for member prices, the member discount and free shipping.
 */
export async function effectiveTierBenefits(
  db: Executor,
  tenantId: string,
  memberIds: string[],
  now: Date,
  /** Read the ladder through a brief cache: for read-only paths such as a checkout quote, never for writes. */
  options: { cachedLadder?: boolean } = {},
): Promise<Map<string, EffectiveTierBenefits>> {
  const ids = [...new Set(memberIds)];
  const result = new Map<string, EffectiveTierBenefits>();
  if (ids.length === 0) return result;
  const tiers = options.cachedLadder
    ? await ladders.get(tenantId, () => listTiers(db, tenantId))
    : await listTiers(db, tenantId);
  const byId = new Map(tiers.map((t) => [t.tier_id, t]));
  const free = freeLadder(tiers);
  // One statement: each member's free tier row and their live subscriptions' tiers.
  const rows =
    tiers.length === 0
      ? []
      : await db
          .selectFrom("member_tiers")
          .select(["member_id", "free_tier_id as tier_id"])
          .where("tenant_id", "=", tenantId)
          .where("member_id", "in", ids)
          .unionAll(
            db
              .selectFrom("tier_subscriptions as s")
              .innerJoin("tier_plans as p", (join) =>
                join.onRef("p.tenant_id", "=", "s.tenant_id").onRef("p.plan_id", "=", "s.plan_id"),
              )
              .select(["s.member_id", "p.tier_id"])
              .where("s.tenant_id", "=", tenantId)
              .where("s.member_id", "in", ids)
              .where("s.status", "in", ["trial", "active"])
              .where("s.starts_at", "<=", now)
              .where("s.ends_at", ">", now),
          )
          .execute();
  const best = new Map<string, LadderTier>();
  const base = free[0];
  if (base) for (const id of ids) best.set(id, base);
  for (const row of rows) {
    const tier = (row.tier_id === null ? undefined : byId.get(row.tier_id)) ?? base;
    const current = best.get(row.member_id);
    if (tier && (!current || tier.rank > current.rank)) best.set(row.member_id, tier);
  }
  for (const id of ids) {
    const tier = best.get(id);
    result.set(id, { tier_code: tier?.code ?? null, benefits: tier?.benefits ?? DEFAULT_BENEFITS });
  }
  return result;
}

/** After growth/spend changed: upgrades at once (never downgrades here). Runs inside the caller's transaction. */
export async function upgradeIfQualified(
  tx: Executor,
  tenantId: string,
  memberIds: string[],
  now: Date,
): Promise<TierChange[]> {
  const ids = [...new Set(memberIds)];
  if (ids.length === 0) return [];
  return evaluateMembers(tx, await loadLadder(tx, tenantId), ids, now, "upgrade_only");
}

/**
 * Periodic re-evaluation of one batch of members (in member-id order, after `afterMemberId`): expires lapsed
 * paid subscriptions, upgrades, and reviews tiers that are due. `lastMemberId` is the cursor for the next batch,
 * null once the end of the member list was reached.
 */
export async function reevaluateTiers(
  tx: Executor,
  tenantId: string,
  now: Date,
  options: { limit?: number; afterMemberId?: string } = {},
): Promise<{ evaluated: number; changes: TierChange[]; lastMemberId: string | null }> {
  const limit = Math.min(Math.max(1, options.limit ?? REEVALUATION_BATCH_DEFAULT), REEVALUATION_BATCH_MAX);
  const ids = await membersToEvaluate(tx, tenantId, options.afterMemberId, limit);
  if (ids.length === 0) return { evaluated: 0, changes: [], lastMemberId: null };
  const ladder = await loadLadder(tx, tenantId);
  const lapsed = await membersWithLapsedSubscriptions(tx, tenantId, ids, now);
  const moving = await membersToMove(tx, ladder, ids, now, "full");
  // One lock sweep, in member-id order, for both: two sweeps could deadlock with an order locking the same members.
  await lockStandings(tx, tenantId, [...lapsed, ...moving], now);
  // Paid first, so the free changes' events carry the effective tier after both.
  const paid = await expireSubscriptions(tx, ladder, lapsed, now);
  const free = await applyEvaluations(tx, ladder, moving, now, "full");
  return {
    evaluated: ids.length,
    changes: [...paid, ...free],
    lastMemberId: ids.length < limit ? null : (ids[ids.length - 1] ?? null),
  };
}

/**
 * The nightly job: every brand with tiers, batch by batch, one transaction per batch so a long run holds no
 * member's lock for long and a failure loses one batch, not the night.
 */
export async function reevaluateAllTenants(
  db: Db,
  now: Date,
  options: { batchSize?: number } = {},
): Promise<{ evaluated: number; changes: number }> {
  let evaluated = 0;
  let changes = 0;
  for (const tenant of await listTenants(db)) {
    if ((await listTiers(db, tenant.tenant_id)).length === 0) continue;
    let after: string | undefined;
    for (;;) {
      const batch = await db.transaction().execute((tx) =>
        reevaluateTiers(tx, tenant.tenant_id, now, {
          ...(options.batchSize !== undefined ? { limit: options.batchSize } : {}),
          ...(after !== undefined ? { afterMemberId: after } : {}),
        }),
      );
      evaluated += batch.evaluated;
      changes += batch.changes.length;
      if (batch.lastMemberId === null) break;
      after = batch.lastMemberId;
    }
  }
  return { evaluated, changes };
}

/** A default ladder for a new brand: Ordinary, VIP at 1000 growth, Black Gold at 5000 with double points. */
export async function setUpDefaultTiers(tx: Executor, tenantId: string, now: Date): Promise<void> {
  await setUpDefaultLadder(tx, tenantId, now);
}

// ——— the member's view ———

export type MemberTierView = Static<typeof MemberTierSchema>;

/** Effective tier, benefits, progress and what is needed next: a handful of indexed reads, nothing written. */
export async function memberTier(
  db: Executor,
  tenantId: string,
  memberId: string,
  now: Date,
): Promise<MemberTierView> {
  const ladder = await loadLadder(db, tenantId);
  const free = freeLadder(ladder.tiers);
  const standing = (await readStandings(db, tenantId, [memberId])).get(memberId);
  const position = positionOf(free, standing?.tier_id ?? null);
  const freeTier = free[position];
  const paid = paidTierAt(
    (await subscriptionFacts(db, tenantId, [memberId])).get(memberId) ?? [],
    ladder.tiersById,
    now,
  );
  const effective = effectiveTier(freeTier, paid?.tier);

  const window = qualificationWindow(now, ladder.program.window, ladder.timeZone);
  const windows: StatsWindow[] = [{ member_id: memberId, from: window.from, to: now }];
  const reviewAt = position > 0 ? (standing?.review_at ?? null) : null;
  if (reviewAt)
    windows.push({ member_id: memberId, from: retentionWindowStart(reviewAt, ladder.timeZone), to: now });
  const [progress, retention] = await memberStatsInWindow(db, tenantId, windows);
  const next = progress ? distanceToNext(free, position, progress) : null;
  const keep = reviewAt && retention ? distanceToKeep(free, position, retention) : null;
  const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

  return {
    member_id: memberId,
    tier: effective ? brief(effective.tier) : null,
    source: effective?.source ?? null,
    benefits: effective?.tier.benefits ?? DEFAULT_BENEFITS,
    free: {
      tier: freeTier ? brief(freeTier) : null,
      achieved_at: position > 0 ? iso(standing?.achieved_at) : null,
      review_at: iso(reviewAt),
      grace_until: iso(standing?.grace_until),
    },
    paid: paid
      ? {
          tier: brief(paid.tier),
          subscription_id: paid.subscription.subscription_id,
          plan_code: paid.subscription.plan_code,
          status: paid.subscription.status,
          ends_at: paid.subscription.ends_at.toISOString(),
        }
      : null,
    progress: {
      window: {
        kind: ladder.program.window,
        starts_at: window.from.toISOString(),
        ends_at: iso(window.ends_at),
      },
      growth: progress?.growth ?? 0,
      spend_minor: progress?.spend_minor ?? 0,
      orders: progress?.orders ?? 0,
    },
    distance_to_next: next
      ? {
          next_tier: next.tier.code,
          next_tier_name: next.tier.name,
          metric: next.metric,
          needed: next.needed,
          window_ends_at: iso(window.ends_at),
          options: next.options,
        }
      : null,
    to_keep:
      keep && reviewAt
        ? {
            tier: keep.tier.code,
            by: (standing?.grace_until ?? reviewAt).toISOString(),
            metric: keep.metric,
            needed: keep.needed,
            options: keep.options,
          }
        : null,
  };
}

/** Members per tier within the caller's scope: free tiers by standing, paid tiers by live subscribers. */
export async function tierDistribution(
  db: Executor,
  tenantId: string,
  now: Date,
  principal: Principal | undefined,
): Promise<Static<typeof DistributionSchema>> {
  const tiers: Tier[] = await listTiers(db, tenantId);
  const counts = await tierCounts(db, tenantId, now, principal);
  const free = freeLadder(tiers);
  const base = free[0];
  const known = new Set(free.map((t) => t.tier_id));
  let onBase = 0;
  for (const [tierId, count] of counts.free) {
    // No row, or a row naming a tier no longer on the free ladder, is the starting tier.
    if (tierId === null || !known.has(tierId) || tierId === base?.tier_id) onBase += count;
  }
  return {
    members_total: counts.members_total,
    items: tiers.map((t) => ({
      ...brief(t),
      members:
        t.kind === "paid"
          ? (counts.paid.get(t.tier_id) ?? 0)
          : t.tier_id === base?.tier_id
            ? onBase
            : (counts.free.get(t.tier_id) ?? 0),
    })),
  };
}
