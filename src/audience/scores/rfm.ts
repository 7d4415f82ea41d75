import type { Importance } from "../settings.ts";
import type { RfmGroupName } from "../tables.ts";

/**
 * RFM scoring, pure. Each member with a purchase in the window gets a recency, frequency and monetary score from 1
 * to 5 against the brand's quintile breakpoints (the 20th, 40th, 60th and 80th percentiles among those members).
 * Breakpoints rather than ranks: members with equal values always get equal scores, and one member re-scored
 * between batch runs is scored on the same scale as everyone else. With many ties (most members bought once) some
 * scores stay empty; that is the data speaking, not an error.
 */

export type RfmGroup = RfmGroupName;

export const QUINTILES = [0.2, 0.4, 0.6, 0.8] as const;

/** Higher is better (frequency, spend): 1 + how many breakpoints the value is above. */
export function scoreHigherBetter(value: number, breakpoints: readonly number[]): number {
  return 1 + breakpoints.filter((b) => value > b).length;
}

/** Lower is better (days since the last purchase): 5 − how many breakpoints the value is above. */
export function scoreLowerBetter(value: number, breakpoints: readonly number[]): number {
  return 5 - breakpoints.filter((b) => value > b).length;
}

/**
 * The R×F grid's named groups (monetary value is a separate axis: see importance). Row r (recency score),
 * column f (frequency score); the widely used ten-group layout.
 */
const G = {
  hib: "hibernating",
  risk: "at_risk",
  cant: "cant_lose",
  sleep: "about_to_sleep",
  need: "need_attention",
  loyal: "loyal",
  prom: "promising",
  newc: "new_customers",
  pot: "potential_loyalists",
  champ: "champions",
} as const satisfies Record<string, RfmGroup>;

export const RFM_GRID: readonly (readonly RfmGroup[])[] = [
  /* r=1 */ [G.hib, G.hib, G.risk, G.risk, G.cant],
  /* r=2 */ [G.hib, G.hib, G.risk, G.risk, G.cant],
  /* r=3 */ [G.sleep, G.sleep, G.need, G.loyal, G.loyal],
  /* r=4 */ [G.prom, G.pot, G.pot, G.loyal, G.loyal],
  /* r=5 */ [G.newc, G.pot, G.pot, G.champ, G.champ],
];

/** The grid flattened row by row, so SQL can index it as `grid[(r - 1) * 5 + f]` (1-based). */
export const RFM_GRID_FLAT: readonly RfmGroup[] = RFM_GRID.flat();

export function rfmGroup(r: number, f: number): RfmGroup {
  const group = RFM_GRID[r - 1]?.[f - 1];
  if (group === undefined) throw new Error(`scores out of range: r=${r} f=${f}`);
  return group;
}

export interface RfmBreakpoints {
  recency_days: number[];
  frequency: number[];
  monetary: number[];
}

export interface RfmInput {
  /** Whole days since the last purchase. */
  recency_days: number;
  /** Purchases in the window. */
  frequency: number;
  /** Spend in the window, minor units. */
  monetary_minor: number;
}

export interface RfmScores {
  r_score: number;
  f_score: number;
  m_score: number;
  rfm_group: RfmGroup;
}

/** Scores for a member with a purchase in the window; undefined for one without (no scores, no group). */
export function scoreRfm(input: RfmInput, breakpoints: RfmBreakpoints): RfmScores | undefined {
  if (input.frequency <= 0) return undefined;
  const r = scoreLowerBetter(input.recency_days, breakpoints.recency_days);
  const f = scoreHigherBetter(input.frequency, breakpoints.frequency);
  return {
    r_score: r,
    f_score: f,
    m_score: scoreHigherBetter(input.monetary_minor, breakpoints.monetary),
    rfm_group: rfmGroup(r, f),
  };
}

export function isImportant(scores: RfmScores | undefined, importance: Importance): boolean {
  return (
    scores !== undefined &&
    scores.r_score >= importance.min_r_score &&
    scores.f_score >= importance.min_f_score &&
    scores.m_score >= importance.min_m_score
  );
}

/** Quantile the way PostgreSQL's percentile_disc does: the first value whose cumulative share reaches `fraction`. */
export function percentileDisc(sorted: readonly number[], fraction: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const index = Math.max(0, Math.ceil(fraction * sorted.length) - 1);
  return sorted[Math.min(index, sorted.length - 1)];
}

export function breakpointsOf(values: readonly number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  return QUINTILES.flatMap((q) => {
    const value = percentileDisc(sorted, q);
    return value === undefined ? [] : [value];
  });
}
