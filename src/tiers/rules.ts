import { DateTime } from "luxon";
import type { Benefits, Qualification, Thresholds, TierProgram } from "./schemas.ts";
import type { PlanDuration, SubscriptionStatus, TierKind } from "./tables.ts";

/**
 * Tier decisions as data: which tier a member reaches, keeps or loses, and what they see. No IO and no clock;
 * the service loads the facts (ladder, standing, stats in a window), calls these, and writes the result.
 */

export type Metric = keyof Thresholds;
export const METRICS = ["growth", "spend_minor", "orders"] as const satisfies readonly Metric[];

/** What a member did in a window. Growth can be negative in a window (refunds reverse earlier growth). */
export type MemberStats = Record<Metric, number>;
export const NO_STATS: MemberStats = { growth: 0, spend_minor: 0, orders: 0 };

export interface LadderTier {
  tier_id: string;
  code: string;
  name: string;
  rank: number;
  kind: TierKind;
  qualification: Qualification;
  benefits: Benefits;
}

/** Where a member stands on the free ladder (a member without a row stands on the lowest free tier). */
export interface Standing {
  tier_id: string | null;
  achieved_at: Date | null;
  review_at: Date | null;
  grace_until: Date | null;
}

export interface TierChange {
  member_id: string;
  kind: "upgrade" | "downgrade" | "paid_started" | "paid_ended";
  /** Codes on the track that changed: the free tier for up- and downgrades, the paid tier for paid changes. */
  from: string | null;
  to: string | null;
  reason: string;
  /** The member's effective tier (better of free and paid) after the change. */
  effective_tier: string | null;
}

/** A brand without its own settings: the seeds' practice (growth in the calendar year, a month's grace). */
export const DEFAULT_TIER_PROGRAM: TierProgram = {
  window: "calendar_year",
  grace_days: 30,
  max_steps_down: 1,
};

// ——— the ladder ———

/** Free tiers, lowest first: the first is every member's starting tier. */
export function freeLadder(tiers: readonly LadderTier[]): LadderTier[] {
  return tiers.filter((t) => t.kind === "free").sort((a, b) => a.rank - b.rank);
}

function thresholdsOf(thresholds: Thresholds | undefined): [Metric, number][] {
  return METRICS.flatMap((m) => {
    const value = thresholds?.[m];
    return value === undefined ? [] : [[m, value] as [Metric, number]];
  });
}

/** Any one threshold reached is enough. No thresholds reach nothing: a mis-set tier must not take in everyone. */
export function meets(stats: MemberStats, thresholds: Thresholds | undefined): boolean {
  return thresholdsOf(thresholds).some(([m, value]) => stats[m] >= value);
}

/**
 * What keeps a tier at its review: the retain thresholds, and anything that would reach it (a tier reached by
 * order count is never lost by someone who still places those orders; otherwise it could flap down and up).
 */
export function keepThresholds(tier: LadderTier): Thresholds {
  const { reach, retain } = tier.qualification;
  const keep: Thresholds = {};
  for (const m of METRICS) {
    const values = [reach?.[m], retain?.[m]].filter((v): v is number => v !== undefined);
    if (values.length > 0) keep[m] = Math.min(...values);
  }
  return keep;
}

/** The member's place on the free ladder; an unknown or missing tier is the starting tier. */
/** Which stats a ladder's thresholds read: growth (the ledger) and spend or order count (the orders). */
export function metricsUsed(ladder: readonly LadderTier[]): { growth: boolean; orders: boolean } {
  const used = new Set(ladder.flatMap((tier) => thresholdsOf(keepThresholds(tier)).map(([m]) => m)));
  return { growth: used.has("growth"), orders: used.has("spend_minor") || used.has("orders") };
}

export function positionOf(ladder: readonly LadderTier[], tierId: string | null): number {
  const index = ladder.findIndex((t) => t.tier_id === tierId);
  return index < 0 ? 0 : index;
}

// ——— windows and terms (brand-local calendar) ———

export interface QualificationWindow {
  from: Date;
  to: Date;
  /** When the window closes and counting starts again; null for a rolling window, which never closes. */
  ends_at: Date | null;
}

export function qualificationWindow(
  now: Date,
  kind: TierProgram["window"],
  timeZone: string,
): QualificationWindow {
  const local = DateTime.fromJSDate(now, { zone: timeZone });
  if (kind === "calendar_year") {
    const start = local.startOf("year");
    return { from: start.toJSDate(), to: now, ends_at: start.plus({ years: 1 }).toJSDate() };
  }
  return { from: local.minus({ years: 1 }).toJSDate(), to: now, ends_at: null };
}

