import type { PointsPaymentPolicy } from "./schemas.ts";

/**
 * Points as payment ("100 points = 1 yuan, at most 50% of the order"). Points are spent in whole steps of the
 * rate (100 points : 100 fen is a step of 1 point : 1 fen; 300 : 200 is a step of 3 : 2), so value is exact.
 */

export interface PointsPaymentLimit {
  enabled: boolean;
  points_per_unit: number;
  unit_minor: number;
  max_percent: number;
  /** The smallest spend and what it is worth. */
  step_points: number;
  step_minor: number;
  /** The most points usable on this amount with this balance, and their value. */
  max_points: number;
  max_value_minor: number;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

export function pointsPaymentLimit(
  policy: PointsPaymentPolicy,
  totalDueMinor: number,
  availablePoints: number,
): PointsPaymentLimit {
  const divisor = gcd(policy.points_per_unit, policy.unit_minor);
  const stepPoints = policy.points_per_unit / divisor;
  const stepMinor = policy.unit_minor / divisor;
  const capMinor = Math.floor((totalDueMinor * policy.max_percent) / 100);
  const steps = policy.enabled
    ? Math.max(
        0,
        Math.min(Math.floor(Math.max(0, availablePoints) / stepPoints), Math.floor(capMinor / stepMinor)),
      )
    : 0;
  return {
    enabled: policy.enabled,
    points_per_unit: policy.points_per_unit,
    unit_minor: policy.unit_minor,
    max_percent: policy.max_percent,
    step_points: stepPoints,
    step_minor: stepMinor,
    max_points: steps * stepPoints,
    max_value_minor: steps * stepMinor,
  };
}

/**
 * The value of `points` as payment on `totalDueMinor`, or why they cannot be used. The balance itself is checked
 * when the points are spent, under the member's balance lock.
 */
export function pointsPaymentValue(
  policy: PointsPaymentPolicy,
  totalDueMinor: number,
  points: number,
): { value_minor: number } | { problem: string } {
  if (points === 0) return { value_minor: 0 };
  if (!policy.enabled) return { problem: "this brand does not take points as payment" };
  const limit = pointsPaymentLimit(policy, totalDueMinor, Number.MAX_SAFE_INTEGER);
  if (points % limit.step_points !== 0)
    return { problem: `points are used in steps of ${limit.step_points}` };
  if (points > limit.max_points) {
    return {
      problem: `at most ${limit.max_points} points (${policy.max_percent}% of ${totalDueMinor}) may pay for this order`,
    };
  }
  return { value_minor: (points / limit.step_points) * limit.step_minor };
}
