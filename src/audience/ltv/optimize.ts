/**
 * Nelder–Mead minimisation, pure and dependency-free: robust for the handful of parameters of the LTV models
 * (fitted in log space, so any real point is a valid model), and needs no gradient. After the simplex collapses
 * it restarts from the best point with a fresh simplex until a restart no longer improves: the classic remedy for
 * Nelder–Mead stalling on a ridge.
 */

export interface MinimizeOptions {
  /** Size of the first simplex's edges around the start. */
  initialStep?: number;
  /** Stop when the simplex's values differ by less than this (relative to the best value). */
  valueTolerance?: number;
  /** … and its points by less than this in every coordinate. */
  pointTolerance?: number;
  maxEvaluations?: number;
  maxRestarts?: number;
}

export interface MinimizeResult {
  x: number[];
  value: number;
  evaluations: number;
  converged: boolean;
}

const REFLECT = 1;
const EXPAND = 2;
const CONTRACT = 0.5;
const SHRINK = 0.5;

export function minimize(
  f: (x: readonly number[]) => number,
  start: readonly number[],
  options: MinimizeOptions = {},
): MinimizeResult {
  const step = options.initialStep ?? 0.5;
  const valueTolerance = options.valueTolerance ?? 1e-12;
  const pointTolerance = options.pointTolerance ?? 1e-9;
  const maxEvaluations = options.maxEvaluations ?? 20_000;
  const maxRestarts = options.maxRestarts ?? 5;
  let evaluations = 0;
  // A non-finite value (an overflow far from the optimum) is treated as worse than anything finite.
  const value = (x: readonly number[]) => {
    evaluations++;
    const v = f(x);
    return Number.isFinite(v) ? v : Infinity;
  };

  let best = { x: [...start], value: value(start) };
  let converged = false;
  for (let restart = 0; restart <= maxRestarts && evaluations < maxEvaluations; restart++) {
    const result = simplexSearch(
      value,
      best.x,
      step,
      valueTolerance,
      pointTolerance,
      () => evaluations < maxEvaluations,
    );
    const improved = result.value < best.value - valueTolerance * Math.max(1, Math.abs(best.value));
    if (result.value <= best.value) best = result;
    converged = result.converged;
    if (!improved && restart > 0) break;
  }
  return { x: best.x, value: best.value, evaluations, converged };
}

function simplexSearch(
  f: (x: readonly number[]) => number,
  start: readonly number[],
  step: number,
  valueTolerance: number,
  pointTolerance: number,
  budgetLeft: () => boolean,
): { x: number[]; value: number; converged: boolean } {
  const n = start.length;
  let points: { x: number[]; value: number }[] = [{ x: [...start], value: f(start) }];
  for (let i = 0; i < n; i++) {
    const x = [...start];
    x[i] = (x[i] ?? 0) + step;
    points.push({ x, value: f(x) });
  }
  const at = (i: number) => {
    const p = points[i];
    if (!p) throw new Error("simplex point missing");
    return p;
  };
  while (budgetLeft()) {
    points.sort((a, b) => a.value - b.value);
    const bestPoint = at(0);
    const worst = at(n);
    const spread = Math.abs(worst.value - bestPoint.value);
    const size = Math.max(
      ...points.slice(1).map((p) => Math.max(...p.x.map((v, j) => Math.abs(v - (bestPoint.x[j] ?? 0))))),
    );
    if (spread <= valueTolerance * Math.max(1, Math.abs(bestPoint.value)) && size <= pointTolerance) {
      return { ...bestPoint, converged: true };
    }
    const centroid = Array.from(
      { length: n },
      (_, j) => points.slice(0, n).reduce((sum, p) => sum + (p.x[j] ?? 0), 0) / n,
    );
    const along = (t: number) => centroid.map((c, j) => c + t * (c - (worst.x[j] ?? 0)));
    const reflected = along(REFLECT);
    const reflectedValue = f(reflected);
    if (reflectedValue < bestPoint.value) {
      const expanded = along(EXPAND);
      const expandedValue = f(expanded);
      points[n] =
        expandedValue < reflectedValue
          ? { x: expanded, value: expandedValue }
          : { x: reflected, value: reflectedValue };
      continue;
    }
    if (reflectedValue < at(n - 1).value) {
      points[n] = { x: reflected, value: reflectedValue };
      continue;
    }
    const outside = reflectedValue < worst.value;
    const contracted = along(outside ? CONTRACT : -CONTRACT);
    const contractedValue = f(contracted);
    if (contractedValue < (outside ? reflectedValue : worst.value)) {
      points[n] = { x: contracted, value: contractedValue };
      continue;
    }
    points = points.map((p, i) => {
      if (i === 0) return p;
      const x = p.x.map((v, j) => (bestPoint.x[j] ?? 0) + SHRINK * (v - (bestPoint.x[j] ?? 0)));
      return { x, value: f(x) };
    });
  }
  points.sort((a, b) => a.value - b.value);
  return { ...at(0), converged: false };
}