/**
 * A tier reached in calendar year N is kept through year N+1 (its review is when N+2 begins), so a December
 * upgrade is not lost a month later; on a rolling window, it is kept for twelve months.
 */
export function reviewAfterUpgrade(now: Date, kind: TierProgram["window"], timeZone: string): Date {
  const local = DateTime.fromJSDate(now, { zone: timeZone });
  return kind === "calendar_year"
    ? local.startOf("year").plus({ years: 2 }).toJSDate()
    : local.plus({ years: 1 }).toJSDate();
}

/** The next review after `reviewAt` that is still ahead: one year per term, however late the job ran. */
export function nextReview(reviewAt: Date, now: Date, timeZone: string): Date {
  let next = DateTime.fromJSDate(reviewAt, { zone: timeZone }).plus({ years: 1 });
  const MAX_TERMS = 100;
  for (let i = 0; i < MAX_TERMS && next.toMillis() <= now.getTime(); i++) next = next.plus({ years: 1 });
  return next.toJSDate();
}

/** What counts toward keeping a tier: the year before its review, and anything done since (the grace). */
export function retentionWindowStart(reviewAt: Date, timeZone: string): Date {
  return DateTime.fromJSDate(reviewAt, { zone: timeZone }).minus({ years: 1 }).toJSDate();
}

export function graceEnd(reviewAt: Date, graceDays: number, timeZone: string): Date {
  return DateTime.fromJSDate(reviewAt, { zone: timeZone }).plus({ days: graceDays }).toJSDate();
}

export function reviewDue(ladder: readonly LadderTier[], standing: Standing, now: Date): boolean {
  return positionOf(ladder, standing.tier_id) > 0 && standing.review_at !== null && standing.review_at <= now;
}

// ——— evaluation ———

export type Evaluation =
  | { kind: "none" }
  | { kind: "upgrade"; to: LadderTier; passed: LadderTier[]; review_at: Date; reason: string }
  | { kind: "retain"; review_at: Date; reason: string }
  | { kind: "grace"; grace_until: Date; reason: string }
  | { kind: "downgrade"; to: LadderTier; review_at: Date | null; reason: string };

export interface EvaluationInput {
  /** Free tiers, lowest first (freeLadder). */
  ladder: readonly LadderTier[];
  program: TierProgram;
  timeZone: string;
  standing: Standing;
  now: Date;
  /** Stats over the qualification window. */
  qualifying: MemberStats;
  /** Stats from retentionWindowStart(review_at) to now; required when a review is due. */
  retaining: MemberStats | undefined;
  /** upgrade_only: after an order, tiers only go up. full: the periodic review. */
  mode: "upgrade_only" | "full";
}

const describeMet = (stats: MemberStats, thresholds: Thresholds | undefined) =>
  thresholdsOf(thresholds)
    .filter(([m, value]) => stats[m] >= value)
    .map(([m, value]) => `${m} ${stats[m]} ≥ ${value}`)
    .join(", ");
const describeShort = (stats: MemberStats, thresholds: Thresholds | undefined) =>
  thresholdsOf(thresholds)
    .map(([m, value]) => `${m} ${stats[m]} < ${value}`)
    .join(", ");

/**
 * Upgrades at once to the highest tier reached; at a due review, keeps the tier, opens a grace period, or
 * moves down to the best tier whose retention is met, but never more than `max_steps_down` tiers at once.
 */
