import { createHash } from "node:crypto";
import type { Benefit } from "../coupons/schemas.ts";
import type { Action, Budget } from "./schemas.ts";
import type { CampaignStatus } from "./tables.ts";

/** Campaign decisions without IO or a clock: holdout draws, budgets, lifecycle, event matching, uplift. */

// ——— holdout ———

/**
 * Whether a member is in the campaign's holdout: a hash of (campaign, member) mapped to [0, 100), compared with the
 * percent. Deterministic, so a member stays in one arm across events, runs, retries and processes; independent of
 * everything about the member, so the arms are comparable.
 */
export function inHoldout(campaignId: string, memberId: string, holdoutPercent: number): boolean {
  if (holdoutPercent <= 0) return false;
  const digest = createHash("sha256").update(`${campaignId}\u0000${memberId}`).digest();
  const draw = (digest.readUInt32BE(0) / 2 ** 32) * 100;
  return draw < holdoutPercent;
}

// ——— what an action costs ———

export interface ActionCost {
  coupons: number;
  points: number;
  messages: number;
}

/** What acting on one member takes from the budget; `couponsPerPack` gives each pack's coupon count. */
export function costOf(actions: readonly Action[], couponsPerPack: ReadonlyMap<string, number>): ActionCost {
  const cost: ActionCost = { coupons: 0, points: 0, messages: 0 };
  for (const action of actions) {
    if (action.kind === "issue_coupon") cost.coupons += 1;
    if (action.kind === "issue_pack") cost.coupons += couponsPerPack.get(action.pack_id) ?? 0;
    if (action.kind === "grant_points") cost.points += action.points;
    if (action.kind === "send_message") cost.messages += 1;
  }
  return cost;
}

export interface Spent {
  coupons: number;
  points: number;
  messages: number;
}

/** Whether one more member's actions fit the budget, given what was spent. */
export function fitsBudget(budget: Budget, spent: Spent, cost: ActionCost): boolean {
  const within = (max: number | undefined, used: number, more: number) =>
    max === undefined || more === 0 || used + more <= max;
  return (
    within(budget.max_coupons, spent.coupons, cost.coupons) &&
    within(budget.max_points, spent.points, cost.points) &&
    within(budget.max_messages, spent.messages, cost.messages)
  );
}

// ——— lifecycle ———

export type LifecycleCommand = "launch" | "pause" | "resume" | "end";

export type Transition = { ok: true; status: CampaignStatus } | { ok: false; reason: string };

/**
 * The status after a command, or why it is not allowed. Launching (or resuming) before `starts_at` schedules;
 * after `ends_at` it is refused.
 */
export function transition(
  status: CampaignStatus,
  command: LifecycleCommand,
  window: { starts_at: Date | null; ends_at: Date | null },
  now: Date,
): Transition {
  const to = (next: CampaignStatus): Transition => ({ ok: true, status: next });
  const refuse = (reason: string): Transition => ({ ok: false, reason });
  const live = (): Transition => {
    if (window.ends_at !== null && window.ends_at <= now) return refuse("its end (ends_at) has passed");
    return to(window.starts_at !== null && window.starts_at > now ? "scheduled" : "active");
  };
  switch (command) {
    case "launch":
      return status === "draft" ? live() : refuse(`only a draft can be launched; this campaign is ${status}`);
    case "pause":
      return status === "active" || status === "scheduled"
        ? to("paused")
        : refuse(`only a live campaign can be paused; this one is ${status}`);
    case "resume":
      return status === "paused"
        ? live()
        : refuse(`only a paused campaign can be resumed; this one is ${status}`);
    case "end":
      return status === "ended" ? refuse("the campaign has already ended") : to("ended");
  }
}

/** Whether a campaign acts at this moment: launched, not paused or ended, inside its window. */
export function isLive(
  campaign: { status: CampaignStatus; starts_at: Date | null; ends_at: Date | null },
  now: Date,
): boolean {
  if (campaign.status !== "active" && campaign.status !== "scheduled") return false;
  if (campaign.starts_at !== null && campaign.starts_at > now) return false;
  return campaign.ends_at === null || campaign.ends_at > now;
}

// ——— events ———

export type MatchValue = string | number | boolean | (string | number)[];

/** Whether an event's payload carries every field the trigger asks for (a list: any of its values). */
export function payloadMatches(
  match: Readonly<Record<string, MatchValue>> | undefined,
  payload: Readonly<Record<string, unknown>>,
): boolean {
  if (!match) return true;
  return Object.entries(match).every(([field, wanted]) => {
    const actual = payload[field];
    if (Array.isArray(wanted)) return wanted.some((w) => w === actual);
    return wanted === actual;
  });
}

// ——— uplift ———

export interface ArmOutcome {
  members: number;
  converters: number;
}

export interface Uplift {
  /** Treated conversion rate minus holdout conversion rate (a proportion, 0.05 = five points). */
  difference: number;
  ci95_low: number;
  ci95_high: number;
  /** The interval excludes zero. */
  significant: boolean;
}

const Z_95 = 1.959_963_984_540_054;

/**
 * The difference of two conversion rates with a 95% confidence interval by the normal approximation (Wald,
 * unpooled variance). Undefined when either arm is empty. With very small arms or rates near 0 or 1 the
 * approximation is rough; the counts are reported beside it.
 */
export function conversionUplift(treated: ArmOutcome, holdout: ArmOutcome): Uplift | undefined {
  if (treated.members === 0 || holdout.members === 0) return undefined;
  const p1 = treated.converters / treated.members;
  const p0 = holdout.converters / holdout.members;
  const difference = p1 - p0;
  const se = Math.sqrt((p1 * (1 - p1)) / treated.members + (p0 * (1 - p0)) / holdout.members);
  const low = difference - Z_95 * se;
  const high = difference + Z_95 * se;
  return {
    difference: round(difference),
    ci95_low: round(low),
    ci95_high: round(high),
    significant: low > 0 || high < 0,
  };
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

export function rate(part: number, whole: number): number {
  return whole === 0 ? 0 : round(part / whole);
}

// ——— estimated cost ———

/**
 * The most a coupon can take off, as far as its benefit says: an amount off is its amount; a capped percent, free
 * item or free shipping its cap; otherwise unknown (it depends on the cart).
 */
export function couponFaceValue(benefit: Benefit): number | undefined {
  switch (benefit.kind) {
    case "amount_off":
      return benefit.amount_minor;
    case "percent_off":
      return benefit.max_discount_minor;
    case "free_item":
      return benefit.max_value_minor === undefined ? undefined : benefit.max_value_minor * benefit.quantity;
    case "free_shipping":
      return benefit.max_minor;
    default:
      return undefined;
  }
}