export function evaluateStanding(input: EvaluationInput): Evaluation {
  const { ladder, program, timeZone, standing, now } = input;
  const current = positionOf(ladder, standing.tier_id);
  for (let i = ladder.length - 1; i > current; i--) {
    const tier = ladder[i];
    if (tier && meets(input.qualifying, tier.qualification.reach)) {
      return {
        kind: "upgrade",
        to: tier,
        passed: ladder.slice(current + 1, i + 1),
        review_at: reviewAfterUpgrade(now, program.window, timeZone),
        reason: `reached ${tier.code}: ${describeMet(input.qualifying, tier.qualification.reach)}`,
      };
    }
  }
  const tier = ladder[current];
  if (input.mode === "upgrade_only" || !tier || !reviewDue(ladder, standing, now) || !standing.review_at) {
    return { kind: "none" };
  }
  const retaining = input.retaining;
  if (!retaining) throw new Error("retention stats are required when a review is due");
  const keep = keepThresholds(tier);
  if (meets(retaining, keep)) {
    return {
      kind: "retain",
      review_at: nextReview(standing.review_at, now, timeZone),
      reason: `kept ${tier.code}: ${describeMet(retaining, keep)}`,
    };
  }
  // A grace already granted is a promise to the member: a later change of grace_days does not shorten it.
  const graceUntil = standing.grace_until ?? graceEnd(standing.review_at, program.grace_days, timeZone);
  if (now < graceUntil) {
    if (standing.grace_until !== null) return { kind: "none" };
    return {
      kind: "grace",
      grace_until: graceUntil,
      reason: `${tier.code} not yet kept (${describeShort(retaining, keep)}); grace until ${graceUntil.toISOString()}`,
    };
  }
  let best = 0;
  for (let i = current - 1; i > 0; i--) {
    const lower = ladder[i];
    if (lower && meets(retaining, keepThresholds(lower))) {
      best = i;
      break;
    }
  }
  const target = Math.max(best, current - program.max_steps_down, 0);
  const to = ladder[target] ?? tier;
  const limited = target > best ? ` (at most ${program.max_steps_down} down per review)` : "";
  return {
    kind: "downgrade",
    to,
    review_at: target === 0 ? null : nextReview(standing.review_at, now, timeZone),
    reason: `${tier.code} not kept (${describeShort(retaining, keep)}): down to ${to.code}${limited}`,
  };
}

/** The standing an evaluation leaves behind. */
export function applyEvaluation(standing: Standing, evaluation: Evaluation, now: Date): Standing {
  switch (evaluation.kind) {
    case "none":
      return standing;
    case "upgrade":
      return {
        tier_id: evaluation.to.tier_id,
        achieved_at: now,
        review_at: evaluation.review_at,
        grace_until: null,
      };
    case "retain":
      return { ...standing, review_at: evaluation.review_at, grace_until: null };
    case "grace":
      return { ...standing, grace_until: evaluation.grace_until };
    case "downgrade":
      return {
        tier_id: evaluation.to.tier_id,
        achieved_at: now,
        review_at: evaluation.review_at,
        grace_until: null,
      };
  }
}

// ——— paid tiers and the effective tier ———

export interface SubscriptionFacts {
  subscription_id: string;
  tier_id: string;
  plan_code: string;
  status: SubscriptionStatus;
  starts_at: Date;
  ends_at: Date;
}

export function isLive(subscription: SubscriptionFacts, now: Date): boolean {
  const status = subscription.status === "trial" || subscription.status === "active";
  return status && subscription.starts_at <= now && now < subscription.ends_at;
}

/** The best paid tier among live subscriptions, with the subscription that lasts longest in it. */
export function paidTierAt(
  subscriptions: readonly SubscriptionFacts[],
  tiers: ReadonlyMap<string, LadderTier>,
  now: Date,
): { tier: LadderTier; subscription: SubscriptionFacts } | undefined {
  let best: { tier: LadderTier; subscription: SubscriptionFacts } | undefined;
  for (const subscription of subscriptions) {
    const tier = tiers.get(subscription.tier_id);
    if (!tier || !isLive(subscription, now)) continue;
    const better =
      !best ||
      tier.rank > best.tier.rank ||
      (tier.rank === best.tier.rank && subscription.ends_at > best.subscription.ends_at);
    if (better) best = { tier, subscription };
  }
  return best;
}

/** The better of the free and the paid tier by rank: a Black Gold member who buys a season card stays Black Gold. */
export function effectiveTier(
  free: LadderTier | undefined,
  paid: LadderTier | undefined,
): { tier: LadderTier; source: TierKind } | undefined {
  if (paid && (!free || paid.rank > free.rank)) return { tier: paid, source: "paid" };
  return free ? { tier: free, source: "free" } : undefined;
}

export function termEnd(start: Date, duration: PlanDuration, periods: number, timeZone: string): Date {
  const local = DateTime.fromJSDate(start, { zone: timeZone });
  const months = { month: 1, season: 3, year: 12 }[duration] * periods;
  return local.plus({ months }).toJSDate();
}

export function trialEnd(start: Date, trialDays: number, timeZone: string): Date {
  return DateTime.fromJSDate(start, { zone: timeZone }).plus({ days: trialDays }).toJSDate();
}

// ——— what the member sees ———

export interface ThresholdProgress {
  metric: Metric;
  threshold: number;
  current: number;
  needed: number;
}

export interface Distance {
  tier: LadderTier;
  /** The metric closest to its threshold, relative to the threshold. */
  metric: Metric;
  needed: number;
  options: ThresholdProgress[];
}

function distance(tier: LadderTier, stats: MemberStats, thresholds: Thresholds | undefined): Distance | null {
  const options = thresholdsOf(thresholds).map(([metric, threshold]) => ({
    metric,
    threshold,
    current: stats[metric],
    needed: Math.max(0, threshold - stats[metric]),
  }));
  let closest: ThresholdProgress | undefined;
  for (const option of options) {
    if (!closest || option.needed / option.threshold < closest.needed / closest.threshold) closest = option;
  }
  return closest ? { tier, metric: closest.metric, needed: closest.needed, options } : null;
}

/** How far the member is from the next free tier up; null at the top. */
export function distanceToNext(
  ladder: readonly LadderTier[],
  position: number,
  stats: MemberStats,
): Distance | null {
  const next = ladder[position + 1];
  return next ? distance(next, stats, next.qualification.reach) : null;
}

/** What the member still needs to keep their free tier at its review; null on the starting tier. */
export function distanceToKeep(
  ladder: readonly LadderTier[],
  position: number,
  stats: MemberStats,
): Distance | null {
  const tier = ladder[position];
  return tier && position > 0 ? distance(tier, stats, keepThresholds(tier)) : null;
}

// ——— ladder validation ———

export interface FieldProblem {
  field: string;
  message: string;
}

/**
 * Whether `candidate` fits the ladder of `others`: ranks unique across free and paid tiers; the lowest free tier
 * has no thresholds and every other free tier at least one; each metric's threshold rises with rank; a tier is
 * not harder to keep than to reach. `touched` says which fields the request changed, so the problem names one.
 */
export function ladderProblem(
  candidate: LadderTier,
  others: readonly LadderTier[],
  touched: { rank: boolean; qualification: boolean },
): FieldProblem | undefined {
  const clash = others.find((t) => t.rank === candidate.rank);
  if (clash) return { field: "/rank", message: `rank ${candidate.rank} is already ${clash.code}'s` };
  const { reach, retain } = candidate.qualification;
  if (candidate.kind === "paid") {
    return thresholdsOf(reach).length + thresholdsOf(retain).length > 0
      ? { field: "/qualification", message: "a paid tier is reached by a subscription, not by thresholds" }
      : undefined;
  }
  const ladder = freeLadder([...others, candidate]);
  const index = ladder.indexOf(candidate);
  const blame = (field: string) => (touched.qualification ? field : "/rank");
  if (index === 0) {
    if (thresholdsOf(reach).length + thresholdsOf(retain).length > 0) {
      return {
        field: blame("/qualification"),
        message: `the lowest free tier is every member's starting tier and cannot have thresholds`,
      };
    }
    const above = ladder[1];
    if (above && thresholdsOf(above.qualification.reach).length === 0) {
      return {
        field: "/rank",
        message: `${above.code} has no thresholds, so it must stay the lowest free tier`,
      };
    }
    return undefined;
  }
  if (thresholdsOf(reach).length === 0) {
    return {
      field: blame("/qualification/reach"),
      message: "a free tier above the starting tier needs at least one threshold",
    };
  }
  for (const [metric, value] of thresholdsOf(reach)) {
    const below = ladder.slice(0, index).findLast((t) => t.qualification.reach?.[metric] !== undefined);
    const above = ladder.slice(index + 1).find((t) => t.qualification.reach?.[metric] !== undefined);
    const belowValue = below?.qualification.reach?.[metric];
    const aboveValue = above?.qualification.reach?.[metric];
    if (below && belowValue !== undefined && belowValue >= value) {
      return {
        field: blame(`/qualification/reach/${metric}`),
        message: `must be above ${below.code}'s ${belowValue}`,
      };
    }
    if (above && aboveValue !== undefined && aboveValue <= value) {
      return {
        field: blame(`/qualification/reach/${metric}`),
        message: `must be below ${above.code}'s ${aboveValue}`,
      };
    }
  }
  for (const [metric, value] of thresholdsOf(retain)) {
    const reachValue = reach?.[metric];
    if (reachValue !== undefined && value > reachValue) {
      return {
        field: `/qualification/retain/${metric}`,
        message: `cannot be above the ${reachValue} needed to reach the tier`,
      };
    }
  }
  return undefined;
}
